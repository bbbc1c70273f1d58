package org.openjii.mmi.routes;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.TestResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.test.TestJson.json;

/**
 * A 30 s broker outage in the middle of a stream of measurements, against a real Mosquitto: nothing is lost, the
 * bridge stays alive and not ready for the whole outage, and the broker's own log shows one connection per broker run
 * and no session take-over. {@link BrokerOutageIT} runs it with MQTT 5, {@link BrokerOutageMqtt311IT} with MQTT 3.1.1.
 * <p>
 * Each of them sets {@link #brokerConfig} in its own static initializer: {@link MmiRouteTestSupport} runs the test
 * class's initializer before it starts the broker, and a shared superclass's would have run once only.
 */
abstract class BrokerOutageScenario extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";
    private static final Pattern CONNECTED = Pattern.compile("New client connected from \\S+ as "
            + Pattern.quote(CLIENT_ID) + " ");

    /** The recorder's session and its queued messages survive the broker's restart. */
    static List<String> persistentBroker(Path dir) {
        return List.of("persistence true", "persistence_location " + dir + "/", "max_queued_messages 10000");
    }

    private final String par = TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json");

    /** A PAR output finished at second {@code n} of the test day: its timestamp identifies it on the broker. */
    private void ingest(int n) {
        template.sendBodyAndHeaders("direct:ingest", par, Map.of(MultispeqConstants.LAST_BYTE_AT,
                Instant.parse("2026-03-09T00:00:00Z").plusSeconds(n), MultispeqConstants.PORT, "/dev/ttyTEST0"));
    }

    private static Set<String> timestamps(List<MqttRecorder.Received> messages) {
        return messages.stream().map(m -> json(m.payload()).path("timestamp").asText()).collect(Collectors.toSet());
    }

    private static long count(Pattern pattern, String text) {
        return pattern.matcher(text).results().count();
    }

    @Test
    void shouldDeliverEveryMessageOfAStreamInterruptedByAThirtySecondBrokerOutage() throws Exception {
        int perPhase = 20;
        recorder.clear();
        long connectionsBefore = count(CONNECTED, broker.logText());
        for (int n = 0; n < perPhase; n++) {
            ingest(n);
        }
        await().atMost(WAIT).until(() -> timestamps(recorder.on(DATA)).size() == perPhase);

        recorder.leave(broker);
        broker.stop();
        try {
            await().atMost(WAIT).until(() -> deliveryReadiness() == HealthCheck.State.DOWN);
            for (int n = perPhase; n < 2 * perPhase; n++) {
                ingest(n);
            }
            // Every message of the outage is on disk, and the bridge stays down but alive for the whole 30 s.
            assertThat(delivery().outbox().depth()).isGreaterThanOrEqualTo(perPhase);
            await().during(Duration.ofSeconds(30))
                    .atMost(Duration.ofSeconds(40))
                    .until(() -> deliveryReadiness() == HealthCheck.State.DOWN
                            && delivery().outbox().depth() >= perPhase);
        } finally {
            broker.restart();
            recorder.reconnect();
        }
        for (int n = 2 * perPhase; n < 3 * perPhase; n++) {
            ingest(n);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> timestamps(recorder.on(DATA)).size() == 3 * perPhase);
        await().atMost(WAIT).until(() -> delivery().outbox().depth() == 0);
        assertThat(deliveryReadiness()).isEqualTo(HealthCheck.State.UP);

        List<MqttRecorder.Received> received = recorder.on(DATA);
        Map<String, Long> copies = received.stream()
                .collect(Collectors.groupingBy(MqttRecorder.Received::messageId, Collectors.counting()));
        long duplicates = received.size() - copies.size();
        System.out.printf("Broker outage (%s): %d messages sent, %d distinct arrived, %d duplicate(s)%n",
                delivery().connection().version(), 3 * perPhase, copies.size(), duplicates);
        assertThat(copies).hasSize(3 * perPhase);
        // A redelivery is the stored message again: the same _client_id in the payload as its message-id.
        assertThat(received).allSatisfy(m -> assertThat(json(m.payload()).path("_client_id").asText())
                .isEqualTo(m.messageId()));
        // Duplicates only from the window in flight when the broker went away.
        assertThat(duplicates).isLessThanOrEqualTo(100);

        String log = broker.logText();
        assertThat(count(CONNECTED, log) - connectionsBefore)
                .as("one connection per broker run: exactly one reconnect")
                .isEqualTo(1);
        assertThat(log).doesNotContain("already connected");
    }
}
