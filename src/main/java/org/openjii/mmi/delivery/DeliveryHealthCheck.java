package org.openjii.mmi.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the delivery: DOWN while the MQTT connection is down; while the oldest message in the outbox is
 * older than {@code maxAge} (delivery is stuck even if connected: refused quota, a broker that never acknowledges);
 * after the publish watchdog dropped the connection for want of a PUBACK, until one comes; and while the broker has
 * refused the last data messages it was sent (an IoT policy that does not allow the data topic: 0x87).
 * Not a liveness check: neither is fixed by restarting the process, and the outbox keeps the data meanwhile. One per
 * identity: {@code delivery} for the default one, {@code delivery-<identity>} for others.
 */
public final class DeliveryHealthCheck extends AbstractHealthCheck {

    private final String broker;
    private final Supplier<MqttConnection.State> connection;
    private final Outbox outbox;
    private final Supplier<PublisherHealth.Health> publisher;
    private final Duration maxAge;
    private final Clock clock;

    /**
     * @param identity the identity's name ({@code default} for the one of {@code mmi.mqtt.*})
     * @param broker the broker as logged ({@link MqttConnection#describe()})
     * @param connection the connection's current state
     * @param publisher the publisher's findings
     */
    DeliveryHealthCheck(String identity, String broker, Supplier<MqttConnection.State> connection, Outbox outbox,
            Supplier<PublisherHealth.Health> publisher, Duration maxAge, Clock clock) {
        super("mmi", "default".equals(identity) ? "delivery" : "delivery-" + identity);
        this.broker = broker;
        this.connection = connection;
        this.outbox = outbox;
        this.publisher = publisher;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        MqttConnection.State state = connection.get();
        Optional<Instant> oldest = outbox.oldest();
        Duration age = oldest.map(at -> Duration.between(at, clock.instant())).orElse(Duration.ZERO);
        builder.detail("mqtt.connected", state.connected());
        builder.detail("mqtt.state", state.detail());
        builder.detail("mqtt.since", state.since().toString());
        builder.detail("outbox.depth", outbox.depth());
        builder.detail("outbox.bytes", outbox.bytes());
        builder.detail("outbox.oldest.age.seconds", age.toSeconds());
        builder.detail("outbox.quarantined", outbox.quarantined());
        PublisherHealth.Health health = publisher.get();
        builder.detail("publisher.in-flight", health.inFlight());
        builder.detail("publisher.data-refused-in-a-row", health.dataRefusedInARow());
        if (health.unacknowledged() != null) {
            builder.message("MQTT " + broker + ": the connection was dropped for want of a PUBACK, " + health
                    .unacknowledged() + "; " + outbox.depth() + " message(s) wait in the outbox");
            builder.down();
        } else if (health.dataRefused()) {
            builder.message("The broker refused the last " + health.dataRefusedInARow() + " data messages (the last: "
                    + health.lastRefusal() + "); they are quarantined, and readiness is DOWN until one is accepted");
            builder.down();
        } else if (!state.connected()) {
            builder.message("MQTT " + broker + " is not connected since " + state.since() + ": "
                    + state.detail() + "; " + outbox.depth() + " message(s) wait in the outbox");
            builder.down();
        } else if (age.compareTo(maxAge) > 0) {
            builder.message("The oldest message in the outbox is " + age.toSeconds() + " s old (mmi.outbox.max-age "
                    + maxAge.toSeconds() + " s); " + outbox.depth() + " message(s) wait");
            builder.down();
        } else {
            builder.up();
        }
    }
}
