package org.openjii.mmi.delivery;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;

import org.openjii.mmi.observe.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Where messages wait while the outbox cannot store them (disk full, read-only, an I/O error, a damaged page): a
 * bounded queue in memory, moved into the outbox in arrival order as soon as it stores again ({@link #flush()}, which
 * the delivery also runs every second), so measuring goes on through a full disk. While anything is held, new messages
 * queue behind it, so the order holds.
 * <p>
 * Memory is not a disk: held messages are lost if the process dies, and beyond {@value #MAX_MESSAGES} messages or
 * {@value #MAX_BYTES} bytes the oldest is given up. Neither is silent: each message given up, and each one still held
 * when the delivery stops, is logged at ERROR with its topic, message id and payload, and counted
 * ({@code mmi.outbox.held.lost}); the readiness check is DOWN while anything is held. Docs: {@code docs/hardening.md}.
 */
public final class OutboxSpill implements MeterBinder {

    /** Messages held at most: more than two hours of one device measuring every 10 s. */
    static final int MAX_MESSAGES = 1000;
    /** Payload bytes held at most. */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(OutboxSpill.class);

    /** A message as {@link Outbox#append} takes it. */
    public record Message(String messageId, String topic, byte[] payload, OutboxEntry.Kind kind, Instant originAt,
            byte[] rawInput, byte[] correlationData) {

        long size() {
            return payload.length + (rawInput == null ? 0 : rawInput.length);
        }
    }

    private final Outbox outbox;
    private final String identity;
    private final RateLimitedLog holding;
    private final Deque<Message> held = new ArrayDeque<>();
    private volatile boolean holdInMemory = true;
    private long heldBytes;
    private long lost;

    /** @param identity the connection the outbox belongs to, as its meters are tagged */
    public OutboxSpill(Outbox outbox, String identity, Clock clock) {
        this.outbox = outbox;
        this.identity = identity;
        this.holding = new RateLimitedLog(LOG, Duration.ofSeconds(Outbox.LOG_WINDOW_SECONDS), clock);
    }

    /**
     * Stores the message in the outbox; holds it in memory when the outbox cannot store it, or while earlier ones are
     * held.
     *
     * @return its sequence number, or -1 when it is held
     * @throws OutboxException {@code outbox-full}, as {@link Outbox#append} refuses it
     */
    public synchronized long store(Message message) {
        if (!holdInMemory) {
            return append(message);
        }
        if (!held.isEmpty()) {
            flush();
        }
        if (held.isEmpty()) {
            try {
                return append(message);
            } catch (OutboxException e) {
                if (!OutboxException.OUTBOX_ERROR.equals(e.reason())) {
                    throw e;
                }
                hold(message, e.getMessage());
                return -1;
            }
        }
        hold(message, outbox.faults().current().map(OutboxFaults.Problem::message).orElse("earlier messages wait"));
        return -1;
    }

    /**
     * Moves held messages into the outbox, oldest first, until it fails again.
     *
     * @return how many were moved
     */
    public synchronized int flush() {
        int moved = 0;
        while (!held.isEmpty()) {
            Message next = held.peekFirst();
            try {
                append(next);
                moved++;
            } catch (OutboxException e) {
                if (OutboxException.OUTBOX_ERROR.equals(e.reason())) {
                    break;
                }
                // Refused for want of room, as it would have been when it arrived: the outbox logged and counted it.
            }
            held.removeFirst();
            heldBytes -= next.size();
        }
        if (moved > 0) {
            LOG.info("The outbox {} stores again: moved {} message(s) held in memory into it, {} still held",
                    outbox.file(), moved, held.size());
        }
        return moved;
    }

    private long append(Message m) {
        return outbox.append(m.messageId(), m.topic(), m.payload(), m.kind(), m.originAt(), m.rawInput(),
                m.correlationData());
    }

    private void hold(Message message, String why) {
        held.addLast(message);
        heldBytes += message.size();
        while (held.size() > MAX_MESSAGES || heldBytes > MAX_BYTES) {
            Message oldest = held.removeFirst();
            heldBytes -= oldest.size();
            lose(oldest, "memory holds at most " + MAX_MESSAGES + " messages or " + MAX_BYTES + " bytes");
        }
        holding.error("The outbox cannot store: {}; holding {} message(s) in memory until it can (readiness is DOWN"
                + " meanwhile)", why, held.size());
    }

    /** Gives a message up, loudly: its payload goes to the log, where it can still be found. */
    private void lose(Message message, String why) {
        lost++;
        LOG.error("Lost message {} for {} ({} bytes; {}), as it could not be stored in the outbox {}; its payload{}",
                message.messageId(), message.topic(), message.payload().length, why, outbox.file(),
                printable(message.payload()));
    }

    /**
     * Logs every message still held as lost: the delivery stops and memory goes with it.
     *
     * @return how many were held
     */
    public synchronized int giveUp() {
        int count = held.size();
        for (Message message = held.pollFirst(); message != null; message = held.pollFirst()) {
            lose(message, "the delivery stopped while the outbox could not store");
        }
        heldBytes = 0;
        return count;
    }

    private static String printable(byte[] payload) {
        try {
            return ": " + StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload));
        } catch (CharacterCodingException e) {
            return " (base64): " + Base64.getEncoder().encodeToString(payload);
        }
    }

    /**
     * Whether messages are held in memory while the outbox cannot store (the default), or the failure goes to the
     * caller: a command that can simply be run again ({@code mmi backfill}, {@code mmi measure --publish}) should fail
     * rather than hold what it then exits without.
     */
    public void holdInMemory(boolean hold) {
        this.holdInMemory = hold;
    }

    /** Messages held in memory now. */
    public synchronized int held() {
        return held.size();
    }

    /** Messages given up since the start (too many held, or held when the delivery stopped). */
    public synchronized long lost() {
        return lost;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("mmi.outbox.held", this, OutboxSpill::held)
                .description("Messages held in memory while the outbox cannot store them")
                .tag("identity", identity)
                .register(registry);
        FunctionCounter.builder("mmi.outbox.held.lost", this, OutboxSpill::lost)
                .description("Messages given up while the outbox could not store them (each logged with its payload)")
                .tag("identity", identity)
                .register(registry);
    }
}
