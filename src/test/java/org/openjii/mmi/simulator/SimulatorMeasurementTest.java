package org.openjii.mmi.simulator;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.simulator.SimulatorFixtures.TIMEOUT;
import static org.openjii.mmi.simulator.SimulatorFixtures.answerAll;
import static org.openjii.mmi.simulator.SimulatorFixtures.assertChecksummedJson;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitLines;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitQuiet;
import static org.openjii.mmi.simulator.SimulatorFixtures.fast;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureJson;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureText;
import static org.openjii.mmi.simulator.SimulatorFixtures.flatSample;
import static org.openjii.mmi.simulator.SimulatorFixtures.json;
import static org.openjii.mmi.simulator.SimulatorFixtures.send;

class SimulatorMeasurementTest extends SimulatorTestSupport {

    private MultispeqSimulator last() {
        return simulator;
    }

    /** A protocol fixture as the host sends it: compact, one line, CRLF. */
    private static String protocolLine(String name) {
        return MeasurementProtocol.parse(fixtureText("public/protocols/" + name + ".json")).compact() + "\r\n";
    }

    @Test
    void parReplyIsByteIdenticalToTheFramedRealOutput() {
        CollectingLink link = plugIn(fast().identity("MultispeQ", "2", "01:12:53:20", 82, "2.3465").build());

        send(last(), protocolLine("par"));

        assertThat(awaitLines(link, 1)).isEqualTo(fixtureText("synthetic/serial/measurement-par-v2.raw"));
        assertThat(last().measurementsSent()).isEqualTo(1);
    }

    @Test
    void defaultIdentityIsTheParDevice() {
        CollectingLink link = plugIn(fast().build());

        send(last(), protocolLine("par"));

        assertThat(awaitLines(link, 1)).isEqualTo(fixtureText("synthetic/serial/measurement-par-v2.raw"));
    }

    @Test
    void ridesReplyIsByteIdenticalToTheReconstructedRawOutput() {
        JsonNode rides = fixtureJson("public/measurements/rides_fw2.21.json");
        CollectingLink link = plugIn(fast().identity(rides.get("device_name").asText(),
                rides.get("device_version").asText(), rides.get("device_id").asText(),
                rides.get("device_battery").asInt(), rides.get("device_firmware").asText()).build());

        send(last(), protocolLine("rides"));

        assertThat(awaitLines(link, 1))
                .isEqualTo(fixtureText("synthetic/serial/measurement-rides-v2-reconstructed.raw"));
    }

    static Stream<Arguments> protocolsWithRecordedOutputs() {
        return Stream.of(Arguments.of("par", "par_fw2.3465"), Arguments.of("rides", "rides_fw2.21"),
                Arguments.of("phi2", "phi2_fw1.2"), Arguments.of("recall-settings", "recall-settings_fw2.31"),
                Arguments.of("leaf-thickness-calibration-alert-prompt",
                        "leaf-thickness-calibration-alert-prompt_fw2.191"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("protocolsWithRecordedOutputs")
    void knownProtocolGivesItsRecordedOutput(String protocol, String output) {
        CollectingLink link = plugIn(fast().build());

        send(last(), protocolLine(protocol));
        answerAll(last(), link, "");

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        assertThat(reply.get("sample"))
                .isEqualTo(flatSample(fixtureJson("public/measurements/" + output + ".json")));
        assertHeader(reply, SimulatorOptions.defaults());
    }

    @Test
    void spadProtocolGivesTheFirstSpadSetOfTheCalibrationWithoutItsPrompt() {
        CollectingLink link = plugIn(fast().build());

        send(last(), protocolLine("spad"));

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        JsonNode recorded = flatSample(fixtureJson("public/measurements/spad-calibration-prompts_fw2.011.json")).get(0);
        ObjectNode spadSet = firstSpadSet(recorded).deepCopy();
        spadSet.remove("message");
        JsonNode sampleObject = reply.get("sample").get(0);
        assertThat(reply.get("sample")).hasSize(1);
        assertThat(sampleObject.get("set")).hasSize(1);
        assertThat(sampleObject.get("set").get(0)).isEqualTo(spadSet);
        assertThat(sampleObject.get("protocol_id")).isEqualTo(recorded.get("protocol_id"));
        assertThat(link.text()).doesNotContain("\"message\"");
    }

    @Test
    void legacyMmiSpadProtocolGivesASampleObjectWithTheSpadValues() {
        CollectingLink link = plugIn(fast().build());

        send(last(), protocolLine("spad-legacy-mmi"));

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        JsonNode recorded = flatSample(fixtureJson("public/measurements/spad-calibration-prompts_fw2.011.json")).get(0);
        JsonNode spadSet = firstSpadSet(recorded);
        JsonNode sampleObject = reply.get("sample").get(0);
        assertThat(sampleObject.get("spad")).isEqualTo(spadSet.get("spad"));
        assertThat(sampleObject.get("absorbance")).isEqualTo(spadSet.get("absorbance"));
        assertThat(sampleObject.has("set")).isFalse();
        assertThat(sampleObject.get("data_raw")).isEqualTo(recorded.get("data_raw"));
    }

    private static JsonNode firstSpadSet(JsonNode sampleObject) {
        for (JsonNode set : sampleObject.get("set")) {
            if ("spad".equals(set.path("label").asText())) {
                return set;
            }
        }
        throw new AssertionError("no spad set in the fixture");
    }

    @ParameterizedTest(name = "output={0}")
    @MethodSource("outputNames")
    void everyPublicMeasurementIsReachableWithTheOutputOption(String output) {
        CollectingLink link = plugIn(fast().output(output).build());

        send(last(), protocolLine("par"));
        answerAll(last(), link, "");

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        assertThat(reply.get("sample"))
                .isEqualTo(flatSample(fixtureJson("public/measurements/" + output + ".json")));
        assertHeader(reply, SimulatorOptions.defaults());
        assertThat(reply.has("app_os")).isFalse();
        assertThat(reply.has("time")).isFalse();
    }

    static Stream<String> outputNames() {
        return SimulatorOptions.OUTPUT_NAMES.stream();
    }

    @Test
    void outputOptionAcceptsAFilePathInTheAppSavedShape() {
        String path = getClass().getResource("/fixtures/multispeq/public/measurements/phi2_fw1.2.json").getPath();
        CollectingLink link = plugIn(fast().output(path).build());

        send(last(), "[{\"anything\":1}]\r\n");

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        assertThat(reply.get("sample")).isEqualTo(flatSample(fixtureJson("public/measurements/phi2_fw1.2.json")));
    }

    @Test
    void unknownProtocolGetsOneSetEntryPerBlockWithPulseCountDataAndParEnvironment() {
        CollectingLink link = plugIn(fast().build());
        String protocol = "[{\"v_arrays\":[[1,2]],\"set_repeats\":1,\"_protocol_set_\":[{\"label\":\"first\","
                + "\"pulses\":[10,20],\"pulse_distance\":[1000,1000]},{\"label\":\"second\",\"pulses\":[5]},"
                + "{\"pulses\":[\"@s0\"]}]}]";

        send(last(), protocol + "\r\n");

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        JsonNode sampleObject = reply.get("sample").get(0);
        assertThat(sampleObject.get("protocol_id").asText()).isEmpty();
        assertThat(sampleObject.get("v_arrays")).isEqualTo(json("[[1,2]]"));
        JsonNode sets = sampleObject.get("set");
        assertThat(sets).hasSize(3);
        assertThat(sets.get(0).get("label").asText()).isEqualTo("first");
        assertThat(sets.get(0).get("data_raw")).hasSize(30);
        assertThat(sets.get(1).get("label").asText()).isEqualTo("second");
        assertThat(sets.get(1).get("data_raw")).hasSize(5);
        assertThat(sets.get(2).has("label")).isFalse();
        JsonNode par = fixtureJson("public/measurements/par_fw2.3465.json").get("sample").get(0);
        for (String key : List.of("light_intensity", "r", "g", "b", "w")) {
            assertThat(sets.get(0).get(key)).as(key).isEqualTo(par.get(key));
        }
    }

    @Test
    void unknownProtocolOutputIsDeterministic() {
        String protocol = "[{\"pulses\":[7],\"protocol_id\":\"p-1\"}]\r\n";
        CollectingLink first = plugIn(fast().build());
        send(last(), protocol);
        String a = awaitLines(first, 1);
        CollectingLink second = plugIn(fast().seed(7).build());
        send(last(), protocol);

        assertThat(awaitLines(second, 1)).isEqualTo(a);
        JsonNode sampleObject = assertChecksummedJson(a).get("sample").get(0);
        assertThat(sampleObject.get("protocol_id").asText()).isEqualTo("p-1");
        assertThat(sampleObject.get("data_raw")).hasSize(7);
    }

    @Test
    void openJiiLongRunTestProtocolDoesNotCrashAndIsCappedInRunTime() {
        CollectingLink link = plugIn(SimulatorOptions.builder()
                .chunkPause(Duration.ZERO)
                .maxRunTime(Duration.ofMillis(50))
                .build());
        String protocol = "[{\"v_arrays\":[],\"set_repeats\":1,\"_protocol_set_\":[{\"pulses\":[100],"
                + "\"pulse_distance\":[1000],\"protocol_repeats\":1000}]}]";

        send(last(), protocol + "\r\n");

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        assertThat(reply.get("sample").get(0).get("set").get(0).get("data_raw")).hasSize(100);
    }

    @Test
    void malformedProtocolGetsTheFirmwareErrorWithAValidChecksumOverInvalidJson() {
        CollectingLink link = plugIn(fast().build());

        send(last(), "[{\"pulses\":[1]\r\n");

        String line = awaitLines(link, 1);
        String json = SimulatorFixtures.withoutChecksum(line);
        assertThat(json).startsWith("{\"error\":\"bad json protocol (braces or CRC)\"").contains("[{\"pulses\":[1]");
        assertThat(line.substring(json.length(), line.length() - 1))
                .isEqualTo(Crc32Checksum.format(Crc32Checksum.compute(json)));
        assertThat(DeviceJson.validate(json.getBytes(), 0, json.length())).isNotNull();
        assertThat(last().measurementsSent()).isZero();
    }

    @Test
    void replyIsWrittenInChunksHeaderFirstThenRunTimeThenSample() {
        CollectingLink link = plugIn(SimulatorOptions.builder()
                .chunkSize(16)
                .chunkPause(Duration.ZERO)
                .runTime(Duration.ofMillis(400))
                .build());

        send(last(), protocolLine("par"));

        await().atMost(TIMEOUT).until(() -> link.text().contains("\"sample\":["));
        assertThat(link.text()).endsWith("\"sample\":[");
        String full = awaitLines(link, 1);
        assertThat(full).isEqualTo(fixtureText("synthetic/serial/measurement-par-v2.raw"));
        assertThat(link.writeSizes()).allSatisfy(size -> assertThat(size).isBetween(1, 16));
    }

    @Test
    void estimatedRunTimeIsCappedByMaxRunTime() {
        CollectingLink link = plugIn(SimulatorOptions.builder()
                .chunkPause(Duration.ZERO)
                .maxRunTime(Duration.ofMillis(100))
                .build());
        long start = System.nanoTime();

        send(last(), protocolLine("rides"));

        awaitLines(link, 1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100))
                .isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void cancelDuringTheRunStopsTheReplyWithoutChecksum() {
        CollectingLink link = plugIn(SimulatorOptions.builder()
                .chunkPause(Duration.ZERO)
                .runTime(Duration.ofSeconds(30))
                .build());
        send(last(), protocolLine("par"));
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("\"sample\":["));
        String header = link.text();

        send(last(), "-1+\r\n");
        send(last(), "hello\r\n");

        await().atMost(TIMEOUT).until(() -> link.text().endsWith("Ready\n"));
        assertThat(link.text()).isEqualTo(header + fixtureText("synthetic/serial/hello.raw"));
        assertThat(last().measurementsSent()).isZero();
    }

    @Test
    void cancelBetweenChunksStopsAPacedReply() {
        CollectingLink link = plugIn(SimulatorOptions.builder()
                .chunkSize(8)
                .chunkPause(Duration.ofMillis(2))
                .runTime(Duration.ZERO)
                .build());
        String full = fixtureText("synthetic/serial/measurement-rides-v2-reconstructed.raw");
        send(last(), protocolLine("rides"));
        await().atMost(TIMEOUT).until(() -> link.size() > 200);

        send(last(), "-1+");

        awaitQuiet(link, Duration.ofMillis(150));
        String cut = link.text();
        assertThat(cut.length()).isLessThan(full.length() / 2);
        send(last(), "\r\nhello\r\n");
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("Ready\n"));
        assertThat(link.text()).startsWith(cut).endsWith(cut + "MultispeQ Ready\n");
    }

    @Test
    void firmwareOneIdentityPrintsItsHeader() {
        CollectingLink link = plugIn(fast().identity("MultispeQ", "1", "00:00:12:34", 87, "1.17").build());

        send(last(), protocolLine("par"));

        String line = awaitLines(link, 1);
        assertThat(line).startsWith("{\"device_name\":\"MultispeQ\",\"device_version\":\"1\",\"device_id\":"
                + "\"00:00:12:34\",\"device_battery\":87,\"device_firmware\":1.17,\"sample\":[{");
        assertChecksummedJson(line);
    }

    private static void assertHeader(JsonNode reply, SimulatorOptions options) {
        assertThat(reply.get("device_name").asText()).isEqualTo(options.deviceName());
        assertThat(reply.get("device_version").asText()).isEqualTo(options.deviceVersion());
        assertThat(reply.get("device_id").asText()).isEqualTo(options.deviceId());
        assertThat(reply.get("device_battery").asInt()).isEqualTo(options.battery());
        assertThat(reply.get("device_firmware").isNumber()).isTrue();
        assertThat(reply.get("device_firmware").decimalValue().toPlainString()).isEqualTo(options.firmware());
        ArrayNode sample = (ArrayNode) reply.get("sample");
        assertThat(sample).isNotNull();
    }
}
