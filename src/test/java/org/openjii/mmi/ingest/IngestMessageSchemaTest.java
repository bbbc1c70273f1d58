package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.IngestMessageSchema;
import org.openjii.mmi.test.OpenJiiAsyncApi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.ValidationMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openjii.mmi.ingest.IngestFixtures.MQTT;

/**
 * Everything the ingest steps produce must be a message openJII's pipeline keeps: checked against the JSON Schema
 * written from its contract and against openJII's own {@code asyncapi.yaml}, with every {@code sample} decoded back to
 * the device's samples.
 */
class IngestMessageSchemaTest {

    private static Set<ValidationMessage> validate(JsonNode message) {
        return IngestMessageSchema.validate(message);
    }

    /** Both contracts: mmi's schema (stricter where openJII's pipeline is) and openJII's asyncapi.yaml. */
    private static Set<ValidationMessage> validateBoth(JsonNode message) {
        Set<ValidationMessage> violations = new HashSet<>(validate(message));
        violations.addAll(OpenJiiAsyncApi.payloadViolations(message));
        return violations;
    }

    /** The serialized messages the steps make of a fixture in the given split mode, parsed back. */
    private static List<JsonNode> messages(String path, String mode) throws Exception {
        SplitMeasurement split = new SplitMeasurement();
        split.setMode(mode);
        EnrichMeasurement enrich = new EnrichMeasurement();
        enrich.setTimezone("America/Detroit");
        enrich.setProtocolId("3fa85f64-5717-4562-b3fc-2c963f66afa6");
        enrich.setQuestions(
                "[{\"question_label\":\"plot\",\"question_text\":\"Which plot?\",\"question_answer\":\"A1\"}]");
        enrich.setAnnotations("[{\"type\":\"comment\",\"content\":{\"text\":\"shaded leaf\"}}]");
        enrich.setMacros("[]");
        SerializePayload serialize = new SerializePayload();
        List<JsonNode> messages = new ArrayList<>();
        for (MeasurementPart part : split.split(IngestFixtures.measurement(path))) {
            Exchange exchange = IngestFixtures.exchange(part);
            enrich.process(exchange);
            serialize.process(exchange);
            JsonNode message = DeviceJson.parse(exchange.getMessage().getBody(String.class));
            assertThat(message.get("_client_id").asText()).isEqualTo(exchange.getMessage()
                    .getHeader(IngestHeaders.MESSAGE_ID));
            messages.add(message);
        }
        return messages;
    }

    private static JsonNode decodedSample(JsonNode message) throws Exception {
        JsonNode encoding = message.get("_sample_encoding");
        // DeviceJson.parse is strict JSON: NaN, nan or nil would fail here as in openJII's Gold layer.
        return DeviceJson.parse(SampleEncoder.decode(message.get("sample").asText(),
                encoding == null ? null : encoding.asText()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"payload-par-plain-sample.json", "payload-rides-gzip-base64.json"})
    void shouldAcceptOpenJiisExamplePayloads(String fixture) {
        assertThat(validate(IngestFixtures.json(MQTT + fixture))).isEmpty();
    }

    @Test
    void shouldAcceptEveryMessageMadeFromEveryMeasurementWithItsSamplesIntact() throws Exception {
        for (String path : IngestFixtures.dataOutputs()) {
            List<JsonNode> messages = messages(path, "run");

            assertThat(messages).as(path).hasSize(1);
            JsonNode message = messages.get(0);
            assertThat(validateBoth(message)).as(path).isEmpty();
            assertThat(decodedSample(message)).as(path).isEqualTo(IngestFixtures.flatSample(path));
        }
    }

    @Test
    void shouldAcceptEverySampleModeMessageAndTheirSamplesAddUpToTheRun() throws Exception {
        for (String path : IngestFixtures.dataOutputs()) {
            ArrayNode joined = DeviceJson.mapper().createArrayNode();
            for (JsonNode message : messages(path, "sample")) {
                assertThat(validateBoth(message)).as(path).isEmpty();
                assertThat(message.has("_split")).as(path).isTrue();
                decodedSample(message).forEach(joined::add);
            }
            assertThat(joined).as(path).isEqualTo(IngestFixtures.flatSample(path));
        }
    }

    @Test
    void shouldAcceptTheMessagesOfARunSplitBecauseItWasTooLarge() throws Exception {
        Measurement big = new ParseMeasurement().parse(IngestFixtures.randomOutput(3, 20_000, 42)
                .getBytes(StandardCharsets.UTF_8),
                "", null, null).get(0);
        EnrichMeasurement enrich = new EnrichMeasurement();

        for (MeasurementPart part : new SplitMeasurement().split(big)) {
            JsonNode message = DeviceJson.parse(new SerializePayload().serialize(enrich.build(part, null)));
            assertThat(validateBoth(message)).isEmpty();
            assertThat(message.get("_split").get("count").asInt()).isEqualTo(3);
        }
    }

    @Test
    void shouldRejectAMessageWithoutTimestamp() {
        ObjectNode message = par();
        message.remove("timestamp");

        assertThat(validate(message)).isNotEmpty();
    }

    @Test
    void shouldRejectAnEpochNumberTimestamp() {
        assertThat(validate(par().put("timestamp", 1773048600000L))).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-03-09T10:30:00.000", "2026-03-09T10:30:00", "2026-03-09 10:30:00.000+01:00",
            "2026-03-09", "1773048600000", "2026-03-09T10:30:00.000+0100", "2026-13-09T10:30:00.000+01:00"})
    void shouldRejectATimestampWithoutOffsetOrNotIso(String timestamp) {
        assertThat(validate(par().put("timestamp", timestamp))).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-03-09T10:30:00.000+01:00", "2026-03-09T09:30:00Z", "2026-03-09T10:30:00-05:00"})
    void shouldAcceptAnIsoTimestampWithOffset(String timestamp) {
        assertThat(validate(par().put("timestamp", timestamp))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"topic", "client_id"})
    void shouldRejectFieldsTheIotRuleAdds(String field) {
        assertThat(validate(par().put(field, "experiment/data_ingest/v1/x/multispeq/2/y"))).isNotEmpty();
    }

    @Test
    void shouldRejectAnUnknownSampleEncodingAndAnIncompleteSplit() {
        assertThat(validate(par().put("_sample_encoding", "gzip"))).isNotEmpty();
        ObjectNode split = par();
        split.putObject("_split").put("index", 0).put("count", 2);
        assertThat(validate(split)).isNotEmpty();
    }

    @Test
    void shouldRejectAClientIdThatIsNotAMessageId() {
        assertThat(validate(par().put("_client_id", "0b9c6f0e-3a51-4d5e-9f43-6c2a1d7e8b90"))).isEmpty();
        assertThat(validate(par().put("_client_id", "row-1"))).isNotEmpty();
        assertThat(validate(par().put("_client_id", 7))).isNotEmpty();
    }

    private static ObjectNode par() {
        return (ObjectNode) IngestFixtures.json(MQTT + "payload-par-plain-sample.json");
    }
}
