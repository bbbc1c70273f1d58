package org.openjii.mmi;

import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.spi.PropertiesComponent;

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
        main.setPropertyPlaceholderLocations(propertyLocations(configFile));
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    /**
     * The configuration as {@link #create} reads it (the {@code --config} file, application.properties,
     * {@code --set}, {@code -D} and {@code MMI_*} variables), in a Camel context that is neither started nor given
     * routes: for commands that only read the configuration ({@code mmi check}). The caller closes it.
     */
    public static CamelContext configuration(String configFile, Map<String, String> overrides) {
        CamelContext context = new DefaultCamelContext();
        PropertiesComponent properties = context.getPropertiesComponent();
        // What Camel Main does with the locations and override properties create() gives it.
        properties.addLocation(propertyLocations(configFile));
        Properties override = new Properties();
        override.putAll(overrides);
        properties.setOverrideProperties(override);
        return context;
    }

    private static String propertyLocations(String configFile) {
        // For a key in both files the location listed first wins: the --config file.
        return configFile == null ? "file:application.properties"
                : "file:" + configFile + ",file:application.properties";
    }

    public static void main(String[] args) throws Exception {
        create(null, Map.of()).run(args);
    }
}
