package org.openjii.mmi.delivery;

import java.util.Locale;

/**
 * The MQTT protocol version of a connection ({@code mmi.mqtt.protocol-version}). MQTT 5 is the default and what AWS
 * IoT Core, Mosquitto 1.6+ and VerneMQ speak; MQTT 3.1.1 is for brokers that speak nothing newer (Thinger.io), with the
 * degradations docs/other-brokers.md lists.
 */
public enum MqttVersion {

    V5("5"),
    V3_1_1("3.1.1");

    public static final String SETTING = "mmi.mqtt.protocol-version";

    private final String label;

    MqttVersion(String label) {
        this.label = label;
    }

    /**
     * @param text {@code 5} or {@code 3.1.1} ({@code 5.0}, {@code 3}, {@code 311} and {@code v5} are read too)
     * @throws IllegalArgumentException naming the setting
     */
    public static MqttVersion parse(String text) {
        String version = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (version.startsWith("v")) {
            version = version.substring(1);
        }
        return switch (version) {
            case "5", "5.0" -> V5;
            case "3.1.1", "3", "311" -> V3_1_1;
            default -> throw new IllegalArgumentException(SETTING + " must be 5 or 3.1.1, was '" + text + "'");
        };
    }

    /** As people write it: {@code 5}, {@code 3.1.1}. */
    public String label() {
        return label;
    }

    /** Whether messages carry properties (user properties, correlation data, response topic, expiry): MQTT 5 only. */
    public boolean hasProperties() {
        return this == V5;
    }

    @Override
    public String toString() {
        return "MQTT " + label;
    }
}
