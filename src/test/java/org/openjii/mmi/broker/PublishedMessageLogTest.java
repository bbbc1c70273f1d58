package org.openjii.mmi.broker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console line of the embedded broker, for messages shaped as docs/openjii-message.md specifies them (the openJII
 * ingest message and the dead-letter envelope), with the topics of the repository's application.properties.
 */
class PublishedMessageLogTest {

    private final PublishedMessageLog log = new PublishedMessageLog(PublishedMessageLog.filter(
            "experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/{sensorId}", "mmi"),
            PublishedMessageLog.filter("mmi/dlq/{clientId}/{reason}", "mmi"));

    private static Optional<ByteBuffer> payload(String text) {
        return Optional.of(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldShowTopicSizeAndKeyFieldsOfADataMessageButNotItsSample() {
        String message = "{\"timestamp\":\"2026-03-09T16:30:00.000+01:00\",\"timezone\":\"Europe/Amsterdam\","
                + "\"device_id\":\"01:12:53:20\",\"device_name\":\"MultispeQ\",\"device_battery\":82,"
                + "\"sample\":\"[{\\\"ri\\\":[0,415],\\\"device_id\\\":\\\"not this one\\\"}]\"}";
        String topic = "experiment/data_ingest/v1/demo-experiment/multispeq/2/01:12:53:20";

        assertThat(log.describe(topic, payload(message), Optional.of("efffc86c-0000-4000-8000-000000000001")))
                .isEqualTo(topic + " (" + message.getBytes(StandardCharsets.UTF_8).length + " bytes)"
                        + " device_id=01:12:53:20 timestamp=2026-03-09T16:30:00.000+01:00"
                        + " message-id=efffc86c-0000-4000-8000-000000000001");
    }

    @Test
    void shouldShowTheReasonOfADeadLetter() {
        String envelope = "{\"reason\":\"crc-mismatch\",\"error\":\"ChecksumMismatchException: …\",\"route_id\":"
                + "\"device-multispeq\",\"device_id\":\"01:12:53:20\",\"raw\":{\"nested\":{\"reason\":\"x\"}}}";

        assertThat(log.describe("mmi/dlq/mmi/crc-mismatch", payload(envelope), Optional.of("5f69")))
                .isEqualTo("mmi/dlq/mmi/crc-mismatch (" + envelope.getBytes(StandardCharsets.UTF_8).length
                        + " bytes) dead letter reason=crc-mismatch device_id=01:12:53:20 message-id=5f69");
    }

    @Test
    void shouldKeepALineOneLineWhateverTheDeviceSent() {
        String line = log.describe("experiment/data_ingest/v1/e/multispeq/2/x", payload(
                "{\"device_id\":\"a\\nb c\"}"), Optional.empty());

        assertThat(line).isEqualTo("experiment/data_ingest/v1/e/multispeq/2/x (22 bytes) device_id=a\\u000ab\\u0020c");
        assertThat(log.describe("mmi/dlq/mmi/invalid-json", payload("not json"), Optional.empty()))
                .isEqualTo("mmi/dlq/mmi/invalid-json (8 bytes) dead letter not JSON");
    }

    @Test
    void shouldNotShowOtherTopics() {
        assertThat(log.describe("mmi/v1/mmi/status", payload("{\"status\":\"online\"}"), Optional.empty())).isNull();
        assertThat(log.describe("mmi/dlq/other-client/crc-mismatch", payload("{}"), Optional.empty())).isNull();
        assertThat(log.describe("experiment/data_ingest/v1/e/multispeq/2", payload("{}"), Optional.empty())).isNull();
    }
}
