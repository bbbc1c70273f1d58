package org.openjii.mmi.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

import org.openjii.mmi.delivery.MqttConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the status to the MQTT connection, coalesced. The connection asks for the payload on every (re)connect
 * ({@link #statusPayload()}, as its {@link MqttConnection.StatusSource}); between connects {@link #tick()}, called
 * every {@code mmi.status.min-interval}, has it published again when anything but {@code updated_at} changed, so at
 * most once per interval, and never while the previous status is still unacknowledged (one slot of the broker's
 * Receive Maximum is left for it) unless that publish is {@link #STALE_PUBLISH} old.
 * <p>
 * The outbox depth is sampled: a change is reported at most every {@value #DEPTH_PERIOD_SECONDS} s (at once when the
 * outbox empties or stops being empty), so a backlog draining at the broker's quota does not add a status publish
 * every second.
 */
final class StatusPublisher implements MqttConnection.StatusSource, MqttConnection.Listener {

    static final long DEPTH_PERIOD_SECONDS = 10;
    /** A status publish without PUBACK for this long (a connection that died quietly) does not hold back the next. */
    static final Duration STALE_PUBLISH = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(StatusPublisher.class);

    private final Function<Long, Map<String, Object>> content;
    private final Supplier<Long> liveDepth;
    private final Clock clock;
    /** Whether the connection is up, and how to have it publish the status; {@code null} while detached. */
    private volatile BooleanSupplier connected;
    private volatile Runnable publish;
    /** The content (all but {@code updated_at}) of the status last handed to the connection. */
    private volatile Map<String, Object> published;
    private volatile byte[] lastPayload;
    /** The status publish waiting for its PUBACK, if any, and since when. */
    private volatile byte[] inFlight;
    private volatile Instant inFlightSince = Instant.EPOCH;
    private volatile Long reportedDepth;
    private volatile Instant reportedDepthAt = Instant.EPOCH;

    /**
     * @param content the status content (all but {@code updated_at}) for an outbox depth
     * @param liveDepth the outbox depth now, {@code null} without an outbox
     */
    StatusPublisher(Function<Long, Map<String, Object>> content, Supplier<Long> liveDepth, Clock clock) {
        this.content = Objects.requireNonNull(content, "content");
        this.liveDepth = Objects.requireNonNull(liveDepth, "liveDepth");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** From now on {@link #tick()} publishes through {@code publish} while {@code connected} says the link is up. */
    void attach(BooleanSupplier connected, Runnable publish) {
        this.publish = Objects.requireNonNull(publish, "publish");
        this.connected = Objects.requireNonNull(connected, "connected");
    }

    /** {@link #tick()} publishes nothing any more. */
    void detach() {
        connected = null;
    }

    /** The connection asks for the status it is about to publish (on connect, or from {@link #tick()}). */
    @Override
    public byte[] statusPayload() {
        Map<String, Object> current = content.apply(reportedDepth);
        byte[] payload = StatusSnapshot.render(StatusSnapshot.withUpdatedAt(current, clock.instant()));
        published = current;
        lastPayload = payload;
        inFlightSince = clock.instant();
        inFlight = payload;
        return payload;
    }

    @Override
    public void statusPublished(byte[] payload, Throwable error) {
        if (inFlight == payload) {
            inFlight = null;
        }
        if (error != null && lastPayload == payload) {
            // Not on the broker: the next tick publishes the status again.
            published = null;
        }
    }

    @Override
    public void connected(MqttConnection.State state) {
        // The connection has just published the status (statusPayload).
    }

    @Override
    public void disconnected(MqttConnection.State state, Throwable cause) {
        // A publish in flight on the lost connection will never be acknowledged; the next connect publishes anew.
        inFlight = null;
    }

    /** Every {@code mmi.status.min-interval}: sample the outbox, publish what changed. */
    void tick() {
        try {
            sampleDepth();
            BooleanSupplier up = connected;
            if (up == null || !up.getAsBoolean()) {
                return;
            }
            if (inFlight != null && Duration.between(inFlightSince, clock.instant()).compareTo(STALE_PUBLISH) < 0) {
                return;
            }
            if (content.apply(reportedDepth).equals(published)) {
                return;
            }
            publish.run();
        } catch (RuntimeException e) {
            LOG.warn("Updating the bridge status failed: {}", e.toString(), e);
        }
    }

    private void sampleDepth() {
        Long depth = liveDepth.get();
        Long reported = reportedDepth;
        Instant now = clock.instant();
        if (depth == null || depth.equals(reported)) {
            return;
        }
        boolean emptiness = reported == null || (depth == 0) != (reported == 0);
        if (emptiness || Duration.between(reportedDepthAt, now).toSeconds() >= DEPTH_PERIOD_SECONDS) {
            reportedDepth = depth;
            reportedDepthAt = now;
        }
    }
}
