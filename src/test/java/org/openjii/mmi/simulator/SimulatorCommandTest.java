package org.openjii.mmi.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.simulator.SimulatorFixtures.TIMEOUT;
import static org.openjii.mmi.simulator.SimulatorFixtures.assertChecksummedJson;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitLines;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitQuiet;
import static org.openjii.mmi.simulator.SimulatorFixtures.fast;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureJson;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureText;
import static org.openjii.mmi.simulator.SimulatorFixtures.json;
import static org.openjii.mmi.simulator.SimulatorFixtures.send;
import static org.openjii.mmi.simulator.SimulatorFixtures.withoutChecksum;

class SimulatorCommandTest extends SimulatorTestSupport {

    private String ask(SimulatorOptions options, String command) {
        CollectingLink link = plugIn(options);
        send(simulator, command);
        return awaitLines(link, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello\r\n", "1000\r\n", "hello+", "hello\r", "hello\n", "\r\n\r\nhello\r\n"})
    void helloAnswersReady(String command) {
        assertThat(ask(fast().build(), command)).isEqualTo(fixtureText("synthetic/serial/hello.raw"));
    }

    @Test
    void commandsSplitAcrossReadsAndBackToBackCommandsAreEachAnswered() {
        CollectingLink link = plugIn(fast().build());

        send(simulator, "hel");
        send(simulator, "lo\r\nhello+hello\rhello\n");

        String hello = fixtureText("synthetic/serial/hello.raw");
        assertThat(awaitLines(link, 4)).isEqualTo(hello.repeat(4));
        assertThat(simulator.repliesSent()).isEqualTo(4);
    }

    @Test
    void batteryInFirmwareJsonFormat() {
        SimulatorOptions options = fast().battery(87).batteryFormat(BatteryFormat.JSON).build();

        assertThat(ask(options, "battery\r\n")).isEqualTo(fixtureText("synthetic/serial/battery-fw1.17.raw"));
    }

    @Test
    void batteryInOpenJiiColonFormat() {
        SimulatorOptions options = fast().battery(87).batteryFormat(BatteryFormat.COLON).build();

        assertThat(ask(options, "battery\r\n")).isEqualTo(fixtureText("synthetic/serial/battery-openjii-assumed.raw"));
    }

    @Test
    void deviceInfoOfFirmware117IsByteIdenticalToItsFixture() {
        SimulatorOptions options = fast().identity("MultispeQ", "1", "00:00:12:34", 87, "1.17").build();

        assertThat(ask(options, "device_info\r\n")).isEqualTo(fixtureText("synthetic/serial/device-info-fw1.17.raw"));
    }

    /**
     * The v2 fixture is an assumed envelope with {@code device_firmware} as a number; the simulator prints it as a
     * string, as fw 1.17 and the PhotosynQ example do (docs/multispeq-protocol.md, "Replies per firmware"), one line
     * without
     * checksum, and adds the {@code configuration} JII's {@code info()} reads. All else is equal.
     */
    @ParameterizedTest
    @ValueSource(strings = {"device_info\r\n", "1007\r\n"})
    void deviceInfoOfFirmware2HasTheSettingsShapeWithFirmwareAsString(String command) {
        String fixture = fixtureText("synthetic/serial/device-info-v2-assumed.raw");
        JsonNode expected = json(withoutChecksum(fixture));
        SimulatorOptions options = fast().identity(expected.get("device_name").asText(),
                expected.get("device_version").asText(), expected.get("device_id").asText(),
                expected.get("device_battery").asInt(), expected.get("device_firmware").asText()).build();

        String line = ask(options, command);

        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        ObjectNode reply = (ObjectNode) json(line);
        assertThat(reply.get("device_firmware").isTextual()).isTrue();
        assertThat(reply.remove("configuration")).isEqualTo(
                json(withoutChecksum(fixtureText("synthetic/serial/device-info-fw1.17.raw")) + "}")
                        .get("configuration"));
        ((ObjectNode) expected).set("device_firmware", TextNode.valueOf(expected.get("device_firmware").asText()));
        assertThat(reply).isEqualTo(expected);
    }

    @Test
    void deviceInfoCarriesTheIdentity() {
        JsonNode reply = json(ask(fast().build(), "device_info\r\n"));

        assertThat(reply.get("device_id").asText()).isEqualTo("01:12:53:20");
        assertThat(reply.get("device_firmware").asText()).isEqualTo("2.3465");
        assertThat(reply.get("settings").get("device_id").asText()).isEqualTo("01:12:53:20");
        assertThat(reply.get("settings").get("firmware").decimalValue()).isEqualByComparingTo("2.3465");
    }

    @ParameterizedTest
    @ValueSource(strings = {"print_memory\r\n", "print_calibrations\r\n"})
    void printMemoryIsTheRecordedCalibrationsAsPublishedWithTheDeviceId(String command) {
        CollectingLink link = plugIn(fast().build());
        send(simulator, command);
        String published = fixtureText("public/device/print-memory_fw2.3465.json");
        String expected = published.replace("\"device_id\": \"01:12:53:##\"", "\"device_id\": \"01:12:53:20\"");

        await().atMost(TIMEOUT).until(() -> link.text().length() >= expected.length());
        awaitQuiet(link, Duration.ofMillis(100));

        assertThat(expected).isNotEqualTo(published);
        assertThat(link.text()).isEqualTo(expected);
    }

    @Test
    void memoryPrintsTheHeapLine() {
        assertThat(ask(fast().build(), "memory\r\n"))
                .matches("heap used = \\d+, heap free = \\d+, stack \\+ heap free = \\d+\n");
    }

    @Test
    void compiledPrintsTheBuildDateOfTheRecordedSettings() {
        JsonNode compiled = fixtureJson("public/measurements/recall-settings_fw2.31.json").get("sample")
                .get(0)
                .get(0)
                .get("recall")
                .get("settings")
                .get("compiled");

        assertThat(ask(fast().build(), "compiled\r\n"))
                .isEqualTo("Compiled on: " + compiled.get(0).asText() + " " + compiled.get(1).asText() + "\n");
    }

    @Test
    void tempPrintsTwoLinesWithTheRecordedBme280Readings() {
        String frame = fixtureText("synthetic/serial/stream-all-sensors-fw1.17.raw").split("\n")[0];
        JsonNode readings = json(withoutChecksum(frame + "\n"));
        CollectingLink link = plugIn(fast().build());

        send(simulator, "temp\r\n");

        assertThat(awaitLines(link, 2)).isEqualTo("BME2801 Temp = " + plain(readings, "temperature")
                + "C, Humidity = " + plain(readings, "relative_humidity") + "C\nBME2802 Temp = "
                + plain(readings, "temperature2") + "C, Humidity = " + plain(readings, "relative_humidity2") + "C\n");
    }

    private static String plain(JsonNode node, String key) {
        return node.get(key).decimalValue().toPlainString();
    }

    @Test
    void printDateHasTheDuplicateDeviceTimeKey() {
        Instant now = Instant.parse("2026-03-09T15:30:07.250Z");
        SimulatorOptions options = fast().clock(Clock.fixed(now, ZoneOffset.UTC)).build();

        assertThat(ask(options, "print_date\r\n")).isEqualTo(
                "{\"device_time\":\"2026-03-09T15:30:07.000Z\",\"device_time\":" + now.getEpochSecond() + "}\n");
    }

    @Test
    void unknownCommandIsABadCommand() {
        assertThat(ask(fast().firmware("1.17").build(), "no_such_command\r\n"))
                .isEqualTo(fixtureText("synthetic/serial/error-bad-command-fw1.17.raw"));
        assertThat(ask(fast().build(), "no_such_command\r\n")).isEqualTo("bad command: no_such_command\n");
    }

    @Test
    void commandNamesAreCaseSensitive() {
        assertThat(ask(fast().firmware("1.20").build(), "HELLO\r\n"))
                .isEqualTo(fixtureText("synthetic/serial/error-bad-command-fw1.17.raw"));
    }

    @Test
    void settingCommandsShortCommandsAndIdleCancelAnswerNothing() {
        CollectingLink link = plugIn(fast().build());

        send(simulator, "indicate+255+0+0+\r\n");
        send(simulator, "usb_on+1+\r\n");
        send(simulator, "set_shutdown_time+1800+\r\n");
        send(simulator, "set_something_new+1+2+3+\r\n");
        send(simulator, "indicate\r\n");
        send(simulator, "s+v+");
        send(simulator, "-1+\r\n");
        send(simulator, "hello\r\n");

        assertThat(awaitLines(link, 1)).isEqualTo(fixtureText("synthetic/serial/hello.raw"));
        awaitQuiet(link, Duration.ofMillis(100));
        assertThat(link.text()).isEqualTo(fixtureText("synthetic/serial/hello.raw"));
        assertThat(simulator.repliesSent()).isEqualTo(1);
    }

    @Test
    void indicateParametersMayArriveLater() {
        CollectingLink link = plugIn(fast().build());

        send(simulator, "indicate+");
        send(simulator, "255+0+");
        send(simulator, "0+\r\nhello\r\n");

        assertThat(awaitLines(link, 1)).isEqualTo(fixtureText("synthetic/serial/hello.raw"));
    }

    @Test
    void everyChecksummedCommandReplyVerifies() {
        for (String command : List.of("device_info", "1007")) {
            CollectingLink link = plugIn(fast().firmware("1.17").build());
            send(simulator, command + "\r\n");
            assertChecksummedJson(awaitLines(link, 1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"all_sensors", "hall", "1053"})
    void continuousCommandStreamsFramesLikeFirmware117UntilCancelled(String command) {
        CollectingLink link = plugIn(fast().streamPeriod(Duration.ofMillis(10)).build());
        String[] recorded = fixtureText("synthetic/serial/stream-all-sensors-fw1.17.raw").split("\n");
        Pattern layout = Pattern.compile(numberless(withoutChecksum(recorded[0] + "\n")));

        send(simulator, command + "\r\n");
        awaitLines(link, 4);
        send(simulator, "-1+\r\n");
        send(simulator, "hello\r\n");
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("Ready\n"));
        awaitQuiet(link, Duration.ofMillis(100));

        String[] lines = link.text().split("\n");
        assertThat(lines[lines.length - 1]).isEqualTo("MultispeQ Ready");
        List<String> frames = List.of(lines).subList(0, lines.length - 1);
        assertThat(frames).hasSizeGreaterThanOrEqualTo(4);
        for (String frame : frames) {
            assertChecksummedJson(frame + "\n");
            assertThat(withoutChecksum(frame + "\n")).matches(layout);
        }
        assertThat(frames.stream().map(SimulatorFixtures::withoutChecksumLine).distinct()).hasSizeGreaterThan(1);
        List<String> keys = new ArrayList<>();
        json(withoutChecksum(frames.get(0) + "\n")).fieldNames().forEachRemaining(keys::add);
        List<String> recordedKeys = new ArrayList<>();
        json(withoutChecksum(recorded[0] + "\n")).fieldNames().forEachRemaining(recordedKeys::add);
        assertThat(keys).isEqualTo(recordedKeys);
    }

    /** A regular expression of the frame with every number replaced by a number pattern of the same decimals. */
    private static String numberless(String frame) {
        StringBuilder regex = new StringBuilder();
        var matcher = Pattern.compile("(?<![\\w\"])-?\\d+(\\.(\\d+))?").matcher(frame);
        int last = 0;
        while (matcher.find()) {
            regex.append(Pattern.quote(frame.substring(last, matcher.start())));
            regex.append(matcher.group(2) == null ? "-?\\d+" : "-?\\d+\\.\\d{" + matcher.group(2).length() + "}");
            last = matcher.end();
        }
        regex.append(Pattern.quote(frame.substring(last)));
        return regex.toString();
    }
}
