package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.openjii.mmi.ingest.IngestFixtures.BATTERY_LOW;
import static org.openjii.mmi.ingest.IngestFixtures.NAN_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.PAR_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.RIDES;
import static org.openjii.mmi.ingest.IngestFixtures.RIDES_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.exchange;
import static org.openjii.mmi.ingest.IngestFixtures.json;
import static org.openjii.mmi.ingest.IngestFixtures.output;

class ParseMeasurementTest {

    private static final Instant NOW = Instant.parse("2026-03-09T15:30:00Z");
    private static final Instant LAST_BYTE = Instant.parse("2026-03-09T09:30:00.123Z");

    private final ParseMeasurement parse = new ParseMeasurement();

    ParseMeasurementTest() {
        parse.setClock(Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Measurement parseOne(Object body) throws Exception {
        Exchange exchange = exchange(body);
        parse.process(exchange);
        return exchange.getMessage().getBody(Measurement.class);
    }

    private IngestException failure(String body) {
        Exchange exchange = exchange(body);
        Throwable thrown = catchThrowable(() -> parse.process(exchange));
        assertThat(thrown).isInstanceOf(IngestException.class);
        return (IngestException) thrown;
    }

    @Test
    void shouldPublishAReplyWithoutChecksumByDefaultAndRefuseItWhenAskedTo() throws Exception {
        Exchange absent = exchange(output(PAR_RAW));
        absent.getMessage().setHeader(MultispeqConstants.CRC_STATUS, "ABSENT");
        parse.process(absent);
        assertThat(absent.getMessage().getBody()).isInstanceOf(Measurement.class);

        parse.setCrcAbsent("dead-letter");
        Exchange refused = exchange(output(PAR_RAW));
        refused.getMessage().setHeader(MultispeqConstants.CRC_STATUS, "ABSENT");
        assertThatThrownBy(() -> parse.process(refused)).isInstanceOfSatisfying(IngestException.class,
                e -> assertThat(e.reason().code()).isEqualTo("crc-absent"));
        Exchange checked = exchange(output(PAR_RAW));
        checked.getMessage().setHeader(MultispeqConstants.CRC_STATUS, "VALID");
        parse.process(checked);
        assertThat(checked.getMessage().getBody()).isInstanceOf(Measurement.class);
        Exchange backfilled = exchange(output(PAR_RAW));
        parse.process(backfilled);
        assertThat(backfilled.getMessage().getBody()).isInstanceOf(Measurement.class);
    }

    @Test
    void shouldRefuseAnUnknownCrcAbsentValueNamingTheKnob() {
        assertThatThrownBy(() -> parse.setCrcAbsent("drop")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("crcAbsent must be publish or dead-letter, was 'drop'");
    }

    @Test
    void shouldParseTheParReplyKeepingNumbersExactly() throws Exception {
        Measurement measurement = parseOne(output(PAR_RAW));

        assertThat(measurement.device().id()).isEqualTo("01:12:53:20");
        assertThat(measurement.device().firmware()).isEqualTo("2.3465");
        assertThat(measurement.sample().tree()).hasSize(1);
        JsonNode sample = measurement.sample().tree().get(0);
        assertThat(sample.get("light_intensity").toString()).isEqualTo("346.791");
        assertThat(sample.get("r").toString()).isEqualTo("2086.0");
        assertThat(measurement.rawText()).isEqualTo(output(PAR_RAW));
    }

    @Test
    void shouldAcceptUtf8BytesLikeText() throws Exception {
        Measurement fromBytes = parseOne(output(PAR_RAW).getBytes(StandardCharsets.UTF_8));
        Measurement fromText = parseOne(output(PAR_RAW));

        assertThat(fromBytes.output()).isEqualTo(fromText.output());
        assertThat(fromBytes.rawText()).isEqualTo(fromText.rawText());
    }

    @Test
    void shouldTakeTheFinishTimeFromTheLastByteHeaderAsInstantOrEpochMillis() throws Exception {
        Exchange withInstant = exchange(output(RIDES));
        withInstant.getMessage().setHeader(MultispeqConstants.LAST_BYTE_AT, LAST_BYTE);
        Exchange withMillis = exchange(output(PAR_RAW));
        withMillis.getMessage().setHeader(MultispeqConstants.LAST_BYTE_AT, LAST_BYTE.toEpochMilli());

        parse.process(withInstant);
        parse.process(withMillis);

        assertThat(withInstant.getMessage().getBody(Measurement.class).finishedAt()).isEqualTo(LAST_BYTE);
        assertThat(withMillis.getMessage().getBody(Measurement.class).finishedAt()).isEqualTo(LAST_BYTE);
    }

    @Test
    void shouldTakeTheAppSavedTimeWithoutHeaderAndNowWithoutEither() throws Exception {
        assertThat(parseOne(output(RIDES)).finishedAt()).isEqualTo(Instant.ofEpochMilli(1579894191905L));
        assertThat(parseOne(output(PAR_RAW)).finishedAt()).isEqualTo(NOW);
    }

    @Test
    void shouldReadAQuotedAppTime() throws Exception {
        String output = "{\"time\":\"1564325628718\",\"device_id\":\"ff:ff:ff:ff\",\"sample\":[]}";

        assertThat(parseOne(output).finishedAt()).isEqualTo(Instant.ofEpochMilli(1564325628718L));
    }

    @Test
    void shouldKeepTheRunIdFromTheHeaderElseMakeOneAndSetTheHeader() throws Exception {
        Exchange given = exchange(output(PAR_RAW));
        given.getMessage().setHeader(IngestHeaders.RUN_ID, "run-from-upstream");
        Exchange fresh = exchange(output(PAR_RAW));

        parse.process(given);
        parse.process(fresh);

        assertThat(given.getMessage().getBody(Measurement.class).runId()).isEqualTo("run-from-upstream");
        String made = fresh.getMessage().getBody(Measurement.class).runId();
        assertThat(made).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(fresh.getMessage().getHeader(IngestHeaders.RUN_ID)).isEqualTo(made);
    }

    @Test
    void shouldUnwrapTheAppSavedNestedSample() throws Exception {
        Measurement measurement = parseOne(output(RIDES));

        assertThat(measurement.sample().tree()).hasSize(1);
        assertThat(measurement.sample().tree().get(0).get("protocol_id").asText()).isEqualTo("editor");
        assertThat(measurement.sample().tree()).isEqualTo(IngestFixtures.flatSample(RIDES));
    }

    @Test
    void shouldTurnNanTokensIntoNulls() throws Exception {
        Measurement measurement = parseOne(output(NAN_RAW));

        JsonNode sample = measurement.sample().tree().get(0);
        assertThat(sample.get("light_intensity").isNull()).isTrue();
        assertThat(sample.get("contactless_temp").isNull()).isTrue();
        assertThat(measurement.device().firmware()).isEqualTo("1.17");
    }

    @Test
    void shouldReadCompactDeviceOutputAsTheSameOutputPrettyPrinted() throws Exception {
        for (String path : List.of(RIDES_RAW, RIDES, IngestFixtures.FLUORESCENCE)) {
            String compact = output(path);
            String pretty = DeviceJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json(path));

            Measurement fromDeviceText = parseOne(compact);
            Measurement fromTree = parseOne(pretty);

            assertThat(fromDeviceText.output()).as(path).isEqualTo(fromTree.output());
            assertThat(fromDeviceText.finishedAt()).as(path).isEqualTo(fromTree.finishedAt());
            assertThat(fromDeviceText.sample().tree()).as(path).isEqualTo(fromTree.sample().tree());
            assertThat(fromDeviceText.sample().compactJson().text()).as(path)
                    .isEqualTo(fromTree.sample().compactJson().text());
        }
    }

    @Test
    void shouldRefuseATopLevelDeviceErrorNextToACompactSample() {
        IngestException failure = failure("{\"device_id\":\"01:12:53:20\",\"error\":\"battery is too low\","
                + "\"sample\":[]}");

        assertThat(failure.reason()).isEqualTo(FailureReason.DEVICE_ERROR);
        assertThat(failure).hasMessageContaining("01:12:53:20").hasMessageContaining("battery is too low");
    }

    @Test
    void shouldRefuseAnErrorInASetEntryOfACompactSample() {
        IngestException failure = failure("{\"device_id\":\"ff:ff:ff:ff\",\"sample\":[{\"set\":[{\"label\":\"a\","
                + "\"error\":\"battery low\"}]}]}");

        assertThat(failure).hasFieldOrPropertyWithValue("reason", FailureReason.DEVICE_ERROR)
                .hasMessageContaining("sample 0, set 0");
    }

    @Test
    void shouldTurnNanTokensIntoNullsInsideAndOutsideACompactSample() throws Exception {
        Measurement measurement = parseOne(
                "{\"device_id\":\"01:12:53:20\",\"device_battery\":nan,\"sample\":[{\"r\":-inf,"
                        + "\"label\":\"nan\"}]}");

        assertThat(measurement.output().get("device_battery").isNull()).isTrue();
        assertThat(measurement.sample().compactJson().text()).isEqualTo("[{\"r\":null,\"label\":\"nan\"}]");
    }

    @Test
    void shouldRefuseATopLevelDeviceError() {
        IngestException failure = failure(output(IngestFixtures.SERIAL + "error-battery-too-low-fw1.17.raw"));

        assertThat(failure.reason().code()).isEqualTo("device-error");
        assertThat(failure).hasMessageEndingWith("reported an error: battery is too low");
    }

    @Test
    void shouldRefuseABatteryLowErrorInASetEntry() {
        IngestException failure = failure(output(BATTERY_LOW));

        assertThat(failure).hasMessageContaining("\"battery low\"")
                .hasMessageContaining("ff:ff:ff:ff")
                .hasMessageContaining("sample 0, set 0");
        assertThat(failure.reason()).isEqualTo(FailureReason.DEVICE_ERROR);
    }

    @Test
    void shouldRefuseAnErrorInASampleObject() {
        IngestException failure = failure("{\"device_id\":\"01:12:53:20\",\"sample\":[{\"data_raw\":[]},"
                + "{\"error\":\"sensor timeout\"}]}");

        assertThat(failure).hasFieldOrPropertyWithValue("reason", FailureReason.DEVICE_ERROR)
                .hasMessageContaining("sample 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"error\":\"JSON failure with:\"}[{\"pulses\":[100]}]}",
            "{\"error\":\"bad json protocol (braces or CRC)\" [{\"pulses\":[100]}] \"}"})
    void shouldRecogniseFirmware1ErrorsThatAreNotValidJson(String reply) {
        assertThat(failure(reply)).hasFieldOrPropertyWithValue("reason", FailureReason.DEVICE_ERROR)
                .hasMessageContaining("reported an error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"this is not json", "", "   ", "{\"device_id\":\"01:12:53:20\",\"sample\":[{\"r\":1",
            "{\"sample\":[]}{\"sample\":[]}", "{\"sample\":[nan nan]}", "{\"device_id\":01,\"sample\":[1]}",
            "{\"device_id\":tru,\"sample\":[1]}", "{\"device_id\":\"x\" \"y\",\"sample\":[1]}"})
    void shouldCallTextThatDoesNotParseInvalidJson(String body) {
        IngestException failure = failure(body);

        assertThat(failure.reason().code()).isEqualTo("invalid-json");
    }

    @Test
    void shouldCallTheTruncatedParReplyInvalidJson() {
        String truncated = IngestFixtures.text(IngestFixtures.SERIAL + "measurement-par-v2.truncated.raw");

        assertThat(failure(truncated).reason().code()).isEqualTo("invalid-json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"42", "\"text\"", "[]", "[1,2]", "{\"device_id\":\"01:12:53:20\"}",
            "{\"sample\":{\"r\":1}}", "{\"sample\":[[{\"r\":1}],{\"r\":2}]}"})
    void shouldCallValidJsonOfTheWrongShapeAnInvalidMeasurement(String body) {
        IngestException failure = failure(body);

        assertThat(failure.reason().code()).isEqualTo("invalid-measurement");
    }

    @Test
    void shouldRefuseAnEmptyBody() {
        assertThatThrownBy(() -> parse.process(exchange(null))).isInstanceOf(IngestException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.INVALID_JSON)
                .hasMessageContaining("empty");
    }

    @Test
    void shouldParseEveryPublicMeasurementThatIsData() throws Exception {
        for (String path : IngestFixtures.dataOutputs()) {
            Measurement measurement = parseOne(output(path));

            assertThat(measurement.sample().tree()).as(path).isEqualTo(IngestFixtures.flatSample(path));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldBackfillAnArrayOfRunsAsOneMeasurementEach() throws Exception {
        String backfill = "[" + output(RIDES) + "," + output(IngestFixtures.PAR) + "]";
        Exchange exchange = exchange(backfill);
        exchange.getMessage().setHeader(IngestHeaders.RUN_ID, "ignored-for-several-runs");

        parse.process(exchange);

        List<Measurement> runs = exchange.getMessage().getBody(List.class);
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).finishedAt()).isEqualTo(Instant.ofEpochMilli(1579894191905L));
        assertThat(runs.get(0).sample().tree()).isEqualTo(IngestFixtures.flatSample(RIDES));
        assertThat(runs.get(1).finishedAt()).isEqualTo(NOW);
        assertThat(runs.get(1).device().firmware()).isEqualTo("2.3465");
        assertThat(runs.get(0).runId()).isNotEqualTo(runs.get(1).runId()).isNotEqualTo("ignored-for-several-runs");
        assertThat(runs).allSatisfy(run -> assertThat(run.rawText()).isSameAs(backfill));
        assertThat(exchange.getMessage().getHeader(IngestHeaders.RUN_ID)).isNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldBackfillEachInnerArrayOfANestedSampleAsOneRun() throws Exception {
        String backfill = "{\"time\":1000,\"device_id\":\"00:00:04:32\",\"device_version\":\"2\",\"sample\":["
                + "[{\"time\":2000,\"label\":\"a\"}],[{\"label\":\"b\"},{\"label\":\"c\"}]]}";
        Exchange exchange = exchange(backfill);

        parse.process(exchange);

        List<Measurement> runs = exchange.getMessage().getBody(List.class);
        assertThat(runs).hasSize(2);
        assertThat(runs.get(0).sample().tree().toString()).isEqualTo("[{\"time\":2000,\"label\":\"a\"}]");
        assertThat(runs.get(0).finishedAt()).isEqualTo(Instant.ofEpochMilli(2000));
        assertThat(runs.get(1).sample().tree().toString()).isEqualTo("[{\"label\":\"b\"},{\"label\":\"c\"}]");
        assertThat(runs.get(1).finishedAt()).isEqualTo(Instant.ofEpochMilli(1000));
        assertThat(runs).allSatisfy(run -> assertThat(run.device().id()).isEqualTo("00:00:04:32"));
    }

    @Test
    void shouldRefuseAWholeBackfillWhenOneRunIsADeviceError() {
        String backfill = "[" + output(RIDES) + "," + output(BATTERY_LOW) + "]";

        assertThat(failure(backfill).reason()).isEqualTo(FailureReason.DEVICE_ERROR);
    }

    @Test
    void shouldSummariseInsteadOfPrintingTheWholeOutput() throws Exception {
        Measurement measurement = parseOne(output(RIDES));

        assertThat(measurement.toString()).contains("00:00:04:32", "1 sample").hasSizeLessThan(200);
    }
}
