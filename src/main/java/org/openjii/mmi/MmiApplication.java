package org.openjii.mmi;

import java.util.Map;

import org.apache.camel.main.Main;

/**
 * The bridge as a Camel Main application: YAML routes from {@code routes/} and {@code application.properties}, both
 * from the working directory (the repository root, or the image's working directory), Java plumbing as named in it.
 */
public final class MmiApplication {

    private MmiApplication() {
    }

    /** A configured, not yet started Camel Main; {@code overrides} win over application.properties. */
    public static Main create(String configFile, Map<String, String> overrides) {
        // No package scanning: Java routes and configuration are named in application.properties, as camel run needs.
        Main main = new Main();
        // For a key in both files the location listed first wins: the --config file.
        String locations = configFile == null ? "file:application.properties"
                : "file:" + configFile + ",file:application.properties";
        main.setPropertyPlaceholderLocations(locations);
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    public static void main(String[] args) throws Exception {
        create(null, Map.of()).run(args);
    }
}
