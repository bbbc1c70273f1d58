package org.openjii.mmi.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.simulator.SimulatorFixtures.TIMEOUT;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitLines;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitQuiet;
import static org.openjii.mmi.simulator.SimulatorFixtures.fast;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureText;
import static org.openjii.mmi.simulator.SimulatorFixtures.json;
import static org.openjii.mmi.simulator.SimulatorFixtures.send;

/**
 * The replies that differ between firmware generations, per profile, against the evidence: the fw 1.17 and 1.20
 * source ({@code print_calibrations()}, {@code get_set_device_info()}, the {@code battery} case), the synthetic
 * fixtures made from it, and for v2 the published JII output and openJII's battery parser.
 */
class SimulatorFirmwareProfileTest extends SimulatorTestSupport {

    /** The EEPROM fields fw 1.17 print_calibrations() prints, in order (master, multispeq1/loop.cpp). */
    private static final List<String> FW117_FIELDS = fields117();

    private static List<String> fields117() {
        List<String> fields = new ArrayList<>(List.of("device_id", "mag_bias", "mag_cal", "accel_bias", "accel_cal",
                "light_slope_all", "light_slope_r", "light_slope_g", "light_slope_b", "light_yint",
                "detector_offset_slope", "detector_offset_yint", "thickness_a", "thickness_b", "thickness_c",
                "thickness_min", "thickness_max", "par_to_dac_slope1", "par_to_dac_slope2", "par_to_dac_slope3",
                "par_to_dac_slope4", "par_to_dac_yint", "ir_baseline_slope", "ir_baseline_yint",
                "colorcal_intensity1_slope", "colorcal_intensity1_yint", "colorcal_intensity2_slope",
                "colorcal_intensity2_yint", "colorcal_intensity3_slope", "colorcal_intensity3_yint",
                "colorcal_blank1", "colorcal_blank2", "colorcal_blank3"));
        for (int i = 0; i < 135; i++) {
            fields.add("userdef" + i);
        }
        return fields;
    }

    private String ask(SimulatorOptions options, String command) {
        CollectingLink link = plugIn(options);
        send(simulator, command);
        return awaitLines(link, 1);
    }

    @ParameterizedTest
    @CsvSource({"1.17, FW_1_17", "1.2, FW_1_20", "1.20, FW_1_20", "1.9, FW_1_20", "0.54, FW_1_17", "2.x, FW_2",
            "2.3465, FW_2", "2.191, FW_2"})
    void theFirmwareOptionPicksTheProfile(String firmware, FirmwareProfile profile) {
        assertThat(SimulatorOptions.parse("firmware=" + firmware).profile()).isEqualTo(profile);
    }

    @ParameterizedTest
    @CsvSource({"1.17, synthetic/serial/battery-fw1.17.raw", "1.20, synthetic/serial/battery-fw1.17.raw",
            "2.x, synthetic/serial/battery-openjii-assumed.raw"})
    void batteryHasTheFormOfTheProfile(String firmware, String fixture) {
        assertThat(ask(fast().firmware(firmware).battery(87).build(), "battery\r\n")).isEqualTo(fixtureText(fixture));
    }

    @Test
    void deviceInfoOfFirmware120HasTheFirmware1ShapeWithItsVersionAndAChecksum() {
        String line = ask(fast().identity("MultispeQ", "1", "00:00:12:34", 87, "1.20").build(), "1007\r\n");

        JsonNode reply = SimulatorFixtures.assertChecksummedJson(line);
        assertThat(reply.get("device_firmware").asText()).isEqualTo("1.20");
        assertThat(reply.has("configuration")).isTrue();
    }

    @Test
    void printMemoryOfFirmware117IsTheLayoutOfItsSourceWithAChecksumOverEveryLine() {
        CollectingLink link = plugIn(fast().firmware("1.17").deviceId("00:00:12:34").build());
        send(simulator, "print_memory\r\n");
        await().atMost(TIMEOUT).until(() -> link.text().matches("(?s).*\\}[0-9A-F]{8}\n"));

        String text = link.text();
        String body = text.substring(0, text.length() - 9);
        assertThat(text.substring(body.length(), text.length() - 1))
                .isEqualTo(Crc32Checksum.format(Crc32Checksum.compute(body)));
        assertThat(text).startsWith("{\n\"device_id\":\"00:00:12:34\",\n\"mag_bias\": [\"0.000000\",");
        assertThat(body).endsWith("\"userdef134\": \"0.000000\"\n}");
        assertThat(body.split("\n")).hasSize(1 + FW117_FIELDS.size() + 1);
        List<String> keys = new ArrayList<>();
        json(body).fieldNames().forEachRemaining(keys::add);
        assertThat(keys).isEqualTo(FW117_FIELDS);
        assertThat(json(body).get("light_slope_all").asText()).isEqualTo("0.362000");
    }

    @Test
    void printMemoryOfFirmware120KeepsItsUnclosedLayoutAndEndsWithTheChecksumOnALineOfItsOwn() {
        CollectingLink link = plugIn(fast().firmware("1.20").build());
        send(simulator, "print_memory\r\n");
        await().atMost(TIMEOUT).until(() -> link.text().matches("(?s).*\"\n[0-9A-F]{8}\n"));

        String text = link.text();
        String body = text.substring(0, text.length() - 9);
        assertThat(text.substring(body.length(), text.length() - 1))
                .isEqualTo(Crc32Checksum.format(Crc32Checksum.compute(body)));
        assertThat(body).startsWith("{\n\"device_id\":\"01:12:53:20\",\n\"mag_bias\": [\"0.000,0.000,0.000],\n")
                .contains("\n\"mag_cal\": [[\"", "\n\"light_slope_all\": [\"0.362],\n",
                        "\n\"par_to_dac_slope1\": [\"0.000\",")
                .endsWith("\"userdef99\":\"0.000\"\n")
                .doesNotContain("userdef100", "accel_cal");
        assertThat(DeviceJson.validate(body.getBytes(), 0, body.length())).isNotNull();
    }

    @Test
    void aCommandThatDoesNotStartWithALetterOrDigitGetsTheSpacedErrorOnFirmware1() {
        assertThat(ask(fast().firmware("1.17").build(), "#ab\r\n")).isEqualTo("{\"error\":\" bad command\"}\n");
    }

    @Test
    void theNanFaultAlsoPrintsJiisNilAndNanFormsQuotedOrNot() {
        CollectingLink link = plugIn(fast().seed(7).fault(SimulatorFault.NAN_TOKENS, 1.0).build());
        StringBuilder all = new StringBuilder();
        for (int run = 0; run < 40; run++) {
            link.clear();
            send(simulator, "[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]\r\n");
            all.append(awaitLines(link, 1));
            awaitQuiet(link, Duration.ofMillis(5));
        }

        assertThat(all).containsPattern(":nil[,}\\]]")
                .containsPattern(":NAN[,}\\]]")
                .containsPattern(":-NAN[,}\\]]")
                .containsPattern(":\"(nan|nil|NAN|-NAN)\"[,}\\]]");
    }
}
