package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openjii.mmi.ingest.IngestFixtures.MQTT;
import static org.openjii.mmi.ingest.IngestFixtures.PAR_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.RIDES;
import static org.openjii.mmi.ingest.IngestFixtures.exchange;
import static org.openjii.mmi.ingest.IngestFixtures.measurement;

class EnrichMeasurementTest {

    private static final String PROTOCOL = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}";

    private final EnrichMeasurement enrich = new EnrichMeasurement();

    /** Parses a device output as the route would, finished at {@code finishedAt}. */
    private static Measurement parse(String output, Instant finishedAt) throws IngestException {
        return new ParseMeasurement().parse(output.getBytes(StandardCharsets.UTF_8), output, finishedAt, null).get(0);
    }

    private ObjectNode enrich(Object body) throws Exception {
        Exchange exchange = exchange(body);
        enrich.process(exchange);
        return exchange.getMessage().getBody(ObjectNode.class);
    }

    @Test
    void shouldBuildTheOpenJiiParPayloadFromTheParReply() throws Exception {
        enrich.setTimezone("Europe/Amsterdam");
        enrich.setProtocolId(PROTOCOL);
        enrich.setQuestions("[{\"question_label\":\"plot\",\"question_text\":\"Which plot?\","
                + "\"question_answer\":\"A1\"}]");
        enrich.setMacros("[]");
        enrich.setAnnotations("[]");
        Measurement par = parse(IngestFixtures.output(PAR_RAW), Instant.parse("2026-03-09T09:30:00Z"));

        ObjectNode message = enrich(par);

        ObjectNode expected = (ObjectNode) IngestFixtures.json(MQTT + "payload-par-plain-sample.json");
        // The fixture carries device_firmware as the number 2.3465; openJII's contract is its text "2.3465".
        expected.put("device_firmware", expected.get("device_firmware").asText());
        assertThat(message).isEqualTo(expected);
        assertThat(message.get("device_firmware").isTextual()).isTrue();
    }

    @Test
    void shouldBuildTheOpenJiiRidesPayloadFromTheAppSavedRidesOutput() throws Exception {
        enrich.setTimezone("America/Detroit");
        enrich.setProtocolId(PROTOCOL);
        enrich.setQuestions("[]");
        enrich.setMacros("[]");
        enrich.setAnnotations("[]");
        Measurement rides = parse(IngestFixtures.output(RIDES), null);

        ObjectNode message = enrich(rides);

        ObjectNode expected = (ObjectNode) IngestFixtures.json(MQTT + "payload-rides-gzip-base64.json");
        assertThat(message.get("timestamp").asText()).isEqualTo("2020-01-24T14:29:51.905-05:00");
        assertThat(message.get("_sample_encoding").asText()).isEqualTo("gzip+base64");
        assertThat(DeviceJson.parse(SampleEncoder.decode(message.get("sample").asText(), "gzip+base64")))
                .isEqualTo(DeviceJson.parse(SampleEncoder.decode(expected.get("sample").asText(), "gzip+base64")));
        expected.put("device_firmware", expected.get("device_firmware").asText());
        expected.remove("sample");
        ObjectNode withoutSample = message.deepCopy();
        withoutSample.remove("sample");
        assertThat(withoutSample).isEqualTo(expected);
    }

    @Test
    void shouldWriteTheTimestampWithMillisecondsAndANumericOffset() throws Exception {
        Measurement par = parse(IngestFixtures.output(PAR_RAW), Instant.parse("2026-03-09T15:30:00Z"));
        enrich.setTimezone("America/Chicago");

        ObjectNode chicago = enrich(par);
        enrich.setTimezone("UTC");
        ObjectNode utc = enrich(par);

        assertThat(chicago.get("timestamp").asText()).isEqualTo("2026-03-09T10:30:00.000-05:00");
        assertThat(chicago.get("timezone").asText()).isEqualTo("America/Chicago");
        assertThat(utc.get("timestamp").asText()).isEqualTo("2026-03-09T15:30:00.000+00:00");
        assertThat(utc.get("timezone").asText()).isEqualTo("UTC");
    }

    @Test
    void shouldSendDeviceFieldsAsTextAndTheBatteryAsANumber() throws Exception {
        Measurement measurement = parse("{\"device_name\":\"MultispeQ\",\"device_version\":2,\"device_id\":"
                + "\"01:12:53:20\",\"device_battery\":\"87\",\"device_firmware\":2.30,\"sample\":[]}", Instant.EPOCH);

        ObjectNode message = enrich(measurement);

        assertThat(message.get("device_version").isTextual()).isTrue();
        assertThat(message.get("device_version").asText()).isEqualTo("2");
        assertThat(message.get("device_firmware").isTextual()).isTrue();
        assertThat(message.get("device_battery").isNumber()).isTrue();
        assertThat(message.get("device_battery").toString()).isEqualTo("87");
        assertThat(message.get("sample").asText()).isEqualTo("[]");
    }

    /**
     * A firmware number as openJII's app stores it, {@code String(JSON.parse(x))}: the fixture's expected values
     * were printed by Node.js ({@code fixtures/ecmascript/number-to-string.js}), {@code 2.30} as {@code 2.3}.
     */
    @Test
    void shouldSendTheFirmwareNumberAsJavaScriptPrintsIt() throws Exception {
        List<String[]> node;
        try (var in = getClass().getResourceAsStream("/fixtures/ecmascript/number-to-string.tsv")) {
            node = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(l -> l.split("\t")).toList();
        }
        assertThat(node).anySatisfy(c -> assertThat(c).containsExactly("2.30", "2.3"));

        for (String[] c : node) {
            ObjectNode message = enrich(parse("{\"device_id\":\"01:12:53:20\",\"device_firmware\":" + c[0]
                    + ",\"sample\":[]}", Instant.EPOCH));
            assertThat(message.get("device_firmware").asText()).as(c[0]).isEqualTo(c[1]);
        }
    }

    /** A firmware printed as a string (the handshake's form) is a string in the app too: it stays as it is. */
    @Test
    void shouldSendAFirmwareStringAsItIs() throws Exception {
        for (String firmware : new String[]{"2.30", "1.20", "v2.3-beta", ""}) {
            ObjectNode message = enrich(parse("{\"device_id\":\"01:12:53:20\",\"device_firmware\":\"" + firmware
                    + "\",\"sample\":[]}", Instant.EPOCH));
            assertThat(message.get("device_firmware").asText()).isEqualTo(firmware);
        }
    }

    @Test
    void shouldLeaveOutABatteryThatIsNotANumber() throws Exception {
        ObjectNode message = enrich(parse("{\"device_id\":\"x\",\"device_battery\":\"NaN\",\"sample\":[]}",
                Instant.EPOCH));

        assertThat(message.has("device_battery")).isFalse();
    }

    @Test
    void shouldSendNanTokensAsNullsInStrictlyValidSampleJson() throws Exception {
        ObjectNode message = enrich(measurement(IngestFixtures.NAN_RAW));

        assertThat(message.get("sample").asText())
                .isEqualTo(
                        "[{\"protocol_id\":\"\",\"light_intensity\":null,\"contactless_temp\":null,\"data_raw\":[]}]");
    }

    @Test
    void shouldLetTheProtocolIdHeaderWinOverTheKnobAndLeaveItOutWithoutEither() throws Exception {
        Measurement par = measurement(PAR_RAW);
        assertThat(enrich(par).has("protocol_id")).isFalse();

        enrich.setProtocolId(PROTOCOL);
        assertThat(enrich(par).get("protocol_id").asText()).isEqualTo(PROTOCOL);

        Exchange exchange = exchange(par);
        exchange.getMessage().setHeader(IngestHeaders.PROTOCOL_ID, "questions");
        enrich.process(exchange);
        assertThat(exchange.getMessage().getBody(ObjectNode.class).get("protocol_id").asText()).isEqualTo("questions");
    }

    @Test
    void shouldSetTheHeadersTheTopicStepAndThePublisherNeed() throws Exception {
        Measurement par = measurement(PAR_RAW);
        Exchange first = exchange(par);
        Exchange second = exchange(par);

        enrich.process(first);
        enrich.process(second);

        assertThat(first.getMessage().getHeader(IngestHeaders.MESSAGE_ID, String.class)).matches(UUID)
                .isNotEqualTo(second.getMessage().getHeader(IngestHeaders.MESSAGE_ID));
        assertThat(first.getMessage().getHeader(IngestHeaders.DEVICE_ID)).isEqualTo("01:12:53:20");
        assertThat(first.getMessage().getHeader(IngestHeaders.DEVICE_VERSION)).isEqualTo("2");
        assertThat(first.getMessage().getHeader(IngestHeaders.RUN_ID)).isEqualTo(par.runId());
    }

    @Test
    void shouldDescribeASplitPartAndNeverAddTopicOrClientId() throws Exception {
        Measurement run = measurement(IngestFixtures.FLUORESCENCE);
        SplitMeasurement split = new SplitMeasurement();
        split.setMode("sample");
        MeasurementPart part = split.split(run).get(0);

        ObjectNode message = enrich(part);

        assertThat(message.get("_split")).isEqualTo(DeviceJson.parse("{\"index\":0,\"count\":1,\"run_id\":\""
                + run.runId() + "\"}"));
        assertThat(message.has("topic")).isFalse();
        assertThat(message.has("client_id")).isFalse();
        assertThat(enrich(MeasurementPart.whole(run)).has("_split")).isFalse();
    }

    /** openJII keeps workbook_run_id and drops _split: the parts of a run split in several share the run id there. */
    @Test
    void shouldLinkThePartsOfASplitRunByWorkbookRunId() throws Exception {
        Measurement run = parse(IngestFixtures.randomOutput(3, 10, 7), Instant.EPOCH);
        SplitMeasurement split = new SplitMeasurement();
        split.setMode("sample");
        List<MeasurementPart> parts = split.split(run);
        assertThat(parts).hasSize(3);

        for (MeasurementPart part : parts) {
            ObjectNode message = enrich(part);
            assertThat(message.get("workbook_run_id").asText()).isEqualTo(run.runId())
                    .isEqualTo(message.get("_split").get("run_id").asText());
        }
    }

    @Test
    void shouldLeaveOutWorkbookRunIdForARunInOneMessage() throws Exception {
        Measurement fluorescence = measurement(IngestFixtures.FLUORESCENCE);
        SplitMeasurement split = new SplitMeasurement();
        split.setMode("sample");
        MeasurementPart onlyPart = split.split(fluorescence).get(0);
        assertThat(onlyPart.split().count()).isEqualTo(1);

        assertThat(enrich(onlyPart).has("workbook_run_id")).isFalse();
        assertThat(enrich(MeasurementPart.whole(fluorescence)).has("workbook_run_id")).isFalse();
    }

    /** One id per pass of openJII mode's plan: every message of the pass carries it, split or not. */
    @Test
    void shouldTakeWorkbookRunIdFromItsHeader() throws Exception {
        String pass = "5d2b8f4e-1c3a-4e6f-8a9b-0c1d2e3f4a5b";
        SplitMeasurement split = new SplitMeasurement();
        split.setMode("sample");
        List<MeasurementPart> parts = new ArrayList<>(split.split(parse(IngestFixtures.randomOutput(3, 10, 7),
                Instant.EPOCH)));
        parts.add(MeasurementPart.whole(measurement(PAR_RAW)));

        for (MeasurementPart part : parts) {
            Exchange exchange = exchange(part);
            exchange.getMessage().setHeader(IngestHeaders.WORKBOOK_RUN_ID, pass);
            enrich.process(exchange);
            assertThat(exchange.getMessage().getBody(ObjectNode.class).get("workbook_run_id").asText()).isEqualTo(pass);
        }
    }

    @Test
    void shouldReuseTheSampleSplitAlreadyEncodedWithTheSameSettings() throws Exception {
        MeasurementPart part = new SplitMeasurement().split(measurement(RIDES)).get(0);

        assertThat(enrich.build(part, null).get("sample").textValue()).isSameAs(part.encoded().text());

        enrich.setEncoder(new SampleEncoder(SampleEncoder.DEFAULT_COMPRESS_ABOVE_BYTES, 6));
        String recompressed = enrich.build(part, null).get("sample").textValue();
        assertThat(recompressed).isNotSameAs(part.encoded().text());
        assertThat(SampleEncoder.decode(recompressed, "gzip+base64"))
                .isEqualTo(SampleEncoder.decode(part.encoded().text(), "gzip+base64"));
    }

    @Test
    void shouldSendTheRidesSampleAsPlainTextWhenCompressionIsOff() throws Exception {
        enrich.setEncoder(new SampleEncoder(-1, SampleEncoder.DEFAULT_COMPRESSION_LEVEL));

        ObjectNode message = enrich(measurement(RIDES));

        assertThat(message.has("_sample_encoding")).isFalse();
        assertThat(DeviceJson.parse(message.get("sample").asText())).isEqualTo(IngestFixtures.flatSample(RIDES));
    }

    @Test
    void shouldRefuseBadKnobsAtConfigurationTimeNamingThem() {
        assertThatThrownBy(() -> enrich.setQuestions("[{\"question_label\":")).isInstanceOf(
                IllegalArgumentException.class).hasMessageStartingWith("questions");
        assertThatThrownBy(() -> enrich.setMacros("{\"id\":1}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("macros");
        assertThatThrownBy(() -> enrich.setAnnotations("[\"flag\"]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("annotations");
        assertThatThrownBy(() -> enrich.setAnnotations("[] []")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("annotations");
        assertThatThrownBy(() -> enrich.setTimezone("Mars/Olympus_Mons")).isInstanceOf(
                IllegalArgumentException.class).hasMessageStartingWith("timezone");
    }

    @Test
    void shouldTreatBlankKnobsAsUnset() throws Exception {
        enrich.setQuestions("");
        enrich.setProtocolId(" ");

        ObjectNode message = enrich(measurement(PAR_RAW));

        assertThat(message.has("questions")).isFalse();
        assertThat(message.has("protocol_id")).isFalse();
    }

    @Test
    void shouldUseTheLastByteTimeThroughTheWholeChain() throws Exception {
        Exchange exchange = exchange(IngestFixtures.output(PAR_RAW));
        exchange.getMessage().setHeader(MultispeqConstants.LAST_BYTE_AT, Instant.parse("2026-03-09T09:30:00Z"));
        enrich.setTimezone("Europe/Amsterdam");

        new ParseMeasurement().process(exchange);
        new SplitMeasurement().process(exchange);
        exchange.getMessage().setBody(((List<?>) exchange.getMessage().getBody()).get(0));
        enrich.process(exchange);

        JsonNode message = exchange.getMessage().getBody(JsonNode.class);
        assertThat(message.get("timestamp").asText()).isEqualTo("2026-03-09T10:30:00.000+01:00");
    }

    @Test
    void shouldAddConfiguredFieldsToEveryMessage() throws Exception {
        enrich.setFields("{\"site\":\"greenhouse-2\",\"latitude\":52.1}");

        ObjectNode message = enrich(parse(IngestFixtures.output(PAR_RAW), Instant.parse("2026-03-09T09:30:00Z")));

        assertThat(message.get("site").asText()).isEqualTo("greenhouse-2");
        assertThat(message.get("latitude").decimalValue()).isEqualByComparingTo("52.1");
        assertThat(message.get("device_id").asText()).isEqualTo("01:12:53:20");
    }

    @Test
    void shouldRefuseFieldsThatTheMessageBuildsOrTheCloudAdds() {
        assertThatThrownBy(() -> enrich.setFields("{\"timestamp\":\"now\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fields may not set 'timestamp'");
        assertThatThrownBy(() -> enrich.setFields("{\"topic\":\"x\"}")).hasMessageContaining("'topic'");
        assertThatThrownBy(() -> enrich.setFields("{\"_client_id\":\"x\"}")).hasMessageContaining("'_client_id'");
        assertThatThrownBy(() -> enrich.setFields("{\"workbook_run_id\":\"x\"}"))
                .hasMessageContaining("'workbook_run_id'");
        assertThatThrownBy(() -> enrich.setFields("[1]")).hasMessageContaining("fields must be a JSON object");
    }
}
