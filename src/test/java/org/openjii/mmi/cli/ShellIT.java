package org.openjii.mmi.cli;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code mmi shell} driven through its standard input, as a separate process, against a real Mosquitto: the Python
 * tool's session (connect_device, connect, status, config, publish, set_topic, exit) on the bridge's parts.
 */
class ShellIT {

    private static final String SECRET = "s3cret-never-printed";

    @TempDir
    static Path dir;

    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        broker = MosquittoBroker.start(dir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldRunThePythonToolsSessionFromStandardInput() throws Exception {
        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "shell-watcher", "experiment/#",
                "lab/#")) {
            Path output = dir.resolve("shell.txt");
            Process shell = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"),
                    "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2.xml").toAbsolutePath(),
                    MmiCommand.class.getName(), "shell", "--set", "mmi.mqtt.broker-url=" + broker.url(), "--set",
                    "mmi.mqtt.client-id=shell-it", "--set", "mmi.outbox.dir=" + dir.resolve("outbox"), "--set",
                    "camel.component.http.proxy-auth-password=" + SECRET)).redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            try (OutputStream stdin = shell.getOutputStream()) {
                stdin.write(String.join("\n", "connect_device sim", "connect", "status", "config", "publish",
                        "set_topic lab/{sensorId}/#", "set_topic lab/{sensorId}", "m", "s", "exit", "")
                        .getBytes(StandardCharsets.UTF_8));
            }
            assertThat(shell.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String text = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(shell.exitValue()).as(text).isZero();

            String deviceId = SimulatorOptions.defaults().deviceId();
            assertThat(text).contains("mmi> connect_device sim\nDevice at sim: MultispeQ " + deviceId)
                    .contains("Connected to " + broker.url() + " as 'shell-it'")
                    .contains("MQTT:       connected to " + broker.url())
                    .contains("Device:     sim, connected")
                    // the bridge status as mmi run publishes it: the device from its handshake, MQTT up since
                    .contains("\"device_id\" : \"" + deviceId + "\"")
                    .contains("\"connected\" : true")
                    .containsPattern("\"since\" : \"20\\d\\d-")
                    .contains("\"outbox_depth\" : ")
                    // config: the effective settings, secrets masked
                    .contains("mmi.mqtt.broker-url = " + broker.url())
                    .contains("camel.component.http.proxy-auth-password = xxxxxx")
                    .contains("mmi.mqtt.client-id = shell-it")
                    .doesNotContain(SECRET)
                    .contains("Not a data topic: ")
                    .contains("Data topic: lab/{sensorId}")
                    .contains("mmi> exit")
                    .endsWith("Disconnected\n");

            // Both published runs (publish, then the Python tool's key m) arrived, under the ids and on the topics the
            // shell printed: the topic in force at the time.
            Matcher published = Pattern.compile("Published MultispeQ .* as message ([0-9a-f-]{36}) to (\\S+)")
                    .matcher(text);
            assertThat(published.find()).as(text).isTrue();
            String first = published.group(1);
            String firstTopic = published.group(2);
            assertThat(published.find()).as(text).isTrue();
            String second = published.group(1);
            String secondTopic = published.group(2);
            assertThat(secondTopic).isEqualTo("lab/" + deviceId);
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.messages().size() >= 2);
            assertThat(recorder.on("experiment/data_ingest/v1/")).singleElement().satisfies(message -> {
                assertThat(message.topic()).isEqualTo(firstTopic);
                assertThat(message.userProperties().get("message-id")).isEqualTo(first);
            });
            assertThat(recorder.on("lab/" + deviceId)).singleElement()
                    .satisfies(message -> assertThat(message.userProperties().get("message-id")).isEqualTo(second));
        }
    }
}
