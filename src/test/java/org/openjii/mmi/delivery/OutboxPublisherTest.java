package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.test.ScriptedBroker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The publisher against a broker that answers with chosen PUBACK reason codes ({@link ScriptedBroker}): what no real
 * broker here does on demand, such as AWS IoT Core's 0x97 Quota exceeded.
 */
class OutboxPublisherTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private ScriptedBroker broker;
    private Outbox outbox;
    private MqttConnection connection;
    private OutboxPublisher publisher;
    private SimpleMeterRegistry meters;
    private final ConnectionThreads threads = new ConnectionThreads();
    private final List<Outbox.DeadLetter> deadLetters = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void start(Integer... pubackCodes) throws Exception {
        start(FlowControl.unlimited(10), pubackCodes);
    }

    private void start(FlowControl flowControl, Integer... pubackCodes) throws Exception {
        broker = ScriptedBroker.start(pubackCodes);
        Clock clock = Clock.systemUTC();
        outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, clock);
        connection = new MqttConnection(BrokerTransport.create(broker.url(), null, null, null, false, null),
                new MqttConnection.Settings("scripted-test", 60, 0, null, 5, Duration.ofSeconds(2)), clock,
                threads.network(), threads.callbacks());
        meters = new SimpleMeterRegistry();
        DeliveryMetrics metrics = new DeliveryMetrics(meters, "default", outbox, connection, clock);
        publisher = new OutboxPublisher(outbox, connection, flowControl, metrics, (refused, refusal) -> {
            Outbox.DeadLetter letter = new Outbox.DeadLetter("dl-" + refused.messageId(), "mmi/dlq/test/"
                    + refusal.reason(),
                    ("{\"mqtt_reason_code\":" + refusal.reasonCode() + "}")
                            .getBytes(StandardCharsets.UTF_8));
            deadLetters.add(letter);
            return letter;
        }, clock, null);
        connection.start();
        publisher.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (publisher != null) {
            publisher.close();
        }
        if (connection != null) {
            connection.close();
        }
        if (outbox != null) {
            outbox.close();
        }
        if (broker != null) {
            broker.close();
        }
        threads.close();
    }

    private void store(String messageId) {
        outbox.append(messageId, "experiment/data_ingest/v1/e/multispeq/2/d", "{}".getBytes(StandardCharsets.UTF_8),
                OutboxEntry.Kind.DATA, null);
        publisher.wakeUp();
    }

    @Test
    void shouldBackOffAndSendAgainWhenTheBrokerReportsQuotaExceeded() throws Exception {
        start(MqttReasonCodes.QUOTA_EXCEEDED);
        store("m-1");

        await().atMost(WAIT).until(() -> outbox.depth() == 0);
        List<ScriptedBroker.Received> received = broker.received();
        assertThat(received).extracting(r -> r.userProperties().get("message-id")).containsExactly("m-1", "m-1");
        assertThat(received).extracting(ScriptedBroker.Received::reasonCodeSent).containsExactly(0x97, 0x00);
        // Backed off: at least the first pause of one second between the refusal and the second try.
        assertThat(Duration.between(received.get(0).at(), received.get(1).at())).isGreaterThanOrEqualTo(
                Duration.ofMillis(900));
        assertThat(deadLetters).isEmpty();
        assertThat(meters.get("mmi.mqtt.retried").counter().count()).isEqualTo(1);
        assertThat(meters.get("mmi.mqtt.published").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldSendNothingElseWhileBackingOffFromQuotaExceeded() throws Exception {
        // One in flight: the second message waits for the slot that the refusal of the first frees.
        start(FlowControl.unlimited(1), MqttReasonCodes.QUOTA_EXCEEDED);
        store("m-1");
        store("m-2");

        await().atMost(WAIT).until(() -> outbox.depth() == 0);
        List<ScriptedBroker.Received> received = broker.received();
        assertThat(received).extracting(r -> r.userProperties().get("message-id"))
                .containsExactly("m-1", "m-1", "m-2");
        assertThat(Duration.between(received.get(0).at(), received.get(1).at())).isGreaterThanOrEqualTo(
                Duration.ofMillis(900));
    }

    @Test
    void shouldReplaceARefusedMessageByItsDeadLetterAndNeverSendItAgain() throws Exception {
        start(0x90);
        store("m-1");

        await().atMost(WAIT).until(() -> deadLetters.size() == 1 && outbox.depth() == 0);
        assertThat(broker.received()).extracting(r -> r.userProperties().get("message-id"))
                .containsExactly("m-1", "dl-m-1");
        assertThat(broker.received().get(1).topic()).isEqualTo("mmi/dlq/test/rejected-by-broker");
        assertThat(outbox.quarantined()).isEqualTo(1);
        assertThat(meters.get("mmi.mqtt.refused").tag("reason_code", "0x90").counter().count()).isEqualTo(1);
    }

    @Test
    void shouldOnlyQuarantineARefusedDeadLetter() throws Exception {
        start(MqttReasonCodes.NOT_AUTHORIZED);
        outbox.append("dl-1", "mmi/dlq/test/invalid-json", "{}".getBytes(StandardCharsets.UTF_8),
                OutboxEntry.Kind.DEAD_LETTER, null);
        publisher.wakeUp();

        await().atMost(WAIT).until(() -> outbox.depth() == 0 && outbox.quarantined() == 1);
        assertThat(deadLetters).isEmpty();
        assertThat(broker.received()).hasSize(1);
    }

    @Test
    void shouldSendABacklogLargerThanTheReadAheadInOutboxOrderAndDeleteIt() throws Exception {
        // Stored before the publisher starts: 5 batches, more than the read-ahead holds.
        List<String> ids = new ArrayList<>();
        try (Outbox backlog = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, Clock.systemUTC())) {
            for (int i = 0; i < 5 * OutboxPublisher.BATCH; i++) {
                ids.add("b-" + i);
                backlog.append("b-" + i, "experiment/data_ingest/v1/e/multispeq/2/d",
                        "{}".getBytes(StandardCharsets.UTF_8), OutboxEntry.Kind.DATA, null);
            }
        }
        start();
        // Stored while the backlog drains: after it.
        for (int i = 0; i < 20; i++) {
            ids.add("n-" + i);
            store("n-" + i);
        }

        await().atMost(WAIT).until(() -> outbox.depth() == 0);
        assertThat(broker.received()).extracting(r -> r.userProperties().get("message-id"))
                .containsExactlyElementsOf(ids);
        assertThat(meters.get("mmi.mqtt.published").counter().count()).isEqualTo(ids.size());
    }

    @Test
    void shouldDeleteWhatWasDeliveredWhenStopped() throws Exception {
        start();
        for (int i = 0; i < 30; i++) {
            store("m-" + i);
        }
        await().atMost(WAIT).until(() -> meters.get("mmi.mqtt.published").counter().count() == 30);

        publisher.stop(Duration.ofSeconds(2));

        // Fewer than a batch, maybe not deleted while draining; stop() deletes them before it returns.
        assertThat(outbox.depth()).isZero();
        assertThat(broker.received()).hasSize(30);
    }
}
