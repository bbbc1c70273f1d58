package org.openjii.mmi.broker;

import org.apache.camel.CamelContext;

/**
 * Whether this build carries the embedded broker. The development build does ({@code ./mmi run}); the production
 * image leaves HiveMQ CE and what only it brings out (docs/containers.md). Checked before anything touches
 * {@link EmbeddedBroker}, whose class refers to HiveMQ's, by looking HiveMQ's entry class up through Camel's class
 * resolver, which answers {@code null} for a class that is not there.
 */
public final class EmbeddedBrokerPresence {

    static final String HIVEMQ_CLASS = "com.hivemq.embedded.EmbeddedHiveMQ";

    private EmbeddedBrokerPresence() {
    }

    /** True when the embedded broker's classes are on the class path. */
    public static boolean present(CamelContext context) {
        return context.getClassResolver().resolveClass(HIVEMQ_CLASS) != null;
    }

    /**
     * Nothing when the embedded broker is there.
     *
     * @throws IllegalArgumentException naming the key and what to set instead, when it is not
     */
    public static void require(CamelContext context) {
        if (!present(context)) {
            throw new IllegalArgumentException("mmi.mqtt.broker-url is '" + EmbeddedBroker.BROKER_URL + "', but this"
                    + " build has no embedded broker (the production image leaves it out): set mmi.mqtt.broker-url"
                    + " (MMI_MQTT_BROKER_URL) to your broker, e.g. tcp://mosquitto:1883 or"
                    + " ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883");
        }
    }
}
