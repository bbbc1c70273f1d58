package org.openjii.mmi.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MqttRecorder.Received;
import org.openjii.mmi.test.ScriptedPtyDevice;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fw 1.x device on a pseudo-terminal, through the shipped routes to Mosquitto: a measurement without checksum whose
 * sample is nested ({@code ]]}} and a line break, as JII's library ends it) is published with the sample flat and
 * counted as {@code crc: absent}; a noise line that begins with {@code [} before a checksummed reply is skipped and
 * counted, and the reply is published.
 */
class RepliesWithoutChecksumIT extends MmiRouteTestSupport {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String HEADER = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\",\"device_id\":\"00:00:12:34\","
            + "\"device_battery\":87,\"device_firmware\":1.17,\"sample\":";
    /** No checksum, the app's nested sample: the form JII's REGEX_RETURN_END ends on ]]} plus a line break. */
    static final String WITHOUT_CHECKSUM = HEADER
            + "[[{\"protocol_id\":\"\",\"light_intensity\":12.5,\"data_raw\":[]}]]}";
    static final String CHECKSUMMED = HEADER + "[{\"protocol_id\":\"\",\"light_intensity\":99.5,\"data_raw\":[]}]}";
    static final String NOISE = "[\u0007noise {\"x";

    static Path dir;
    static ScriptedPtyDevice device;

    @BeforeAll
    static void scriptedDevice() throws Exception {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        dir = Files.createTempDirectory("mmi-pty");
        device = ScriptedPtyDevice.start(dir.resolve("ttyFW117"), List.of(WITHOUT_CHECKSUM + "\r\n",
                NOISE + "\n" + CHECKSUMMED + Crc32Checksum.format(Crc32Checksum.compute(CHECKSUMMED)) + "\n"));
        override("mmi.device.port", device.link().toString());
        override("mmi.device.interval", "300ms");
    }

    @BeforeEach
    void forget() {
        recorder.clear();
    }

    @AfterAll
    static void stopDevice() throws Exception {
        if (device != null) {
            device.close();
        }
    }

    static JsonNode sampleOf(Received message) throws Exception {
        return DeviceJson.parse(DeviceJson.parse(message.payload()).get("sample").asText());
    }

    static Received dataWith(String lightIntensity) {
        await().atMost(WAIT)
                .until(() -> recorder.on("experiment/")
                        .stream()
                        .anyMatch(m -> new String(m.payload()).contains(lightIntensity)));
        return recorder.on("experiment/")
                .stream()
                .filter(m -> new String(m.payload()).contains(lightIntensity))
                .findFirst()
                .orElseThrow();
    }

    double counter(String name, String tag, String value) {
        var counter = Observability.meterRegistry(context).find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void shouldPublishAReplyWithoutChecksumWithItsSampleFlatAndCountIt() throws Exception {
        Received data = dataWith("12.5");

        assertThat(sampleOf(data)).isEqualTo(DeviceJson.parse(
                "[{\"protocol_id\":\"\",\"light_intensity\":12.5,\"data_raw\":[]}]"));
        assertThat(counter("mmi.device.crc.absent", "device", "multispeq")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldSkipANoiseLineAndPublishTheChecksummedReplyAfterIt() throws Exception {
        Received data = dataWith("99.5");

        assertThat(sampleOf(data).get(0).get("light_intensity").asDouble()).isEqualTo(99.5);
        assertThat(counter("mmi.device.lines.skipped", "port", device.link().toString())).isGreaterThanOrEqualTo(1);
        assertThat(recorder.on("mmi/dlq/")).isEmpty();
    }
}
