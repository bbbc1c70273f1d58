package org.openjii.mmi.delivery.tls;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the broker is and whether the connection is encrypted, from a URL such as {@code ssl://host:8883}. The common
 * {@code mqtts://} and {@code mqtt://} mean the same as {@code ssl://} and {@code tcp://}. An AWS IoT endpoint may be
 * given bare, as {@code aws iot describe-endpoint} prints it ({@link #normalize}).
 *
 * @param url the URL as configured, for messages and the startup log (it carries no credentials: those are refused)
 * @param tls true for {@code ssl://} and {@code mqtts://}
 * @param host the host as in a URI: an IPv6 literal keeps its brackets
 * @param port the port, filled in when the URL has none (8883 with TLS, 1883 without)
 */
record BrokerAddress(String url, boolean tls, String host, int port) {

    static final int DEFAULT_TLS_PORT = 8883;
    static final int DEFAULT_PLAIN_PORT = 1883;

    private static final String EXPECTED = "expected ssl://host:8883 (or mqtts://) for TLS, or tcp://host:1883 (or "
            + "mqtt://) for plain MQTT";
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** An AWS IoT data endpoint without a scheme, with an optional port. */
    private static final Pattern BARE_AWS_HOST = Pattern.compile(
            "(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.amazonaws\\.com(\\.cn)?(:\\d{1,5})?");

    /**
     * The URL a bare AWS IoT endpoint stands for: {@code <prefix>-ats.iot.<region>.amazonaws.com} is
     * {@code ssl://<host>:8883}, and with {@code :443} it is {@code ssl://<host>:443} (where ALPN comes on by itself).
     * Anything else is returned as it is.
     */
    static String normalize(String url) {
        if (url == null) {
            return null;
        }
        String text = url.strip();
        if (!BARE_AWS_HOST.matcher(text).matches()) {
            return url;
        }
        return "ssl://" + text + (text.contains(":") ? "" : ":" + DEFAULT_TLS_PORT);
    }

    static BrokerAddress parse(String configured) throws MqttConfigurationException {
        String url = normalize(configured);
        if (url == null || url.isBlank()) {
            throw new MqttConfigurationException(BrokerTransport.BROKER_URL_SETTING + " is empty; " + EXPECTED + ".");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw invalid(url, "is not a valid URL (" + e.getReason() + ")");
        }
        if (uri.getRawUserInfo() != null) {
            // Not echoed: the part before @ may be a password, and this message goes to the log.
            throw new MqttConfigurationException(BrokerTransport.BROKER_URL_SETTING
                    + " carries a user name or password before the host, which would show wherever the URL does;"
                    + " remove it and set " + BrokerCredentials.USERNAME_SETTING + " and "
                    + BrokerCredentials.PASSWORD_FILE_SETTING + " (or the variable MMI_MQTT_PASSWORD) instead ("
                    + EXPECTED + ").");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean tls;
        switch (scheme) {
            case "ssl", "mqtts" -> tls = true;
            case "tcp", "mqtt" -> tls = false;
            default -> throw invalid(url, "has an unsupported scheme");
        }
        if (uri.getHost() == null) {
            throw invalid(url, "names no host");
        }
        if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw invalid(url, "has a path, query or fragment, which an MQTT broker URL cannot have");
        }
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? DEFAULT_TLS_PORT : DEFAULT_PLAIN_PORT;
        return new BrokerAddress(url.strip(), tls, uri.getHost(), port);
    }

    private static MqttConfigurationException invalid(String url, String problem) {
        return new MqttConfigurationException(
                BrokerTransport.BROKER_URL_SETTING + " " + url + " " + problem + "; " + EXPECTED + ".");
    }

    /** True when the host is an IPv4 or IPv6 literal rather than a name (no SNI for those). */
    boolean isIpLiteral() {
        String bare = bareHost();
        return IPV4_LITERAL.matcher(bare).matches() || bare.contains(":");
    }

    /** The host without an IPv6 literal's brackets, as sockets and certificates name it. */
    String bareHost() {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * True for {@code localhost} and loopback IP literals. Other names are not resolved: what a name resolves to can
     * change after startup, so only a URL that says loopback counts as loopback.
     */
    boolean isLoopback() {
        String bare = bareHost();
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!IPV4_LITERAL.matcher(bare).matches() && !bare.contains(":")) {
            return false;
        }
        try {
            // A literal: parsed, not looked up.
            return InetAddress.getByName(bare).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
