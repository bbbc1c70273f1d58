package org.openjii.mmi.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.openjii.mmi.support.MmiVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Over ~400 lines because the drain loop, its retries, pauses and watchdog are one state machine; probing, packet size
 * and refused messages are in {@link RefusalProbe}, {@link PublishPacket} and {@link RefusedMessages}.
 * <p>
 * Drains the {@link Outbox} into the {@link MqttConnection}: oldest first, QoS 1, a window of publishes in flight
 * ({@link FlowControl}), each message removed from disk only after its PUBACK.
 * <ul>
 * <li>PUBACK success: the message is deleted (in batches, off the drain thread: {@link OutboxIo}).</li>
 * <li>PUBACK 0x97 quota exceeded: sent again after a backoff (1 s doubling to 60 s); the drain pauses meanwhile.</li>
 * <li>Any other PUBACK reason code ≥ 0x80 (not authorized, topic invalid, packet too large, ...), or a packet larger
 * than the broker's Maximum Packet Size: never retried. The message moves, intact, to the outbox's quarantine table;
 * a data message is replaced by its dead letter in the same transaction.</li>
 * <li>Connection lost: the client sends the messages in flight again in the resumed session; if the broker did not
 * keep the session, they fail and are sent again by this class, before any newer one. A lost connection is never
 * taken for a refusal, however often it happens.</li>
 * <li>A broker that refuses a message with a reason code a PUBACK may not carry (Mosquitto's
 * {@code message_size_limit}: 0x95) makes the client close the connection; with MQTT 3.1.1 a broker can refuse only
 * by closing it ({@link MqttConnection#mayBeRefusal}). The publisher then sends one message at a time, and a message
 * alone in flight at {@value RefusalProbe#STRIKES} such closes in a row, each within {@code STRIKE_WINDOW} of sending
 * it, is refused like any other ({@link RefusalProbe}).</li>
 * <li>No PUBACK for {@code pubackTimeout} (a link or proxy that takes publishes and forwards none, which keep-alive
 * does not notice): {@link #checkAcknowledgements} drops the connection, and the client sends what is in flight
 * again on the next one. Readiness is DOWN meanwhile ({@link #health()}).</li>
 * </ul>
 * Order: messages leave in outbox order, so a device's messages arrive in the order they were made; a message that
 * has to be sent again is sent before newer ones, but after those already in flight. Duplicates: a message in flight
 * when the connection drops may arrive twice; both copies carry the same {@code message-id} user property (MQTT 5)
 * and the same {@code _client_id} in a data message's payload (the only copy with MQTT 3.1.1, which has no properties).
 * <p>
 * Threads, from {@link DeliveryThreads}: the drain thread ({@code MmiOutboxPublisher[identity]}) only publishes. It
 * takes the messages {@link OutboxIo} read ahead on its own thread ({@code MmiOutboxIo[identity]}), which also
 * deletes acknowledged messages; PUBACKs arrive on the connection's callback thread.
 */
public final class OutboxPublisher implements MqttConnection.Listener, AutoCloseable {

    /** Turns a refused data message into the dead letter stored in its place. */
    @FunctionalInterface
    public interface DeadLetters {

        /** The dead letter for a refused message. */
        Outbox.DeadLetter of(OutboxEntry refused, PublishRefusedException refusal);
    }

    static final int BATCH = 100;
    /**
     * A close counts against the message alone in flight only this soon after it was sent (or sent again, as the
     * connection came up): a broker refusing it closes at once, a link that fails does so at any time.
     */
    static final Duration STRIKE_WINDOW = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(OutboxPublisher.class);
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);
    private static final Duration FAILURE_PAUSE = Duration.ofMillis(200);
    private static final Duration MAX_QUOTA_BACKOFF = Duration.ofSeconds(60);
    /** Looked up once: it is in every publish. */
    private static final String VERSION = MmiVersion.get();

    private final Outbox outbox;
    private final MqttConnection connection;
    private final FlowControl.Limiter limiter;
    private final DeliveryMetrics metrics;
    private final RefusedMessages refusedMessages;
    private final Clock clock;
    private final Duration messageExpiry;

    /** Messages to send again, by sequence number: they go before anything newer. */
    private final NavigableMap<Long, OutboxEntry> retries = new ConcurrentSkipListMap<>();
    /** Reads ahead and deletes acknowledged messages; from {@link #start()}. */
    private volatile OutboxIo io;
    /** Read ahead, taken from {@link #io}, not yet sent (drain thread only). */
    private final Deque<OutboxEntry> batch = new ArrayDeque<>();
    /**
     * The drain thread has nothing to send and waits: a PUBACK then has its message deleted at once rather than with
     * the next batch. Volatile on both sides (here and the count of acknowledged messages), so either the drain
     * thread sees the PUBACK or the PUBACK sees the idle drain thread.
     */
    private volatile boolean idle;
    /** What is in flight since when, the watchdog's finding, refused data: for probing, the watchdog, readiness. */
    private final PublisherHealth health = new PublisherHealth();
    /** Finds a message refused by closing the connection. */
    private final RefusalProbe probe = new RefusalProbe();
    private final Object wake = new Object();
    private boolean woken;
    private volatile long pausedUntilNanos;
    private int quotaRefusals;
    private volatile boolean running;
    private final DeliveryThreads threads;
    private final String identity;
    private ExecutorService drainer;

    /**
     * A publisher on {@link DeliveryThreads#standalone()} threads, for use without a CamelContext (unit tests).
     *
     * @param messageExpiry MQTT 5 message expiry for every publish, or {@code null} for none
     */
    public OutboxPublisher(Outbox outbox, MqttConnection connection, FlowControl flowControl, DeliveryMetrics metrics,
            DeadLetters deadLetters, Clock clock, Duration messageExpiry) {
        this(outbox, connection, flowControl, metrics, deadLetters, clock, messageExpiry, DeliveryThreads.standalone(),
                "standalone");
    }

    /**
     * @param messageExpiry MQTT 5 message expiry for every publish, or {@code null} for none
     * @param threads where the drain and I/O threads come from (the CamelContext's {@code ExecutorServiceManager})
     * @param identity the identity published for, in the threads' names
     */
    public OutboxPublisher(Outbox outbox, MqttConnection connection, FlowControl flowControl, DeliveryMetrics metrics,
            DeadLetters deadLetters, Clock clock, Duration messageExpiry, DeliveryThreads threads, String identity) {
        this.threads = Objects.requireNonNull(threads, "threads");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.limiter = flowControl.limiter();
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.refusedMessages = new RefusedMessages(outbox, Objects.requireNonNull(deadLetters, "deadLetters"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.messageExpiry = messageExpiry;
        connection.addListener(this);
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        io = new OutboxIo(outbox, BATCH, IDLE_WAIT.toMillis(), this::wakeDrainer, metrics::latencies, threads,
                "MmiOutboxIo[" + identity + "]");
        drainer = threads.newSingleThreadExecutor("MmiOutboxPublisher[" + identity + "]");
        drainer.execute(this::drain);
    }

    /** A message was stored, or something else changed: look at the outbox now rather than at the next poll. */
    public void wakeUp() {
        OutboxIo reader = io;
        if (reader != null) {
            reader.requestRead();
        }
        wakeDrainer();
    }

    /** Something to send (read ahead, a retry) or a pause that ended: the drain thread looks again. */
    private void wakeDrainer() {
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    @Override
    public void connected(MqttConnection.State state) {
        health.connected();
        limiter.brokerReceiveMaximum(state.receiveMaximum());
        wakeUp();
    }

    /**
     * A lost connection changes nothing here: the client sends what is in flight again. A close on a refusal starts
     * probing (one message at a time) and a clean session, so that the client lets go of what it holds; while probing,
     * the message alone in flight gets a strike.
     */
    @Override
    public void disconnected(MqttConnection.State state, Throwable cause) {
        if (!connection.mayBeRefusal(cause)) {
            return;
        }
        if (probe.start(health.inFlightNow())) {
            LOG.info("The broker refused a message by a reason code that closed the connection; sending one at a time"
                    + " until the refused one is found");
            limiter.probe(true);
            connection.forgetSessionOnReconnect();
            return;
        }
        health.aloneSentWithin(STRIKE_WINDOW).ifPresent(alone -> {
            if (probe.strike(alone.seq())) {
                connection.forgetSessionOnReconnect();
            }
        });
    }

    private void drain() {
        try {
            while (running) {
                long pause = pausedUntilNanos - System.nanoTime();
                if (pause > 0) {
                    idle(Duration.ofNanos(pause));
                    continue;
                }
                if (!connection.isConnected()) {
                    idle(IDLE_WAIT);
                    continue;
                }
                OutboxEntry next = next();
                if (next == null) {
                    idle(IDLE_WAIT);
                    continue;
                }
                limiter.acquire(next.wireBytes());
                if (pausedUntilNanos - System.nanoTime() > 0) {
                    // A refusal paused the drain while this one waited for its slot: it waits for the pause too.
                    limiter.release();
                    retries.put(next.seq(), next);
                    continue;
                }
                send(next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("The outbox publisher stopped: {}", e.getMessage(), e);
        } finally {
            idle = true;
            io.flush();
        }
    }

    /** The next message: a retry first, else the next one read ahead from the outbox. */
    private OutboxEntry next() {
        Map.Entry<Long, OutboxEntry> retry = retries.pollFirstEntry();
        if (retry != null) {
            return retry.getValue();
        }
        if (batch.isEmpty()) {
            OutboxIo.Batch read = io.poll();
            if (read != null) {
                batch.addAll(read.entries());
            }
        }
        return batch.poll();
    }

    /** Nothing to send now: has what was delivered meanwhile deleted, then waits. */
    private void idle(Duration timeout) throws InterruptedException {
        idle = true;
        io.flush();
        await(timeout);
        idle = false;
    }

    private void await(Duration timeout) throws InterruptedException {
        synchronized (wake) {
            if (!woken) {
                wake.wait(Math.max(1, timeout.toMillis()));
            }
            woken = false;
        }
    }

    private void send(OutboxEntry entry) {
        MqttConnection.Outgoing message = outgoing(entry);
        long maximumPacketSize = connection.state().maximumPacketSize();
        if (maximumPacketSize > 0 && PublishPacket.size(message) > maximumPacketSize) {
            // Refused here: the broker would refuse it (or drop the connection) for its size.
            limiter.release();
            refused(entry, PublishRefusedException.byReasonCode(MqttReasonCodes.PACKET_TOO_LARGE, entry));
            return;
        }
        long started = System.nanoTime();
        health.sent(entry, started);
        connection.publish(message).whenComplete((code, error) -> {
            health.done(entry);
            if (error == null) {
                acknowledged(entry, code, started);
            } else {
                failed(entry, error);
            }
        });
    }

    private MqttConnection.Outgoing outgoing(OutboxEntry entry) {
        return new MqttConnection.Outgoing(entry.topic(), entry.payload(), false,
                List.of(Map.entry("message-id", entry.messageId()), Map.entry("mmi-version", VERSION)),
                entry.correlationData(), messageExpiry == null ? null : messageExpiry.toSeconds());
    }

    private void acknowledged(OutboxEntry entry, int code, long started) {
        if (code == MqttReasonCodes.QUOTA_EXCEEDED) {
            // Paused before the slot is freed: the drain thread that waits for it sees the pause.
            Duration backoff = quotaBackoff();
            LOG.warn("The broker refused {} with Quota exceeded (0x97); pausing {} ms before sending it again",
                    entry, backoff.toMillis());
            pausedUntilNanos = System.nanoTime() + backoff.toNanos();
            limiter.release();
            health.acknowledged(entry, false);
            retryLater(entry);
            return;
        }
        limiter.release();
        health.acknowledged(entry, !MqttReasonCodes.isFailure(code));
        if (!MqttReasonCodes.isFailure(code)) {
            synchronized (this) {
                quotaRefusals = 0;
            }
            if (probe.wentThrough(entry.seq())) {
                LOG.info("Message {} went through; publishing with the full window again", entry.messageId());
                limiter.probe(false);
            }
            delivered(entry, started);
        } else {
            refused(entry, PublishRefusedException.byReasonCode(code, entry));
        }
    }

    private synchronized Duration quotaBackoff() {
        quotaRefusals++;
        long millis = 1000L << Math.min(quotaRefusals - 1, 6);
        return Duration.ofMillis(Math.min(millis, MAX_QUOTA_BACKOFF.toMillis()));
    }

    private void delivered(OutboxEntry entry, long started) {
        long publishNanos = System.nanoTime() - started;
        Instant origin = entry.originAt();
        metrics.published();
        // One transaction (one fsync) per batch of PUBACKs while the drain is busy: deleting after every PUBACK
        // would cost an fsync per message. The latencies are recorded with the batch too, on the I/O thread: this is
        // the client's callback thread, and every PUBACK behind this one waits for it. Set: the start() that created io
        // happened before the publish.
        OutboxIo deleter = io;
        deleter.delivered(new OutboxIo.Acknowledged(entry.seq(), publishNanos,
                origin == null ? null : Duration.between(origin, clock.instant())));
        if (idle) {
            deleter.flush();
        }
    }

    /**
     * A publish that got no PUBACK: the client refused it (not connected), or let go of it (the broker did not keep
     * the session, or a clean session was asked for). Sent again, unless it was found to be refused by closing.
     */
    private void failed(OutboxEntry entry, Throwable error) {
        Integer closes = probe.refusedByClosing(entry.seq());
        if (closes != null) {
            limiter.release();
            refused(entry, PublishRefusedException.byDisconnecting(closes, entry));
            return;
        }
        LOG.debug("Publishing {} failed, sending it again later: {}", entry, MqttConnection.describe(error));
        if (connection.isConnected()) {
            // Connected but refused by the client: do not spin. Paused before the slot is freed, as for a quota.
            pausedUntilNanos = System.nanoTime() + FAILURE_PAUSE.toNanos();
        }
        limiter.release();
        retryLater(entry);
    }

    private void retryLater(OutboxEntry entry) {
        retries.put(entry.seq(), entry);
        metrics.retried();
        wakeDrainer();
    }

    private void refused(OutboxEntry entry, PublishRefusedException refusal) {
        probe.refused(entry.seq());
        metrics.refused(refusal.reasonCode());
        health.refused(entry, refusal.getMessage());
        if (!refusedMessages.takeOut(entry, refusal)) {
            // Stays in the outbox and is tried again later: better a refused retry than a lost message.
            pausedUntilNanos = System.nanoTime() + MAX_QUOTA_BACKOFF.toNanos();
            retryLater(entry);
        }
        wakeUp();
    }

    /** Publishes in flight now. */
    public int inFlight() {
        return limiter.inFlight();
    }

    /** What readiness needs: the watchdog's finding and the refusals of data. */
    public PublisherHealth.Health health() {
        return health.health(limiter.inFlight());
    }

    /**
     * The publish watchdog (every second, from the delivery's timer): a message in flight for longer than
     * {@code timeout}, counted from when it was sent or the connection last came up, has the connection dropped and
     * made again ({@link MqttConnection#reconnectNow}); the client sends it again on the new connection.
     *
     * @return true when it dropped the connection
     */
    public boolean checkAcknowledgements(Duration timeout) {
        if (!connection.isConnected()) {
            return false;
        }
        Optional<String> overdue = health.overdue(timeout);
        if (overdue.isPresent() && connection.reconnectNow(overdue.get())) {
            health.watchdogDropped(overdue.get());
            metrics.watchdogReconnected();
            return true;
        }
        return false;
    }

    /** Messages waiting to be sent again. */
    public int retriesWaiting() {
        return retries.size();
    }

    /**
     * Stops draining. Publishes still in flight get up to {@code grace} for their PUBACK; anything not acknowledged
     * stays in the outbox for the next start.
     */
    public void stop(Duration grace) {
        synchronized (this) {
            running = false;
        }
        if (drainer != null) {
            try {
                threads.shutdownNow(drainer, TimeUnit.SECONDS.toMillis(5));
                limiter.awaitIdle(grace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        OutboxIo started = io;
        if (started != null) {
            // Stops the I/O thread and deletes what was acknowledged, here.
            started.close();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(2));
    }
}
