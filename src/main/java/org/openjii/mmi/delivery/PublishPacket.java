package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The size of a PUBLISH packet as a broker's Maximum Packet Size counts it (MQTT 5.0, section 3.3). */
final class PublishPacket {

    private PublishPacket() {
    }

    /** Bytes of the PUBLISH packet of {@code message}: fixed header, topic, packet id, properties and payload. */
    static long size(MqttConnection.Outgoing message) {
        long propertyBytes = 1 + utf8String("application/json") + 2;
        if (message.messageExpirySeconds() != null) {
            propertyBytes += 5;
        }
        if (message.correlationData() != null) {
            propertyBytes += 1 + 2 + message.correlationData().length;
        }
        for (Map.Entry<String, String> property : message.userProperties()) {
            propertyBytes += 1 + utf8String(property.getKey()) + utf8String(property.getValue());
        }
        long remaining = utf8String(message.topic()) + 2 + variableByteInteger(propertyBytes) + propertyBytes
                + message.payload().length;
        return 1 + variableByteInteger(remaining) + remaining;
    }

    private static long utf8String(String text) {
        return 2 + text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static int variableByteInteger(long value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }
}
