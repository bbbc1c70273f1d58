package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.PublishRefusedException;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.topic.InvalidTopicException;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openjii.mmi.ingest.IngestFixtures.exchange;

class DeadLetterEnvelopeTest {

    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}";

    private final DeadLetterEnvelope envelope = new DeadLetterEnvelope();

    /** An exchange as the dead-letter channel hands it over: the exception in the EXCEPTION_CAUGHT property. */
    private static Exchange failed(Object body, Throwable failure) {
        Exchange exchange = exchange(body);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, "ingest");
        return exchange;
    }

    private JsonNode envelopeOf(Exchange exchange) throws Exception {
        envelope.process(exchange);
        return DeviceJson.parse(exchange.getMessage().getBody(String.class));
    }

    @Test
    void shouldWrapADeviceErrorWithItsReasonTopicAndRawInput() throws Exception {
        String raw = "{\"error\":\"battery is too low\"}";
        Exchange exchange = failed(raw, new IngestException(FailureReason.DEVICE_ERROR,
                "Device reported an error: battery is too low"));
        exchange.getMessage().setHeader(MultispeqConstants.DEVICE_ID, "01:12:53:20");
        exchange.getMessage().setHeader(MultispeqConstants.PORT, "/dev/ttyACM0");
        exchange.getMessage().setHeader(MultispeqConstants.LAST_BYTE_AT, Instant.parse("2026-03-09T09:30:00Z"));
        envelope.setTimezone("Europe/Amsterdam");

        JsonNode letter = envelopeOf(exchange);

        assertThat(letter.get("reason").asText()).isEqualTo("device-error");
        assertThat(letter.get("error").asText()).isEqualTo("IngestException: Device reported an error:"
                + " battery is too low");
        assertThat(letter.get("route_id").asText()).isEqualTo("ingest");
        assertThat(letter.get("received_at").asText()).isEqualTo("2026-03-09T10:30:00.000+01:00");
        assertThat(letter.get("device_id").asText()).isEqualTo("01:12:53:20");
        assertThat(letter.get("port").asText()).isEqualTo("/dev/ttyACM0");
        assertThat(letter.get("message_id").asText()).matches(UUID)
                .isEqualTo(exchange.getMessage().getHeader(IngestHeaders.MESSAGE_ID));
        assertThat(letter.get("topic").isNull()).isTrue();
        assertThat(letter.get("raw").asText()).isEqualTo(raw);
        assertThat(letter.has("raw_encoding")).isFalse();
        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC)).isEqualTo("mmi/dlq/mmi/device-error");
        assertThat(exchange.getMessage().getHeader(IotConstants.TOPIC)).isEqualTo("mmi/dlq/mmi/device-error");
    }

    /** A request that could not be read keeps only its start: a flood of large ones must not fill the disk. */
    @Test
    void shouldKeepOnlyAPrefixOfTheInputWhenTheRouteSetsARawLimit() throws Exception {
        // 120 KB, as in the issue's flood, with a two-byte character across the limit.
        String request = "{\"command\": \"" + "x".repeat(1026) + "é" + "y".repeat(120_000);
        Exchange exchange = failed(request.getBytes(StandardCharsets.UTF_8), new InvalidTopicException("t", "v",
                "unreadable"));
        exchange.getMessage().setHeader(IngestHeaders.RAW_LIMIT, 1040);
        exchange.getMessage().setHeader(IngestHeaders.RAW_INPUT, new byte[]{1, 2, 3});

        JsonNode letter = envelopeOf(exchange);

        // The prefix ends before the character that does not fit whole (bytes 1039 and 1040): 13 + 1026 bytes.
        assertThat(letter.get("raw").asText()).isEqualTo(request.substring(0, 1039));
        assertThat(letter.get("raw_truncated").asBoolean()).isTrue();
        assertThat(letter.get("raw_bytes").asInt()).isEqualTo(request.getBytes(StandardCharsets.UTF_8).length);
        assertThat(exchange.getMessage().getHeader(IngestHeaders.RAW_INPUT)).as("nothing kept beyond it").isNull();

        Exchange small = failed("{\"command\"", new InvalidTopicException("t", "v", "unreadable"));
        small.getMessage().setHeader(IngestHeaders.RAW_LIMIT, 1024);
        JsonNode whole = envelopeOf(small);
        assertThat(whole.get("raw").asText()).isEqualTo("{\"command\"");
        assertThat(whole.has("raw_truncated")).isFalse();
    }

    @Test
    void shouldKeepTheDataTopicTheMessageWouldHaveGoneTo() throws Exception {
        Exchange exchange = failed("{}", new IngestException(FailureReason.PAYLOAD_TOO_LARGE, "too large"));
        exchange.getMessage().setHeader(IngestHeaders.TOPIC, "experiment/data_ingest/v1/e/multispeq/2/d");

        JsonNode letter = envelopeOf(exchange);

        assertThat(letter.get("topic").asText()).isEqualTo("experiment/data_ingest/v1/e/multispeq/2/d");
        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC)).isEqualTo("mmi/dlq/mmi/payload-too-large");
    }

    @Test
    void shouldTakeTheReasonOfTheFirstReasonCodedCause() {
        Throwable wrapped = new CamelExecutionException("failed", null, new RuntimeCamelException(
                new InvalidTopicException("sensorId", "a/b/#", "sensorId \"a/b/#\" contains '/'")));

        assertThat(ReasonCoded.reasonOf(wrapped).code()).isEqualTo("invalid-topic");
    }

    @Test
    void shouldCallARefusalByTheBrokerRejectedByBroker() {
        OutboxEntry refused = new OutboxEntry(7, "m-7", "experiment/data_ingest/v1/e/multispeq/2/d",
                "{}".getBytes(StandardCharsets.UTF_8), OutboxEntry.Kind.DATA, java.time.Instant.EPOCH, null);
        assertThat(ReasonCoded.reasonOf(new RuntimeCamelException(PublishRefusedException.byReasonCode(0x87,
                refused))).code()).isEqualTo("rejected-by-broker");
    }

    /**
     * A data message the broker refused becomes a dead letter whose {@code raw} is the refused payload, byte for byte
     * ({@code _client_id}, number texts, non-ASCII and all), so it can be published again as it was.
     */
    @Test
    void shouldKeepARefusedDataMessageByteForByte() throws Exception {
        Exchange data = exchange(IngestFixtures.measurement(IngestFixtures.PAR_RAW));
        EnrichMeasurement enrich = new EnrichMeasurement();
        enrich.setFields("{\"site\":\"Wädenswil – serre 2\",\"f\":2.30}");
        enrich.process(data);
        new SerializePayload().process(data);
        byte[] payload = data.getMessage().getBody(String.class).getBytes(StandardCharsets.UTF_8);
        String messageId = data.getMessage().getHeader(IotConstants.MESSAGE_ID, String.class);
        OutboxEntry refused = new OutboxEntry(3, messageId, "experiment/data_ingest/v1/e/multispeq/2/d", payload,
                OutboxEntry.Kind.DATA, Instant.EPOCH, null);

        DeadLetterEnvelope.Letter letter = envelope.forRefusal(data.getContext(), refused.topic(), refused.payload(),
                PublishRefusedException.byReasonCode(0x87, refused));

        JsonNode envelope = DeviceJson.parse(new String(letter.json(), StandardCharsets.UTF_8));
        assertThat(envelope.get("reason").asText()).isEqualTo("rejected-by-broker");
        assertThat(envelope.has("raw_encoding")).isFalse();
        assertThat(envelope.get("raw").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(payload);
        assertThat(DeviceJson.parse(envelope.get("raw").asText()).get("_client_id").asText()).isEqualTo(messageId);
        assertThat(letter.messageId()).isNotEqualTo(messageId);
    }

    @Test
    void shouldCallAnythingElseAnInternalError() throws Exception {
        RuntimeException cyclic = new IllegalStateException("boom");
        RuntimeException outer = new RuntimeException("outer", cyclic);
        cyclic.initCause(outer);

        assertThat(ReasonCoded.reasonOf(cyclic).code()).isEqualTo("internal-error");
        assertThat(ReasonCoded.reasonOf(null).code()).isEqualTo("internal-error");
        JsonNode letter = envelopeOf(exchange("x"));
        assertThat(letter.get("reason").asText()).isEqualTo("internal-error");
        assertThat(letter.get("error").asText()).isEqualTo("The exchange failed without an exception");
    }

    @Test
    void shouldSendBytesThatAreNotUtf8AsBase64() throws Exception {
        byte[] raw = {'{', (byte) 0xff, (byte) 0xfe, '}'};

        JsonNode letter = envelopeOf(failed(raw, new IngestException(FailureReason.INVALID_JSON, "bad", null)));

        assertThat(letter.get("raw_encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(letter.get("raw").asText())).isEqualTo(raw);
        assertThat(letter.get("reason").asText()).isEqualTo("invalid-json");
    }

    @Test
    void shouldSendUtf8BytesAsText() throws Exception {
        JsonNode letter = envelopeOf(failed("{\"µ\":1}".getBytes(StandardCharsets.UTF_8), new IllegalStateException()));

        assertThat(letter.get("raw").asText()).isEqualTo("{\"µ\":1}");
        assertThat(letter.has("raw_encoding")).isFalse();
    }

    @Test
    void shouldTakeTheRawTextOfTheMeasurementASplitPartCameFrom() throws Exception {
        Measurement par = IngestFixtures.measurement(IngestFixtures.PAR_RAW);

        JsonNode letter = envelopeOf(failed(MeasurementPart.whole(par), new IllegalStateException("x")));

        assertThat(letter.get("raw").asText()).isEqualTo(par.rawText());
        assertThat(letter.get("device_id").asText()).isEqualTo("01:12:53:20");
    }

    @Test
    void shouldCompressAndIfNeededCutARawInputTooLargeForOneMessage() throws Exception {
        // Three fluorescence outputs: 199 KB of text, about 45 KB compressed.
        String bigText = IngestFixtures.output(IngestFixtures.FLUORESCENCE).repeat(3);
        byte[] noise = new byte[200_000];
        new Random(9).nextBytes(noise);

        Exchange compressedExchange = failed(bigText, new IllegalStateException());
        JsonNode compressed = envelopeOf(compressedExchange);
        Exchange noiseExchange = failed(noise, new IllegalStateException());
        JsonNode cut = envelopeOf(noiseExchange);

        assertThat(compressed.get("raw_encoding").asText()).isEqualTo("gzip+base64");
        assertThat(compressed.has("raw_truncated")).isFalse();
        assertThat(compressedExchange.getMessage().getHeader(IngestHeaders.RAW_INPUT)).isNull();
        assertThat(SampleEncoder.decode(compressed.get("raw").asText(), "gzip+base64").equals(bigText)).isTrue();
        assertThat(cut.get("raw_truncated").asBoolean()).isTrue();
        assertThat(cut.get("raw_bytes").asInt()).isEqualTo(200_000);
        assertThat(noiseExchange.getMessage().getBody(String.class).getBytes(StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(131_072);
        // The cut input is not lost: the whole of it travels on for the outbox to keep.
        assertThat(noiseExchange.getMessage().getHeader(IngestHeaders.RAW_INPUT, byte[].class)).isEqualTo(noise);
    }

    @Test
    void shouldNeverThrowEvenForABodyThatCannotBeShown() throws Exception {
        Object hostile = new Object() {

            @Override
            public String toString() {
                throw new IllegalStateException("no text for you");
            }
        };

        JsonNode letter = envelopeOf(failed(hostile, new InvalidTopicException("sensorId", "#", "sensorId bad")));

        assertThat(letter.get("reason").asText()).isEqualTo("invalid-topic");
        assertThat(letter.get("envelope_error").asText()).contains("no text for you");
    }

    @Test
    void shouldNeverThrowEvenForAnExceptionThatCannotDescribeItself() throws Exception {
        RuntimeException hostile = new IllegalStateException() {

            @Override
            public String getMessage() {
                throw new UnsupportedOperationException("no message");
            }
        };
        Exchange exchange = failed("{}", hostile);

        JsonNode letter = envelopeOf(exchange);

        assertThat(letter.get("reason").asText()).isEqualTo("internal-error");
        assertThat(letter.get("message_id").asText()).matches(UUID);
        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC)).isEqualTo("mmi/dlq/mmi/internal-error");
    }

    @Test
    void shouldUseTheConfiguredPrefixAndClientId() throws Exception {
        envelope.setClientId("multispeq_0042");
        envelope.setPrefix("dlq/{clientId}");
        Exchange exchange = failed("{}", new IllegalStateException());

        envelope.process(exchange);

        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC)).isEqualTo("dlq/multispeq_0042/internal-error");
    }

    @Test
    void shouldRefuseAPrefixOrClientIdThatCannotMakeATopic() {
        assertThatThrownBy(() -> envelope.setPrefix("a/b/c/d/e/f/g/h")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slashes");
        assertThatThrownBy(() -> envelope.setPrefix("mmi/{deviceId}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deviceId");
        assertThatThrownBy(() -> envelope.setClientId("a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientId");
    }

    /** 240 + "/internal-error" is 255 bytes, but 240 + "/invalid-measurement" is 260: over AWS IoT Core's 256. */
    @Test
    void shouldRefuseAPrefixThatLeavesNoRoomForTheLongestReason() {
        assertThatThrownBy(() -> envelope.setPrefix("p".repeat(240))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AWS IoT Core allows at most 256");
        envelope.setPrefix("p".repeat(236));
    }
}
