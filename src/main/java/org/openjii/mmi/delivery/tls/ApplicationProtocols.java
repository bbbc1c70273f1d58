package org.openjii.mmi.delivery.tls;

import java.util.ArrayList;
import java.util.List;

/**
 * Which application protocols (ALPN) the TLS handshake offers. AWS IoT Core serves MQTT with X.509 certificates on
 * port 8883 without ALPN, and on port 443 only to clients that offer {@code x-amzn-mqtt-ca} (on 443 it would otherwise
 * take the connection for HTTPS).
 */
final class ApplicationProtocols {

    static final String AWS_IOT_MQTT = "x-amzn-mqtt-ca";
    static final int HTTPS_PORT = 443;

    private ApplicationProtocols() {
    }

    /**
     * @param alpn null = automatic ({@value #AWS_IOT_MQTT} on port 443 with TLS, none otherwise), blank = none, else
     *     a comma-separated list
     */
    static List<String> resolve(String alpn, BrokerAddress address) throws MqttConfigurationException {
        if (alpn == null) {
            return address.tls() && address.port() == HTTPS_PORT ? List.of(AWS_IOT_MQTT) : List.of();
        }
        List<String> protocols = new ArrayList<>();
        for (String protocol : alpn.split(",")) {
            String name = protocol.strip();
            if (name.isEmpty()) {
                continue;
            }
            if (name.length() > 255 || !name.chars().allMatch(c -> c > ' ' && c < 127)) {
                throw new MqttConfigurationException(BrokerTransport.ALPN_SETTING + " '" + name
                        + "' is not a protocol name; give names of printable ASCII characters without spaces, "
                        + "separated by commas (for AWS IoT on port 443: " + AWS_IOT_MQTT + ").");
            }
            protocols.add(name);
        }
        if (!protocols.isEmpty() && !address.tls()) {
            throw new MqttConfigurationException(BrokerTransport.ALPN_SETTING + " is set to " + alpn.strip() + " but "
                    + BrokerTransport.BROKER_URL_SETTING + " " + address.url()
                    + " is plain MQTT, and ALPN is part of TLS; use an ssl:// URL or leave "
                    + BrokerTransport.ALPN_SETTING
                    + " unset.");
        }
        return List.copyOf(protocols);
    }
}
