package org.openjii.mmi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The bridge as a Camel Main application: YAML routes from {@code routes/} and {@code application.properties}, both
 * from its home folder ({@value #HOME_PROPERTY}: the checkout, which {@code ./mmi} names; else the working directory,
 * as in the container image), Java plumbing as named in it. Everything else relative, on the command line and in the
 * files, resolves from the working directory: {@code ./mmi} runs in the caller's folder.
 * <p>
 * A profile ({@code mmi.profile}: {@code --profile}, {@code MMI_PROFILE} or {@code -Dmmi.profile}) adds the file
 * {@code application-<profile>.properties} over {@code application.properties}, as Camel JBang's
 * {@code camel run --profile} does with the same files. {@code dev}, the default, is {@code application.properties}
 * alone: the simulator and the embedded broker.
 * <p>
 * The Python MMI's environment variables ({@link PythonMmiSettings}) come between the {@code --config} file and the
 * profile's file.
 */
public final class MmiApplication {

    /** The key that selects a profile. */
    public static final String PROFILE_KEY = "mmi.profile";
    /** The default profile: application.properties as it is. */
    public static final String DEFAULT_PROFILE = "dev";
    /**
     * The system property naming the folder of application.properties, its profiles and routes/ (application.properties
     * reads the routes from {@code {{mmi.home:.}}/routes}).
     */
    public static final String HOME_PROPERTY = "mmi.home";

    private MmiApplication() {
    }

    /**
     * A configured, not yet started Camel Main; {@code overrides} win over the --config file, which wins over the
     * profile's file, which wins over application.properties.
     *
     * @throws IllegalArgumentException for a profile without its file, naming the file
     */
    public static Main create(String configFile, Map<String, String> overrides) {
        // No package scanning: Java routes and configuration are named in application.properties, as camel run needs.
        Main main = new Main();
        String profile = profile(overrides, System.getProperties(), System.getenv());
        main.setPropertyPlaceholderLocations(propertyLocations(configFile, profile, home()));
        overrides.forEach(main::addOverrideProperty);
        main.bind(PythonMmiSettings.BEAN, pythonSettings(configFile, overrides));
        // Camel's startup summary prints the value of every setting it resolved, masking those whose name says
        // password or token; mmi.mqtt.proxy may carry a password in its URL.
        main.configure().setAdditionalSensitiveKeywords("proxy");
        return main;
    }

    /**
     * The configuration as {@link #create} reads it (the {@code --config} file, the profile's file,
     * application.properties, {@code --set}, {@code -D} and {@code MMI_*} variables), in a Camel context that is
     * neither started nor given routes: for commands that only read the configuration ({@code mmi check}). The caller
     * closes it.
     *
     * @throws IllegalArgumentException for a profile without its file, naming the file
     */
    public static CamelContext configuration(String configFile, Map<String, String> overrides) {
        CamelContext context = new DefaultCamelContext();
        PropertiesComponent properties = context.getPropertiesComponent();
        context.getRegistry().bind(PythonMmiSettings.BEAN, pythonSettings(configFile, overrides));
        // What Camel Main does with the locations and override properties create() gives it.
        properties.addLocation(propertyLocations(configFile,
                profile(overrides, System.getProperties(), System.getenv()), home()));
        Properties override = new Properties();
        override.putAll(overrides);
        properties.setOverrideProperties(override);
        return context;
    }

    /** The Python MMI's settings from this process's environment; logs which are used. */
    private static Properties pythonSettings(String configFile, Map<String, String> overrides) {
        PythonMmiSettings.logUse(System.getenv(), System.getProperties(), overrides, configFile);
        return PythonMmiSettings.properties(System.getenv());
    }

    /**
     * The folder of application.properties, its profiles and routes/: {@value #HOME_PROPERTY}, else the working one.
     */
    public static Path home() {
        String home = System.getProperty(HOME_PROPERTY, "").trim();
        return Path.of(home);
    }

    /** The active profile: --set / overrides, then -D, then the environment, then {@value #DEFAULT_PROFILE}. */
    static String profile(Map<String, String> overrides, Properties system, Map<String, String> env) {
        return Optional.ofNullable(overrides.get(PROFILE_KEY))
                .or(() -> Optional.ofNullable(system.getProperty(PROFILE_KEY)))
                .or(() -> Optional.ofNullable(env.get(ConfigurationKeys.envName(PROFILE_KEY))))
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .orElse(DEFAULT_PROFILE);
    }

    /**
     * Camel's property locations, the one listed first winning for a key in several.
     *
     * @param directory the home folder ({@link #home()}), where application.properties and the profile files are
     */
    static String propertyLocations(String configFile, String profile, Path directory) {
        List<String> locations = new ArrayList<>();
        if (configFile != null) {
            locations.add("file:" + configFile);
        }
        locations.add(PythonMmiSettings.LOCATION);
        if (!DEFAULT_PROFILE.equals(profile)) {
            if (!profile.matches("[a-z0-9][a-z0-9-]*")) {
                throw new IllegalArgumentException(PROFILE_KEY + " '" + profile + "' is not a profile name: use lower"
                        + " case letters, digits and dashes (dev, aws)");
            }
            Path file = directory.resolve("application-" + profile + ".properties");
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(PROFILE_KEY + " " + profile + ": no file " + file.toAbsolutePath()
                        + "; the profiles are dev (application.properties alone) and aws (application-aws.properties)");
            }
            locations.add("file:" + file);
        }
        locations.add("file:" + directory.resolve("application.properties"));
        return String.join(",", locations);
    }

    public static void main(String[] args) throws Exception {
        create(null, Map.of()).run(args);
    }
}
