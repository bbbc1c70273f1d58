package org.openjii.mmi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.commons.text.similarity.LevenshteinDistance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code mmi.*} configuration keys the bridge knows. A key it does not know is almost always a typo
 * ({@code mmi.devcie.port}) that would otherwise be ignored silently and leave the default in force, so startup refuses
 * it, names it and suggests the nearest known key: in the properties files, {@code --set} and {@code -D}. An
 * {@code MMI_*} environment variable that names no key is logged as a warning, not refused.
 */
public final class ConfigurationKeys {

    /**
     * Every key, as documented in application.properties and docs/configuration.md (ConfigurationKeysTest keeps them
     * equal).
     */
    public static final Set<String> KNOWN = Set.of("mmi.commands.acknowledge-alerts", "mmi.commands.allow",
            "mmi.commands.duplicate-window", "mmi.commands.enabled", "mmi.commands.queue-size",
            "mmi.commands.rate-limit", "mmi.commands.response-topic",
            "mmi.commands.response-topic-filter", "mmi.commands.topic",
            "mmi.device.all", "mmi.device.interval", "mmi.device.name", "mmi.device.port", "mmi.device.protocol",
            "mmi.dead-letters", "mmi.device.scan-interval", "mmi.device.scan-patterns", "mmi.embedded.dir",
            "mmi.embedded.port",
            "mmi.experiment-id", "mmi.http.health-path",
            "mmi.http.host", "mmi.http.metrics-path", "mmi.http.port", "mmi.ingest.compress-above",
            "mmi.ingest.crc-absent",
            "mmi.ingest.split-mode", "mmi.mqtt.allow-plaintext", "mmi.mqtt.alpn", "mmi.mqtt.broker-url",
            "mmi.mqtt.ca-file", "mmi.mqtt.cert-file", "mmi.mqtt.client-id", "mmi.mqtt.connect-timeout",
            "mmi.mqtt.dlq-topic", "mmi.mqtt.flow-control", "mmi.mqtt.keep-alive", "mmi.mqtt.key-file",
            "mmi.mqtt.max-in-flight", "mmi.mqtt.max-reconnect-delay", "mmi.mqtt.message-expiry", "mmi.mqtt.qos",
            "mmi.mqtt.password", "mmi.mqtt.password-file", "mmi.mqtt.protocol-version", "mmi.mqtt.proxy",
            "mmi.mqtt.puback-timeout", "mmi.mqtt.username",
            "mmi.mqtt.session-expiry", "mmi.mqtt.status-topic", "mmi.mqtt.topic", "mmi.openjii.broker-url",
            "mmi.openjii.dir", "mmi.openjii.poll-interval", "mmi.openjii.port", "mmi.openjii.release-delay",
            "mmi.outbox.dir",
            "mmi.outbox.dead-letter-max-mb", "mmi.outbox.full-policy", "mmi.outbox.max-age", "mmi.outbox.max-mb",
            "mmi.outbox.raw-input-max-age", "mmi.protocol-id",
            "mmi.simulator.options", "mmi.status.battery-interval", "mmi.status.min-interval", "mmi.timezone",
            // Chooses the properties files (MmiApplication), so it cannot be set in one.
            "mmi.profile",
            // Read by the logging configuration (log4j2.xml) from MMI_LOG_LEVEL / MMI_LOG_FORMAT, not by Camel.
            "mmi.log.level", "mmi.log.format");

    /**
     * Not configuration: set by the launcher and the command line, and build/test switches
     * (-Dmmi.golden.update, -Dmmi.docs.update, the failsafe's mmi.version) a test JVM may carry.
     */
    private static final Set<String> INTERNAL = Set.of("mmi.cli.log.level", "mmi.version", "mmi.golden.update",
            "mmi.docs.update",
            // Set by the ./mmi launcher (the checkout) and by --verbose (read by log4j2.xml).
            MmiApplication.HOME_PROPERTY, "mmi.verbose");
    /** Read by the ./mmi launcher, not by the application: JVM options, the AppCDS/AOT cache switch, extra jars. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("MMI_JAVA_OPTS", "MMI_CDS", "MMI_LIB");
    private static final String PREFIX = "mmi.";
    private static final String ENV_PREFIX = "MMI_";
    private static final int MAX_SUGGESTION_DISTANCE = 3;
    private static final Logger LOG = LoggerFactory.getLogger(ConfigurationKeys.class);

    private ConfigurationKeys() {
    }

    /**
     * Refuses unknown {@code mmi.*} keys.
     *
     * @throws IllegalArgumentException naming every unknown key, where it came from, and the nearest known key (unknown
     *     {@code MMI_*} environment variables are only logged)
     */
    public static void check(PropertiesComponent properties, Properties systemProperties, Map<String, String> env) {
        List<String> problems = new ArrayList<>();
        // The properties files, --config and --set (Camel's initial and override properties are part of the load).
        Set<String> configured = new TreeSet<>(properties.loadProperties().stringPropertyNames());
        Set<String> system = systemProperties.stringPropertyNames();
        configured.removeAll(system);
        unknown(configured, "(in a properties file or --set)", problems);
        unknown(system, "(set with -D)", problems);
        // Only a warning: an environment carries variables nobody chose for mmi (Kubernetes injects MMI_SERVICE_HOST,
        // MMI_PORT, ... for a Service named mmi), and failing on those would stop a pod that is configured fine.
        for (String variable : unknownEnvironmentVariables(env)) {
            LOG.warn("The environment variable {} names no mmi key, so it changes nothing{}", variable,
                    suggestion(variable.toLowerCase(Locale.ROOT).replace('_', '.')));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Unknown configuration: " + String.join("; ", problems)
                    + " (the keys are listed in application.properties)");
        }
    }

    /** {@code MMI_*} variables that are neither a key nor one of the launcher's ({@link #LAUNCHER_VARIABLES}). */
    static Set<String> unknownEnvironmentVariables(Map<String, String> env) {
        Set<String> unknown = new TreeSet<>();
        for (String variable : env.keySet()) {
            if (variable.startsWith(ENV_PREFIX) && !LAUNCHER_VARIABLES.contains(variable) && KNOWN.stream()
                    .map(ConfigurationKeys::envName)
                    .noneMatch(variable::equals)) {
                unknown.add(variable);
            }
        }
        return unknown;
    }

    private static void unknown(Set<String> keys, String where, List<String> problems) {
        new TreeSet<>(keys).stream()
                .filter(key -> key.startsWith(PREFIX) && !KNOWN.contains(key) && !INTERNAL.contains(key))
                .forEach(key -> problems.add(key + " " + where + " is not a key mmi knows" + suggestion(key)));
    }

    /** The environment variable for a key, as Camel maps it: upper case, dots and dashes as underscores. */
    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String suggestion(String unknown) {
        LevenshteinDistance distance = LevenshteinDistance.getDefaultInstance();
        Optional<String> nearest = KNOWN.stream()
                .min(Comparator.comparingInt((String key) -> distance.apply(key, unknown)).thenComparing(key -> key));
        return nearest.filter(key -> distance.apply(key, unknown) <= MAX_SUGGESTION_DISTANCE)
                .map(key -> "; did you mean " + key + "?")
                .orElse("");
    }
}
