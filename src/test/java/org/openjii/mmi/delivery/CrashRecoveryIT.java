package org.openjii.mmi.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.BridgeRig;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bridge process is killed with {@code kill -9} in the middle of a stream of measurements and started again on
 * the same outbox: every message that was in the outbox when it died arrives, with the message id it was stored
 * with, and the broker publishes the Last Will ({@code offline}) for the killed process.
 * <p>
 * The bridge runs as a real separate process ({@code mmi run}) on its built-in simulator, measuring every 200 ms, with
 * MQTT 5 and with MQTT 3.1.1 (the message id then travels in the payload only, as _client_id).
 */
class CrashRecoveryIT {

    private static final String CLIENT_ID = "mmi-crash-test";
    private static final String DATA = "experiment/data_ingest/v1/crash-experiment/";

    @TempDir
    Path dir;

    @AutoClose
    private BridgeRig rig;

    @BeforeEach
    void startBroker() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        Path brokerDir = Files.createDirectories(dir.resolve("broker"));
        // persistence: the recorder's session and queued messages survive the broker's restart.
        rig = BridgeRig.start(dir, MosquittoBroker.start(brokerDir, "persistence true", "persistence_location "
                + brokerDir + "/", "max_queued_messages 10000"), "crash-recorder", DATA + "#", "mmi/v1/+/status");
    }

    private BridgeProcess startBridge(String name, String version) throws IOException {
        Map<String, String> settings = Map.of("mmi.mqtt.broker-url", rig.broker().url(), "mmi.mqtt.client-id",
                CLIENT_ID, "mmi.experiment-id", "crash-experiment", "mmi.outbox.dir", dir.resolve("outbox")
                        .toString(),
                "mmi.device.port", "sim", "mmi.device.interval", "200ms", "mmi.simulator.options", "max-run-time=0s",
                "mmi.mqtt.protocol-version", version);
        return rig.startBridge(name, settings, Map.of());
    }

    private Set<String> receivedIds() {
        return rig.recorder()
                .on(DATA)
                .stream()
                .map(MqttRecorder.Received::messageId)
                .collect(Collectors.toSet());
    }

    /** The message ids waiting in the outbox database, read as any SQLite client would. */
    private Set<String> waitingIds() throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox")
                .resolve(Outbox.FILE_NAME));
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT message_id FROM outbox WHERE kind = 'DATA'")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    private String status() {
        List<MqttRecorder.Received> statuses = rig.recorder().on("mmi/v1/" + CLIENT_ID + "/status");
        return statuses.isEmpty() ? "" : statuses.get(statuses.size() - 1).payload();
    }

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(strings = {"5", "3.1.1"})
    void shouldDeliverEverythingTheOutboxHeldWhenTheProcessWasKilled(String version) throws Exception {
        BridgeProcess first = startBridge("first", version);
        await().atMost(Duration.ofSeconds(60)).until(() -> receivedIds().size() >= 10);

        // kill -9 while connected: no shutdown hook, no DISCONNECT; the broker publishes the Last Will.
        first.killHard();
        Set<String> expected = new HashSet<>(receivedIds());
        expected.addAll(waitingIds());
        await().atMost(Duration.ofSeconds(30)).until(() -> status().contains("\"offline\""));

        // kill -9 with a backlog: the broker is down, measurements pile up in the outbox.
        BridgeProcess second = startBridge("second", version);
        await().atMost(Duration.ofSeconds(60)).until(() -> receivedIds().containsAll(expected));
        rig.recorder().leave(rig.broker());
        rig.broker().stop();
        Set<String> waiting;
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> waitingIds().size() >= 10);
            second.killHard();
            waiting = waitingIds();
        } finally {
            rig.broker().restart();
            rig.recorder().reconnect();
        }
        expected.addAll(waiting);

        BridgeProcess third = startBridge("third", version);
        await().atMost(Duration.ofSeconds(60)).until(() -> receivedIds().containsAll(expected));
        System.out.printf(
                "kill -9 twice (MQTT %s): %d messages were waiting in the outbox at the second kill; all %d stored"
                        + " before a kill arrived (%d messages in all so far)%n",
                version, waiting.size(), expected.size(),
                receivedIds().size());
        assertThat(third.isAlive()).as(third.output()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> status().contains("\"online\""));
        assertThat(rig.broker().logText()).doesNotContain("already connected")
                // Mosquitto's connection line: p5 for MQTT 5, p2 for 3.1.1 (its enum mosq_p_mqtt311).
                .contains("as " + CLIENT_ID + " (" + (version.equals("5") ? "p5" : "p2") + ", ");
    }

}
