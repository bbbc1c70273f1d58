package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

/** Readiness of the delivery: DOWN while disconnected, and while the oldest waiting message is older than max-age. */
class DeliveryHealthCheckTest {

    private static final Instant START = Instant.parse("2026-03-09T09:00:00Z");

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(START);

    private HealthCheck.Result call(boolean connected, Outbox outbox) {
        MqttConnection.State state = new MqttConnection.State(connected, START, connected ? "connected"
                : "disconnected: Connection refused", 100, 0);
        DeliveryHealthCheck check = new DeliveryHealthCheck("default", "tcp://broker:1883", () -> state, outbox,
                () -> new PublisherHealth.Health(3, null, 0, null),
                Duration.ofMinutes(15), clock);
        check.setCamelContext(new DefaultCamelContext());
        return check.call(Map.of());
    }

    @Test
    void shouldBeDownWhileDisconnectedAndSayHowManyMessagesWait() {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, clock)) {
            outbox.append("a", "t/a", "{}".getBytes(StandardCharsets.UTF_8), OutboxEntry.Kind.DATA, null);
            HealthCheck.Result result = call(false, outbox);
            assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(result.getMessage()).hasValueSatisfying(message -> assertThat(message)
                    .contains("tcp://broker:1883", "Connection refused", "1 message(s) wait"));
            assertThat(result.getDetails()).containsEntry("outbox.depth", 1L).containsEntry("publisher.in-flight", 3);
            assertThat(call(true, outbox).getState()).isEqualTo(HealthCheck.State.UP);
        }
    }

    @Test
    void shouldBeDownWhileTheOldestMessageIsOlderThanTheMaximumAge() {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, clock)) {
            outbox.append("a", "t/a", "{}".getBytes(StandardCharsets.UTF_8), OutboxEntry.Kind.DATA, null);
            clock.advance(Duration.ofMinutes(15));
            assertThat(call(true, outbox).getState()).isEqualTo(HealthCheck.State.UP);
            clock.advance(Duration.ofMinutes(1));
            HealthCheck.Result stuck = call(true, outbox);
            assertThat(stuck.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(stuck.getMessage()).hasValueSatisfying(message -> assertThat(message)
                    .contains("960 s old", "mmi.outbox.max-age 900 s"));
        }
    }
}
