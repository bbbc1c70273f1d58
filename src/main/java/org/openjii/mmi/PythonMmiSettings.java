package org.openjii.mmi;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The environment variables of the Python MMI tool that mmi replaces (openJII's
 * {@code apps/tools/multispeq_mqtt_interface}, {@code utils/config.py}), read as the mmi keys they mean, so that a
 * lab's existing setup keeps working:
 * <table>
 * <caption>Python MMI variable → mmi key</caption>
 * <tr><td>{@code AWS_IOT_ENDPOINT}, {@code AWS_IOT_PORT}</td><td>{@code mmi.mqtt.broker-url}
 * ({@code ssl://<endpoint>:<port, 8883>})</td></tr>
 * <tr><td>{@code AWS_IOT_CERT_FILEPATH}, {@code AWS_IOT_PRIVATE_KEY_FILEPATH}, {@code AWS_IOT_CA_FILEPATH}</td>
 * <td>{@code mmi.mqtt.cert-file}, {@code key-file}, {@code ca-file}</td></tr>
 * <tr><td>{@code AWS_IOT_CLIENT_ID}</td><td>{@code mmi.mqtt.client-id}</td></tr>
 * <tr><td>{@code AWS_IOT_KEEP_ALIVE}</td><td>{@code mmi.mqtt.keep-alive} (seconds)</td></tr>
 * <tr><td>{@code AWS_IOT_CLEAN_SESSION=true}</td><td>{@code mmi.mqtt.session-expiry=0}</td></tr>
 * <tr><td>{@code AWS_IOT_PROXY_HOST}, {@code AWS_IOT_PROXY_PORT}</td><td>{@code mmi.mqtt.proxy}
 * ({@code http://<host>:<port>})</td></tr>
 * </table>
 * {@code AWS_IOT_TOPIC} is not read: its legacy 8-level topic is not openJII's ingest topic ({@code mmi.mqtt.topic}).
 * <p>
 * Their place in the order: below every mmi setting given on purpose ({@code MMI_*} variables, {@code -D},
 * {@code --set}, {@code --config}), above the profile's file and {@code application.properties}. They reach Camel
 * as the properties of a registry bean ({@value #BEAN}) named in the property locations ({@link #LOCATION}).
 */
public final class PythonMmiSettings {

    /** The registry name of the properties. */
    public static final String BEAN = "mmiPythonSettings";
    /** The property location that reads them, optional: absent when no variable is set. */
    public static final String LOCATION = "ref:" + BEAN + ";optional=true";

    private static final Logger LOG = LoggerFactory.getLogger(PythonMmiSettings.class);
    private static final int DEFAULT_PORT = 8883;

    private PythonMmiSettings() {
    }

    /** One variable read as a key: the variable(s), the key, the value. */
    record Mapping(String variables, String key, String value) {
    }

    /**
     * The mmi keys the Python MMI's variables in {@code env} stand for.
     *
     * @throws IllegalArgumentException naming the variable, for a port or keep-alive that is not a number
     */
    static List<Mapping> mappings(Map<String, String> env) {
        List<Mapping> mappings = new ArrayList<>();
        String endpoint = value(env, "AWS_IOT_ENDPOINT");
        String port = value(env, "AWS_IOT_PORT");
        if (endpoint != null) {
            String url = endpoint.contains("://") ? endpoint
                    : "ssl://" + endpoint + ":" + (port == null ? DEFAULT_PORT : number(port, "AWS_IOT_PORT"));
            mappings.add(new Mapping(port == null ? "AWS_IOT_ENDPOINT" : "AWS_IOT_ENDPOINT, AWS_IOT_PORT",
                    "mmi.mqtt.broker-url", url));
        }
        copy(env, "AWS_IOT_CERT_FILEPATH", "mmi.mqtt.cert-file", mappings);
        copy(env, "AWS_IOT_PRIVATE_KEY_FILEPATH", "mmi.mqtt.key-file", mappings);
        copy(env, "AWS_IOT_CA_FILEPATH", "mmi.mqtt.ca-file", mappings);
        copy(env, "AWS_IOT_CLIENT_ID", "mmi.mqtt.client-id", mappings);
        String keepAlive = value(env, "AWS_IOT_KEEP_ALIVE");
        if (keepAlive != null) {
            mappings.add(new Mapping("AWS_IOT_KEEP_ALIVE", "mmi.mqtt.keep-alive", number(keepAlive,
                    "AWS_IOT_KEEP_ALIVE") + "s"));
        }
        // As the Python tool reads it: only "true" (any case) cleans the session.
        String clean = value(env, "AWS_IOT_CLEAN_SESSION");
        if (clean != null && clean.equalsIgnoreCase("true")) {
            mappings.add(new Mapping("AWS_IOT_CLEAN_SESSION", "mmi.mqtt.session-expiry", "0"));
        }
        String proxyHost = value(env, "AWS_IOT_PROXY_HOST");
        String proxyPort = value(env, "AWS_IOT_PROXY_PORT");
        // As the Python tool: a proxy needs both, and port 0 means none.
        if (proxyHost != null && proxyPort != null && number(proxyPort, "AWS_IOT_PROXY_PORT") != 0) {
            mappings.add(new Mapping("AWS_IOT_PROXY_HOST, AWS_IOT_PROXY_PORT", "mmi.mqtt.proxy",
                    "http://" + proxyHost + ":" + number(proxyPort, "AWS_IOT_PROXY_PORT")));
        }
        return mappings;
    }

    /** The mappings as properties, for the registry bean. */
    public static Properties properties(Map<String, String> env) {
        Properties properties = new Properties();
        mappings(env).forEach(mapping -> properties.setProperty(mapping.key(), mapping.value()));
        return properties;
    }

    /**
     * Logs once which variables were read and which were not because an mmi setting wins, so nobody wonders where a
     * value came from.
     *
     * @param overrides {@code --set}
     * @param configFile the {@code --config} file, or null
     */
    public static void logUse(Map<String, String> env, Properties system, Map<String, String> overrides,
            String configFile) {
        List<Mapping> mappings = mappings(env);
        if (value(env, "AWS_IOT_TOPIC") != null) {
            LOG.warn("AWS_IOT_TOPIC (the Python MMI's topic) is not read: its 8-level legacy topic is not openJII's"
                    + " ingest topic; mmi publishes to mmi.mqtt.topic");
        }
        if (mappings.isEmpty()) {
            return;
        }
        Properties fromFile = load(configFile);
        Map<String, String> used = new LinkedHashMap<>();
        List<String> overridden = new ArrayList<>();
        for (Mapping mapping : mappings) {
            String key = mapping.key();
            if (env.containsKey(ConfigurationKeys.envName(key)) || system.containsKey(key)
                    || overrides.containsKey(key) || fromFile.containsKey(key)) {
                overridden.add(mapping.variables() + " (" + key + " is set)");
            } else {
                used.put(mapping.variables(), key + "=" + mapping.value());
            }
        }
        if (!used.isEmpty()) {
            LOG.info("Using the Python MMI's settings: {}", String.join("; ", used.entrySet()
                    .stream()
                    .map(entry -> entry.getKey() + " → " + entry.getValue())
                    .toList()));
        }
        if (!overridden.isEmpty()) {
            LOG.info("Not using the Python MMI's {}: an mmi setting wins", String.join(", ", overridden));
        }
    }

    private static Properties load(String configFile) {
        Properties properties = new Properties();
        if (configFile != null && Files.isRegularFile(Path.of(configFile))) {
            try (Reader reader = Files.newBufferedReader(Path.of(configFile), StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (IOException e) {
                // Camel reads the file too and reports it; here it only decides a log line.
            }
        }
        return properties;
    }

    private static void copy(Map<String, String> env, String variable, String key, List<Mapping> mappings) {
        String value = value(env, variable);
        if (value != null) {
            mappings.add(new Mapping(variable, key, value));
        }
    }

    private static String value(Map<String, String> env, String variable) {
        String value = env.get(variable);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static int number(String text, String variable) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " (a Python MMI setting) must be a whole number, was '" + text
                    + "'; correct or unset it", e);
        }
    }
}
