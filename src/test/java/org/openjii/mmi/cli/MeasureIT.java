package org.openjii.mmi.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.OpenJiiAsyncApi;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code mmi measure} as an operator runs it, a separate process: a simulated MultispeQ on a pseudo-terminal (socat),
 * its summary, its JSON, and with {@code --publish} the message at a real Mosquitto with the id the command printed.
 */
class MeasureIT {

    private static final String DEVICE_ID = "01:12:53:77";
    private static final int BATTERY = 64;

    @TempDir
    static Path dir;

    private static MosquittoBroker broker;
    private static PtySimulator device;

    @BeforeAll
    static void start() throws Exception {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        broker = MosquittoBroker.start(dir);
        device = PtySimulator.start(dir.resolve("ttyMEASURE"), SimulatorOptions.parse("id=" + DEVICE_ID
                + ",firmware=2.3465,battery=" + BATTERY + ",max-run-time=1s,pause=0ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (device != null) {
            device.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result mmi(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2.xml").toAbsolutePath(),
                MmiCommand.class.getName()));
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(dir, "out", ".txt");
        Path stderr = Files.createTempFile(dir, "err", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("mmi %s ends", List.of(args)).isTrue();
        return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    @Test
    void shouldMeasurePublishAndReportTheMessageTheBrokerReceived() throws Exception {
        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "measure-watcher", "experiment/#")) {
            Result result = mmi("measure", "--port", device.hostLink().toString(), "--protocol", "par", "--json",
                    "--publish", "--set", "mmi.mqtt.broker-url=" + broker.url(), "--set",
                    "mmi.mqtt.client-id=measure-it", "--set", "mmi.outbox.dir=" + dir.resolve("outbox"), "--set",
                    "mmi.experiment-id=measure-experiment");

            assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
            // The summary names what the simulated device said about itself.
            assertThat(result.stdout()).contains("device    MultispeQ v2 (" + DEVICE_ID + ")")
                    .contains("battery   " + BATTERY + " %")
                    .contains("firmware  2.3465")
                    .contains("light_intensity=");
            assertThat(result.stderr()).contains("Measuring (about");
            Matcher queued = Pattern.compile("Queued 1 message\\(s\\) in the outbox: \\[([0-9a-f-]+)]")
                    .matcher(result.stdout());
            assertThat(queued.find()).as(result.stdout()).isTrue();
            assertThat(result.stdout()).contains("Published: acknowledged by " + broker.url());

            // Acknowledged means the broker has it: the recorder sees it with the id the command printed.
            await().atMost(Duration.ofSeconds(30)).until(() -> !recorder.on("experiment/").isEmpty());
            MqttRecorder.Received message = recorder.on("experiment/").get(0);
            assertThat(message.topic()).startsWith("experiment/data_ingest/v1/measure-experiment/multispeq/");
            assertThat(message.userProperties().get("message-id")).isEqualTo(queued.group(1));
            OpenJiiAsyncApi.assertDataMessage(message.topic(), message.payload());
            JsonNode published = DeviceJson.parse(message.payload());
            assertThat(published.path("_client_id").asText()).isEqualTo(queued.group(1));
            assertThat(published.path("device_id").asText()).isEqualTo(DEVICE_ID);
            assertThat(published.path("device_battery").asInt()).isEqualTo(BATTERY);
        }
    }

    @Test
    void shouldNameAProtocolItCannotFind() throws Exception {
        Result result = mmi("measure", "--port", "sim", "--protocol", dir.resolve("missing.json").toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr().strip()).startsWith("mmi measure: --protocol " + dir.resolve("missing.json"))
                .contains("no such file");
    }

    @Test
    void shouldSayTheDeviceIsAbsentWhenThePortIsNotThere() throws Exception {
        Result result = mmi("measure", "--port", dir.resolve("ttyNOBODY").toString(), "--protocol", "par");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr()).contains("mmi measure: device-absent");
    }
}
