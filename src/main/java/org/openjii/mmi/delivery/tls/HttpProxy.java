package org.openjii.mmi.delivery.tls;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP proxy the MQTT connection tunnels through with {@code CONNECT host:port} (RFC 9110, 9.3.6), as institute
 * networks often require: {@code mmi.mqtt.proxy=http://[user:password@]host:port}, or else, for a TLS broker, the
 * {@code HTTPS_PROXY} environment variable unless {@code NO_PROXY} names the broker's host. The tunnel carries the
 * TLS connection to the broker, so the proxy sees only the host and port.
 *
 * @param host the proxy's host
 * @param port its port
 * @param username for Basic proxy authentication, or null
 * @param password its password, or null; never shown ({@link #describe()} masks it)
 * @param source where the setting came from ({@code mmi.mqtt.proxy}, {@code HTTPS_PROXY}), for messages
 */
public record HttpProxy(String host, int port, String username, String password, String source) {

    public static final String SETTING = "mmi.mqtt.proxy";
    /** Set to this, {@code mmi.mqtt.proxy} turns the environment's proxy off. */
    public static final String NONE = "none";
    private static final String EXPECTED = "expected http://[user:password@]host:port";

    /**
     * The proxy for a broker: {@code setting} when set ({@value #NONE}: none), else for a TLS broker the environment's
     * {@code HTTPS_PROXY} (or {@code https_proxy}), unless the broker's host is loopback or {@code NO_PROXY} (or
     * {@code no_proxy}) names it.
     *
     * @param setting {@code mmi.mqtt.proxy}, null or blank when unset
     * @param brokerUrl the broker URL; when it does not parse, no proxy from the environment (the transport then
     *     reports the URL)
     * @throws MqttConfigurationException naming the setting or variable, for a value that is not an HTTP proxy URL
     */
    public static Optional<HttpProxy> select(String setting, Map<String, String> env, String brokerUrl)
            throws MqttConfigurationException {
        if (setting != null && !setting.isBlank()) {
            return NONE.equalsIgnoreCase(setting.strip()) ? Optional.empty() : Optional.of(parse(setting, SETTING));
        }
        BrokerAddress broker;
        try {
            broker = BrokerAddress.parse(brokerUrl);
        } catch (MqttConfigurationException e) {
            return Optional.empty();
        }
        String variable = env.containsKey("HTTPS_PROXY") ? "HTTPS_PROXY" : "https_proxy";
        String value = env.get(variable);
        if (!broker.tls() || value == null || value.isBlank() || broker.isLoopback()
                || bypassed(broker.bareHost(), env.getOrDefault("NO_PROXY", env.get("no_proxy")))) {
            return Optional.empty();
        }
        return Optional.of(parse(value, variable));
    }

    /**
     * @param url {@code http://[user:password@]host:port}; {@code host:port} alone is read as http
     * @param source the setting or variable it came from
     */
    public static HttpProxy parse(String url, String source) throws MqttConfigurationException {
        String text = url.strip();
        URI uri;
        try {
            uri = new URI(text.contains("://") ? text : "http://" + text);
        } catch (URISyntaxException e) {
            // Not echoed: it may carry a password.
            throw new MqttConfigurationException(source + " is not a valid proxy URL (" + e.getReason() + "); "
                    + EXPECTED + ".");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new MqttConfigurationException(source + " has the scheme " + uri.getScheme() + "; mmi tunnels through"
                    + " an HTTP proxy with CONNECT (" + EXPECTED + ").");
        }
        if (uri.getHost() == null || uri.getPort() == -1) {
            throw new MqttConfigurationException(source + " names no proxy host and port; " + EXPECTED + ".");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "";
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        return new HttpProxy(host, uri.getPort(), user, password, source);
    }

    /**
     * Whether {@code NO_PROXY} exempts the host, as curl reads it: comma-separated names, each matching the host and
     * its subdomains ({@code example.com} and {@code .example.com} both match {@code a.example.com}), IP addresses
     * matching exactly, and {@code *} matching every host. A {@code :port} after an entry is ignored.
     */
    static boolean bypassed(String host, String noProxy) {
        if (noProxy == null || noProxy.isBlank()) {
            return false;
        }
        String name = host.toLowerCase(Locale.ROOT);
        for (String entry : noProxy.split(",")) {
            String pattern = entry.strip().toLowerCase(Locale.ROOT);
            if (pattern.startsWith("[")) {
                pattern = pattern.substring(1, Math.max(1, pattern.indexOf(']')));
            } else if (pattern.indexOf(':') == pattern.lastIndexOf(':') && pattern.contains(":")) {
                pattern = pattern.substring(0, pattern.indexOf(':'));
            }
            if (pattern.startsWith("*.")) {
                pattern = pattern.substring(1);
            }
            if (pattern.equals("*")) {
                return true;
            }
            String domain = pattern.startsWith(".") ? pattern.substring(1) : pattern;
            if (!domain.isEmpty() && (name.equals(domain) || name.endsWith("." + domain))) {
                return true;
            }
        }
        return false;
    }

    /** Whether CONNECT carries Basic proxy authentication. */
    public boolean authenticates() {
        return username != null;
    }

    /** For the log and messages: the URL with the password masked, and where it came from. */
    public String describe() {
        String user = username == null ? ""
                : username + (password == null || password.isEmpty() ? "" : ":****")
                        + "@";
        return "http://" + user + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + " (" + source + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
