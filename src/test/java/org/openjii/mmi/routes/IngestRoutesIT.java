package org.openjii.mmi.routes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.ingest.SampleEncoder;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.IngestMessageSchema;
import org.openjii.mmi.test.MqttRecorder.Received;
import org.openjii.mmi.test.OpenJiiAsyncApi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ingest pipeline as shipped (routes/*.camel.yaml + application.properties) publishing to a real broker:
 * golden messages for every public measurement, a dead letter with the right reason and the raw input for every
 * bad input, and no input without an outcome.
 */
class IngestRoutesIT extends MmiRouteTestSupport {

    private static final Path GOLDEN = Path.of("src/test/resources/golden");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";
    private static final String DEAD = "mmi/dlq/" + CLIENT_ID + "/";

    @BeforeEach
    void forgetEarlierMessages() {
        recorder.clear();
    }

    static List<String> fixtures() {
        return SimulatorOptions.OUTPUT_NAMES;
    }

    /** Feeds one device output to the ingest route as a device route would, finished at {@code finishedAt}. */
    private void ingest(String deviceOutput, Instant finishedAt) {
        template.sendBodyAndHeaders("direct:ingest", deviceOutput,
                Map.of(MultispeqConstants.LAST_BYTE_AT, finishedAt, MultispeqConstants.PORT, "/dev/ttyTEST0"));
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = IngestRoutesIT.class.getResourceAsStream(
                "/fixtures/multispeq/public/measurements/" + name + ".json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void shouldPublishExactlyTheGoldenMessageForEachPublicMeasurement(String name) throws Exception {
        ingest(fixture(name), Instant.parse("2026-03-09T15:30:00Z"));

        await().atMost(WAIT).until(() -> !recorder.messages().isEmpty());
        Received got = recorder.messages().get(0);
        JsonNode actual = DeviceJson.mapper()
                .createObjectNode()
                .put("topic", got.topic())
                .set("payload", masked(DeviceJson.parse(got.payload()), got));
        Path golden = GOLDEN.resolve(name + ".json");
        if (Boolean.getBoolean("mmi.golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(golden, DeviceJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(actual)
                    + "\n");
        }
        assertThat(actual).as("golden file %s (review changes by hand; -Dmmi.golden.update=true rewrites it)",
                golden).isEqualTo(DeviceJson.mapper().readTree(golden.toFile()));
        assertThat(recorder.messages()).hasSize(1);
        if (got.topic().startsWith(DATA)) {
            IngestMessageSchema.assertValid(got.payload());
            OpenJiiAsyncApi.assertDataMessage(got.topic(), got.payload());
            assertThat(got.userProperties()).containsKeys("message-id", "mmi-version");
            assertThat(got.contentType()).isEqualTo("application/json");
            assertThat(got.qos()).isEqualTo(1);
        }
    }

    /**
     * What a golden file holds: dead-letter envelopes without their own time and id, data without its message id
     * (checked against the message-id property first); a compressed sample decoded (the gzip bytes depend on the
     * compression level, the sample must not).
     */
    private static JsonNode masked(JsonNode payload, Received got) throws IOException {
        if (payload instanceof ObjectNode o && o.has("reason")) {
            o.put("received_at", "<time>");
            o.put("message_id", "<uuid>");
        }
        if (payload instanceof ObjectNode o && o.has("_client_id")) {
            assertThat(o.get("_client_id").asText()).isEqualTo(got.userProperties().get("message-id"));
            o.put("_client_id", "<uuid>");
        }
        if (payload instanceof ObjectNode o && o.has("_sample_encoding")) {
            o.put("sample", SampleEncoder.decode(o.get("sample").asText(), o.get("_sample_encoding").asText()));
        }
        return payload;
    }

    @Test
    void shouldPublishSampleAsValidJsonThatMatchesTheDevice() throws Exception {
        ingest(fixture("rides_fw2.21"), Instant.parse("2026-03-09T15:31:00Z"));

        await().atMost(WAIT).until(() -> !recorder.on(DATA).isEmpty());
        JsonNode payload = DeviceJson.parse(recorder.on(DATA).get(0).payload());
        assertThat(payload.get("_sample_encoding").asText()).isEqualTo("gzip+base64");
        String sample = gunzip(payload.get("sample").asText());
        JsonNode device = DeviceJson.parse(fixture("rides_fw2.21"));
        assertThat(DeviceJson.parse(sample)).isEqualTo(device.get("sample").get(0));
    }

    /** Whether a dead letter carries {@code input}: whole, or its start when the envelope says it was cut. */
    private static boolean keeps(JsonNode envelope, String input) throws IOException {
        String raw = rawInput(envelope);
        return envelope.path("raw_truncated").asBoolean() ? !raw.isEmpty() && input.startsWith(raw) : input.equals(raw);
    }

    /** The input a dead letter keeps: text, base64 of non-UTF-8 bytes, or gzip+base64 when it was large. */
    static String rawInput(JsonNode envelope) throws IOException {
        String raw = envelope.path("raw").asText();
        String encoding = envelope.path("raw_encoding").asText(null);
        if ("base64".equals(encoding)) {
            return new String(Base64.getDecoder().decode(raw), StandardCharsets.UTF_8);
        }
        return SampleEncoder.decode(raw, encoding);
    }

    private static String gunzip(String base64) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder()
                .decode(
                        base64)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<Object[]> badInputs() {
        String par = "{\"device_name\":\"MultispeQ\",\"device_version\":\"2\",\"device_id\":\"%s\","
                + "\"device_battery\":82,\"device_firmware\":2.3465,\"sample\":[%s]}";
        String sample = "{\"protocol_id\":\"\",\"light_intensity\":346.791,\"data_raw\":[]}";
        StringBuilder huge = new StringBuilder("{\"data_raw\":[");
        Random random = new Random(1);
        for (int i = 0; i < 60_000; i++) {
            huge.append(i == 0 ? "" : ",").append(random.nextInt(65536));
        }
        huge.append("]}");
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[]{"device-error", "{\"error\":\"battery is too low\"}"});
        cases.add(new Object[]{"device-error", "battery-low"});
        cases.add(new Object[]{"invalid-topic", String.format(par, "a/b/#", sample)});
        cases.add(new Object[]{"invalid-topic", String.format(par, "$SYS", sample)});
        cases.add(new Object[]{"payload-too-large", String.format(par, "01:12:53:20", huge)});
        cases.add(new Object[]{"invalid-json", "{\"device_id\":\"01:12:53:20\",\"sample\":[{\"a\":}]}"});
        cases.add(new Object[]{"invalid-measurement", "{\"device_id\":\"01:12:53:20\"}"});
        return cases;
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void shouldDeadLetterBadInputWithItsReasonAndTheRawInput(String reason, String input) throws Exception {
        String raw = "battery-low".equals(input) ? fixture("par-sensor-calibration-battery-low_fw2.21") : input;

        ingest(raw, Instant.parse("2026-03-09T15:32:00Z"));

        await().atMost(WAIT).until(() -> !recorder.messages().isEmpty());
        assertThat(recorder.messages()).singleElement().satisfies(m -> {
            assertThat(m.topic()).isEqualTo(DEAD + reason);
            JsonNode envelope = DeviceJson.parse(m.payload());
            assertThat(envelope.get("reason").asText()).isEqualTo(reason);
            if (envelope.path("raw_truncated").asBoolean()) {
                // Larger than an MQTT message even compressed: the envelope says so and keeps the start of it.
                assertThat(envelope.get("raw_bytes").asInt()).isEqualTo(raw.getBytes(StandardCharsets.UTF_8).length);
                assertThat(raw).startsWith(rawInput(envelope));
                assertThat(delivery().outbox().rawInput(envelope.get("message_id").asText()))
                        .hasValueSatisfying(
                                kept -> assertThat(new String(kept, StandardCharsets.UTF_8)).isEqualTo(raw));
            } else {
                assertThat(rawInput(envelope)).isEqualTo(raw);
            }
            assertThat(envelope.get("error").asText()).isNotBlank();
            assertThat(envelope.get("route_id").asText()).isEqualTo("ingest");
        });
    }

    @Test
    void shouldSanitizeNanTokensIntoNullsInsteadOfDroppingTheMeasurement() throws Exception {
        String nan = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\",\"device_id\":\"00:00:12:34\","
                + "\"device_battery\":87,\"device_firmware\":1.17,\"sample\":[{\"protocol_id\":\"\","
                + "\"light_intensity\":nan,\"contactless_temp\":-nan,\"data_raw\":[]}]}";

        ingest(nan, Instant.parse("2026-03-09T15:33:00Z"));

        await().atMost(WAIT).until(() -> !recorder.on(DATA).isEmpty());
        JsonNode payload = DeviceJson.parse(recorder.on(DATA).get(0).payload());
        JsonNode sample = DeviceJson.parse(payload.get("sample").asText());
        assertThat(sample.get(0).get("light_intensity").isNull()).isTrue();
        assertThat(sample.get(0).get("contactless_temp").isNull()).isTrue();
        IngestMessageSchema.assertValid(recorder.on(DATA).get(0).payload());
        OpenJiiAsyncApi.assertDataMessage(recorder.on(DATA).get(0).topic(), recorder.on(DATA).get(0).payload());
    }

    /**
     * 1e999 is valid JSON, but beyond a double: a consumer that reads numbers as doubles (openJII's pipeline) reads
     * infinity. It becomes null, like nan and inf, inside and outside the sample.
     */
    @Test
    void shouldSanitizeANumberBeyondADoubleIntoNull() throws Exception {
        String huge = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\",\"device_id\":\"00:00:12:35\","
                + "\"device_battery\":1e999,\"device_firmware\":1.17,\"sample\":[{\"protocol_id\":\"\","
                + "\"light_intensity\":1e999,\"contactless_temp\":-2.5E+400,\"spad\":1.5e3,\"data_raw\":[]}]}";

        ingest(huge, Instant.parse("2026-03-09T15:34:00Z"));

        await().atMost(WAIT)
                .until(() -> recorder.on(DATA)
                        .stream()
                        .anyMatch(m -> m.payload().contains("00:00:12:35")));
        String published = recorder.on(DATA)
                .stream()
                .filter(m -> m.payload().contains("00:00:12:35"))
                .findFirst()
                .orElseThrow()
                .payload();
        assertThat(published).doesNotContainIgnoringCase("E+999").doesNotContainIgnoringCase("1e999");
        JsonNode payload = DeviceJson.parse(published);
        JsonNode sample = DeviceJson.parse(payload.get("sample").asText()).get(0);
        assertThat(sample.get("light_intensity").isNull()).isTrue();
        assertThat(sample.get("contactless_temp").isNull()).isTrue();
        assertThat(sample.get("spad").decimalValue()).isEqualByComparingTo("1500");
        IngestMessageSchema.assertValid(published);
        OpenJiiAsyncApi.assertDataMessage(recorder.on(DATA).get(0).topic(), published);
    }

    @Test
    void shouldAccountForEveryInputAsDataOrDeadLetter() throws Exception {
        List<String> inputs = new ArrayList<>();
        for (String name : fixtures()) {
            inputs.add(fixture(name));
        }
        for (Object[] bad : badInputs()) {
            if (!"battery-low".equals(bad[1])) {
                // (the battery-low calibration is already among the fixtures)
                inputs.add((String) bad[1]);
            }
        }
        Instant start = Instant.parse("2026-03-09T16:00:00Z");
        for (int i = 0; i < inputs.size(); i++) {
            ingest(inputs.get(i), start.plusSeconds(i));
        }

        await().atMost(WAIT).until(() -> outcomes(inputs, start).stream().allMatch(n -> n > 0));
        List<Integer> outcomes = outcomes(inputs, start);
        assertThat(outcomes).as("messages per input (data by timestamp, dead letters by raw input)")
                .allSatisfy(n -> assertThat(n).isEqualTo(1));
        assertThat(recorder.messages()).hasSize(inputs.size());
    }

    /** For each input: how many data messages carry its timestamp plus how many dead letters carry it raw. */
    private static List<Integer> outcomes(List<String> inputs, Instant start) throws IOException {
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String timestamp = start.plusSeconds(i)
                    .atZone(ZoneId.of("Europe/Amsterdam"))
                    .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX"));
            int n = 0;
            for (Received m : recorder.messages()) {
                JsonNode payload = DeviceJson.parse(m.payload());
                if (m.topic().startsWith(DATA) && timestamp.equals(payload.path("timestamp").asText())
                        || m.topic().startsWith(DEAD) && keeps(payload, inputs.get(i))) {
                    n++;
                }
            }
            counts.add(n);
        }
        return counts;
    }
}
