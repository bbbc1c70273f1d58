package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sizes worked out by hand from MQTT 5.0, section 3.3: fixed header (1 byte and the remaining length as a variable
 * byte integer, 2.1.4), topic (2 + UTF-8), packet id (2), property length (a variable byte integer) and properties
 * (content type 0x03: 1 + 2 + 16 for {@code application/json}; payload format 0x01: 1 + 1; message expiry 0x02:
 * 1 + 4; correlation data 0x09: 1 + 2 + n; each user property 0x26: 1 + 2 + key + 2 + value), then the payload.
 */
class PublishPacketTest {

    private static MqttConnection.Outgoing message(String topic, int payloadBytes,
            List<Map.Entry<String, String>> userProperties, byte[] correlationData, Long expirySeconds) {
        return new MqttConnection.Outgoing(topic, new byte[payloadBytes], false, userProperties, correlationData,
                expirySeconds);
    }

    @Test
    void aSmallMessageHasOneByteLengths() {
        // properties 19 + 2 = 21; remaining 3 + 2 + 1 + 21 + 3 = 30; total 1 + 1 + 30.
        assertThat(PublishPacket.size(message("t", 3, List.of(), null, null))).isEqualTo(32);
    }

    @Test
    void everyPropertyCounts() {
        byte[] correlation = "request-7".getBytes(StandardCharsets.UTF_8);
        // properties 21 + 5 (expiry) + 12 (correlation) + (1 + 12 + 8) + (1 + 13 + 9) = 82;
        // remaining (2 + 7) + 2 + 1 + 82 + 100 = 194, two bytes as a variable byte integer; total 1 + 2 + 194.
        assertThat(PublishPacket.size(message("a/b/cde", 100, List.of(Map.entry("message-id", "abcdef"),
                Map.entry("mmi-version", "1.2.3-x")), correlation, 3600L))).isEqualTo(197);
    }

    @Test
    void theRemainingLengthGrowsToThreeBytesPast16383() {
        // remaining 3 + 2 + 1 + 21 + payload: 16,383 needs two bytes, 16,384 three.
        assertThat(PublishPacket.size(message("t", 16_383 - 27, List.of(), null, null))).isEqualTo(1 + 2 + 16_383);
        assertThat(PublishPacket.size(message("t", 16_384 - 27, List.of(), null, null))).isEqualTo(1 + 3 + 16_384);
    }
}
