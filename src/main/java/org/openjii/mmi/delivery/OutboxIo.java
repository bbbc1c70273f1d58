package org.openjii.mmi.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.openjii.mmi.observe.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox work of an {@link OutboxPublisher} other than publishing, on one background thread
 * ({@code MmiOutboxIo[identity]}, from {@link DeliveryThreads}): it reads the next messages ahead into a bounded queue,
 * and deletes acknowledged messages
 * in batches (one transaction, one fsync, per batch), then hands each batch on ({@code onDeleted}: the publisher
 * records its latencies there). The drain thread takes messages from memory and only publishes, so disk work never
 * holds up a publish (bench/README.md, "Delivery"); the client's callback thread, which handles the PUBACKs one after
 * the other, only queues each acknowledged message, so the next PUBACKs, and with them the window, do not wait for
 * the latency histograms.
 * <p>
 * One thread for reading and deleting: every {@link Outbox} method is synchronized on its one JDBC connection, so two
 * threads would only take turns. Work is requested ({@link #requestRead()}, {@link #delivered(Acknowledged)},
 * {@link #flush()}) and runs on a single-thread scheduled executor; a request is queued only when none of its kind is
 * pending, so a burst of requests costs one task; one made after {@link #close()} is dropped. A tick every {@code poll}
 * reads and deletes
 * anyway: it catches a message stored without a wake-up and retries after a database failure.
 * <p>
 * Read-ahead is bounded by {@value #AHEAD_BATCHES} batches and {@value #AHEAD_BYTES} bytes of payload (up to 100
 * messages of 128 KiB would otherwise sit in memory per batch); at least one batch is always read.
 */
final class OutboxIo implements AutoCloseable {

    /**
     * Batches read ahead at most (and {@value #AHEAD_BYTES} bytes): 2,000 small messages, about 0.4 s of an unthrottled
     * drain. While the broker is away the drain thread waits with them in memory, so a backlog starts leaving at full
     * speed when it returns instead of alternating with disk reads; the byte limit keeps large messages in check.
     */
    static final int AHEAD_BATCHES = 20;
    /** Payload bytes read ahead at most (beyond the first batch). */
    static final long AHEAD_BYTES = 2L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(OutboxIo.class);

    /** Messages read in one query, in outbox order, and their payload bytes. */
    record Batch(List<OutboxEntry> entries, long bytes) {
    }

    /**
     * A message the broker acknowledged, deleted with the next batch.
     *
     * @param publishNanos from the publish call to the PUBACK
     * @param sinceOrigin from the device's output to the PUBACK, or {@code null} when the message has no origin time
     */
    record Acknowledged(long seq, long publishNanos, Duration sinceOrigin) {
    }

    private final Outbox outbox;
    /** A failing disk fails every tick: one line per window, the rest counted. */
    private final RateLimitedLog failures = new RateLimitedLog(LOG, Duration.ofSeconds(Outbox.LOG_WINDOW_SECONDS),
            Clock.systemUTC());
    private final int batchSize;
    /** Called on the I/O thread after a batch was queued: wakes the drain thread. */
    private final Runnable onRead;
    /** Called on the I/O thread (or the closing one) with each batch of acknowledged messages, once deleted. */
    private final Consumer<List<Acknowledged>> onDeleted;
    private final DeliveryThreads threads;
    private final ScheduledExecutorService executor;

    /** Batches read, not yet taken by the drain thread; written by the I/O thread only. */
    private final BlockingQueue<Batch> ahead = new ArrayBlockingQueue<>(AHEAD_BATCHES);
    private final AtomicLong aheadBytes = new AtomicLong();
    /** The highest sequence number read (I/O thread only). */
    private long cursor;
    private final AtomicBoolean readPending = new AtomicBoolean();
    /**
     * The last read reached the end of the outbox. Until then a drain thread that runs out of messages is only
     * waiting for the next read, and a delete (an fsync) queued before it would make it wait longer.
     */
    private volatile boolean caughtUp;

    /** Acknowledged messages not yet deleted. */
    private final Queue<Acknowledged> delivered = new ConcurrentLinkedQueue<>();
    /** How many {@link #delivered} holds (its size() walks the queue). */
    private final AtomicInteger deliveredCount = new AtomicInteger();
    private final AtomicBoolean deletePending = new AtomicBoolean();

    /**
     * Starts the I/O thread.
     *
     * @param threadName the I/O thread's name, {@code MmiOutboxIo[identity]}
     * @param batchSize messages per read, and acknowledged messages that make a delete worth its transaction
     * @param pollMillis the tick: read and delete at least this often
     * @param onRead run on the I/O thread after a batch was queued
     * @param onDeleted given each batch of acknowledged messages once deleted (a failed delete keeps them for the
     *     next attempt)
     */
    OutboxIo(Outbox outbox, int batchSize, long pollMillis, Runnable onRead, Consumer<List<Acknowledged>> onDeleted,
            DeliveryThreads threads, String threadName) {
        this.outbox = outbox;
        this.batchSize = batchSize;
        this.onRead = onRead;
        this.onDeleted = onDeleted;
        this.threads = threads;
        this.executor = threads.newSingleThreadScheduledExecutor(threadName);
        executor.scheduleWithFixedDelay(this::tick, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
        requestRead();
    }

    /**
     * The next batch read ahead, or {@code null} when none is ready (the outbox is empty, or the read is under way:
     * {@code onRead} tells). Asks for the next read either way. Drain thread only.
     */
    Batch poll() {
        Batch next = ahead.poll();
        if (next != null) {
            aheadBytes.addAndGet(-next.bytes());
        }
        requestRead();
        return next;
    }

    /** Batches read ahead now (for tests). */
    int batchesAhead() {
        return ahead.size();
    }

    /** Reads ahead soon, if there is room: a message was stored, or a batch was taken. */
    void requestRead() {
        if (readPending.compareAndSet(false, true)) {
            submit(this::read);
        }
    }

    /** A message was acknowledged: it is deleted with the next batch. */
    void delivered(Acknowledged acknowledged) {
        delivered.add(acknowledged);
        if (deliveredCount.incrementAndGet() >= batchSize) {
            requestDelete();
        }
    }

    /**
     * Deletes what was acknowledged soon, however few: the drain has nothing to send. Not while a backlog is still
     * being read: those go with the next batch (or the tick).
     */
    void flush() {
        if (caughtUp && deliveredCount.get() > 0) {
            requestDelete();
        }
    }

    private void requestDelete() {
        if (deletePending.compareAndSet(false, true)) {
            submit(this::delete);
        }
    }

    private void submit(Runnable work) {
        try {
            executor.execute(work);
        } catch (RejectedExecutionException e) {
            // After close() (a PUBACK arriving late): close() deleted what was delivered on the closing thread.
            LOG.debug("The outbox I/O thread has stopped; not queuing more work");
        }
    }

    private void tick() {
        delete();
        read();
    }

    private void read() {
        // Cleared before reading: a message stored during the read queues another one.
        readPending.set(false);
        try {
            while (ahead.isEmpty() || ahead.remainingCapacity() > 0 && aheadBytes.get() < AHEAD_BYTES) {
                List<OutboxEntry> read = outbox.after(cursor, batchSize);
                caughtUp = read.size() < batchSize;
                if (read.isEmpty()) {
                    return;
                }
                long bytes = 0;
                for (OutboxEntry entry : read) {
                    bytes += entry.payload().length;
                }
                cursor = read.get(read.size() - 1).seq();
                aheadBytes.addAndGet(bytes);
                // Cannot fail: this thread is the only producer and checked for room.
                ahead.add(new Batch(read, bytes));
                onRead.run();
            }
        } catch (RuntimeException e) {
            failures.error("Could not read from the outbox, trying again in a moment: {}", e.getMessage());
        }
    }

    private void delete() {
        deletePending.set(false);
        List<Acknowledged> acknowledged = new ArrayList<>();
        for (Acknowledged next = delivered.poll(); next != null; next = delivered.poll()) {
            acknowledged.add(next);
        }
        if (acknowledged.isEmpty()) {
            return;
        }
        deliveredCount.addAndGet(-acknowledged.size());
        List<Long> seqs = acknowledged.stream().map(Acknowledged::seq).toList();
        try {
            outbox.remove(seqs);
        } catch (RuntimeException e) {
            // Still on disk (a full disk cannot even delete): tried again with the next batch, and until then they
            // would be sent again after a restart (same message ids), nothing is lost.
            failures.error("Could not remove {} delivered message(s) from the outbox, trying again: {}",
                    seqs.size(), e.getMessage());
            delivered.addAll(acknowledged);
            deliveredCount.addAndGet(acknowledged.size());
            return;
        }
        try {
            onDeleted.accept(acknowledged);
        } catch (RuntimeException e) {
            LOG.warn("Could not record the latencies of {} delivered message(s): {}", seqs.size(), e.toString());
        }
    }

    /** Stops the I/O thread, then deletes what was acknowledged on the calling thread. */
    @Override
    public void close() {
        threads.shutdownGraceful(executor, TimeUnit.SECONDS.toMillis(5));
        delete();
    }
}
