package org.openjii.mmi.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.IngestMessageSchema;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.MqttRecorder.Received;
import org.openjii.mmi.test.OpenJiiAsyncApi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's first command, {@code ./mmi run}, as a newcomer runs it on a fresh machine: the repository's
 * application.properties and routes, nothing configured, so the built-in simulator measures and the embedded MQTT 5
 * broker receives. Needs no Mosquitto or socat: it always runs.
 * <p>
 * {@code mmi run} runs in its own JVM from the repository root ({@link BridgeProcess}: the test class path and the
 * production logging configuration, as {@code ./mmi} runs target/mmi.jar, which does not exist yet in the test phase).
 * The only settings: the outbox and the broker's folders in the test's temporary folder (not the repository's
 * {@code outbox/}), and no HTTP server (BridgeProcess: parallel test bridges must not compete for 9876; the HTTP
 * endpoints are not what the README's first command shows). The port is not set: the bridge takes 1883, or a free
 * port when that is taken (by a developer's broker or a parallel run), and logs the URL; the test subscribes there.
 */
class ReadmeRunIT {

    private static final Pattern BROKER_URL = Pattern.compile(
            "Embedded MQTT 5 broker on (tcp://127\\.0\\.0\\.1:\\d+)");
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void shouldShowSimulatedMeasurementsReachingTheEmbeddedBrokerAndStopCleanlyOnSigterm() throws Exception {
        Path outbox = dir.resolve("outbox");
        long launched = System.nanoTime();
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("mmi-run.log"), Map.of("mmi.outbox.dir", outbox
                .toString(), "mmi.embedded.dir", dir.resolve("broker").toString()))) {
            AtomicReference<String> url = new AtomicReference<>();
            await("the embedded broker's URL in the console output").atMost(WITHIN)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        assertThat(bridge.isAlive()).as("mmi run is running; output:%n%s", bridge.output()).isTrue();
                        Matcher found = BROKER_URL.matcher(bridge.output());
                        return found.find() && url.compareAndSet(null, found.group(1));
                    });

            String deviceId = SimulatorOptions.defaults().deviceId();
            Received first;
            try (MqttRecorder recorder = MqttRecorder.subscribe(url.get(), "readme-run-it", "experiment/#")) {
                await("a simulated measurement on the embedded broker").atMost(WITHIN.minus(Duration.ofNanos(System
                        .nanoTime() - launched)))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> !recorder.messages().isEmpty());
                System.out.printf("ReadmeRunIT: launch to the first measurement at the subscriber: %d ms%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launched));
                List<Received> messages = recorder.messages();
                messages.forEach(message -> {
                    IngestMessageSchema.assertValid(message.payload());
                    OpenJiiAsyncApi.assertDataMessage(message.topic(), message.payload());
                });
                first = messages.get(0);
                assertThat(first.topic()).isEqualTo("experiment/data_ingest/v1/demo-experiment/multispeq/2/"
                        + deviceId);
                assertThat(first.qos()).isEqualTo(1);
                assertThat(first.userProperties()).containsKey("message-id");
            }

            // What a newcomer sees: one line per message the broker received, with its size and key fields.
            String messageId = first.userProperties().get("message-id");
            int size = first.payload().getBytes(StandardCharsets.UTF_8).length;
            await("the console line of that message").atMost(Duration.ofSeconds(5))
                    .until(() -> bridge.output()
                            .contains(first.topic() + " (" + size + " bytes) device_id=" + deviceId
                                    + " timestamp="));
            assertThat(bridge.output()).containsPattern("timestamp=\\S+ message-id=" + Pattern.quote(messageId));
            assertThat(bridge.output()).as("payloads are never printed").doesNotContain("\"sample\"");

            // SIGTERM, as Ctrl+C in a terminal would, Kubernetes or systemd does.
            bridge.process().destroy();
            assertThat(bridge.process().waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s of SIGTERM").isTrue();
            String output = bridge.output();
            assertThat(bridge.process().exitValue()).as("exit code; output:%n%s", output).isZero();
            assertThat(output).doesNotContain("ERROR", "Exception");
            assertThat(waiting(outbox)).as("messages left in %s/outbox.db", outbox).isZero();
        }
    }

    private static long waiting(Path outbox) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + outbox.resolve("outbox.db"));
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("select count(*) from outbox")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
