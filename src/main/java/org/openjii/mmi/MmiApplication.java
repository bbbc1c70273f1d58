package org.openjii.mmi;

import java.util.Map;

import org.apache.camel.main.Main;

/**
 * The bridge as a Camel Main application: YAML routes from {@code routes/}, {@code application.properties} from the
 * working directory (falling back to the copy in the jar), Java routes and beans from this package.
 */
public final class MmiApplication {

    private MmiApplication() {
    }

    /** A configured, not yet started Camel Main; {@code overrides} win over application.properties. */
    public static Main create(String configFile, Map<String, String> overrides) {
        Main main = new Main(MmiApplication.class);
        String locations = "classpath:application.properties;optional=true,file:application.properties;optional=true";
        if (configFile != null) {
            locations += ",file:" + configFile;
        }
        main.setPropertyPlaceholderLocations(locations);
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    public static void main(String[] args) throws Exception {
        create(null, Map.of()).run(args);
    }
}
