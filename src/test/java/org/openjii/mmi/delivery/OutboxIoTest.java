package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class OutboxIoTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Longer than any test: only requests make the I/O thread work. */
    private static final long NO_TICK = 600_000;

    @TempDir
    Path dir;

    private Outbox outbox;
    private OutboxIo io;
    private final AtomicInteger reads = new AtomicInteger();
    /** Read-ahead seen larger than allowed, by the I/O thread. */
    private final List<String> violations = new CopyOnWriteArrayList<>();
    /** What the I/O thread handed on after deleting. */
    private final List<OutboxIo.Acknowledged> handedOn = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (io != null) {
            io.close();
        }
        if (outbox != null) {
            outbox.close();
        }
    }

    private void fill(int messages, int payloadBytes) {
        outbox = Outbox.open(dir, 1L << 30, Outbox.FullPolicy.REJECT, Clock.systemUTC());
        byte[] payload = "x".repeat(payloadBytes).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < messages; i++) {
            outbox.append("m-" + i, "t", payload, OutboxEntry.Kind.DATA, null);
        }
    }

    private void start(int mostAhead) {
        AtomicReference<OutboxIo> started = new AtomicReference<>();
        io = new OutboxIo(outbox, 100, NO_TICK, () -> {
            reads.incrementAndGet();
            OutboxIo self = started.get();
            int ahead = self == null ? 1 : self.batchesAhead();
            if (ahead > mostAhead) {
                violations.add(ahead + " batches ahead");
            }
        }, handedOn::addAll, DeliveryThreads.standalone(), "MmiOutboxIo[test]");
        started.set(io);
    }

    private List<OutboxEntry> takeAll(int expected) {
        List<OutboxEntry> all = new ArrayList<>();
        while (all.size() < expected) {
            OutboxIo.Batch batch = await().atMost(WAIT).until(io::poll, b -> b != null);
            all.addAll(batch.entries());
        }
        return all;
    }

    @Test
    void shouldReadAheadInOutboxOrderAtMostTheBatchLimit() {
        fill(3_000, 10);
        start(OutboxIo.AHEAD_BATCHES);

        await().atMost(WAIT).until(() -> reads.get() == OutboxIo.AHEAD_BATCHES);
        List<OutboxEntry> all = takeAll(3_000);

        assertThat(all).extracting(OutboxEntry::messageId)
                .containsExactlyElementsOf(IntStream.range(0, 3_000)
                        .mapToObj(i -> "m-" + i)
                        .toList());
        assertThat(violations).isEmpty();
        assertThat(io.poll()).isNull();
    }

    @Test
    void shouldReadOneBatchAheadWhenItHoldsTheByteLimit() {
        // 100 × 25 KB = 2.5 MB, over the 2 MiB of read-ahead: one batch at a time.
        fill(250, 25_000);
        start(1);

        List<OutboxEntry> all = takeAll(250);

        assertThat(all).extracting(OutboxEntry::seq).isSorted().doesNotHaveDuplicates().hasSize(250);
        assertThat(violations).isEmpty();
    }

    @Test
    void shouldReadWhatIsStoredLaterWhenAsked() {
        fill(5, 10);
        start(OutboxIo.AHEAD_BATCHES);
        assertThat(takeAll(5)).hasSize(5);

        outbox.append("late", "t", new byte[]{'{', '}'}, OutboxEntry.Kind.DATA, null);
        io.requestRead();

        assertThat(takeAll(1)).extracting(OutboxEntry::messageId).containsExactly("late");
    }

    @Test
    void shouldDeleteAcknowledgedMessagesInBatchesOfAHundredOrWhenFlushed() {
        fill(250, 10);
        start(OutboxIo.AHEAD_BATCHES);
        List<OutboxEntry> all = takeAll(250);

        // The hundredth acknowledgement asks for a delete; the 30 after the second hundred wait for more. A hundred at a
        // time: a delete that starts while acknowledgements are still being added takes all there are by then.
        for (int i = 0; i < 230; i++) {
            io.delivered(acknowledged(all.get(i)));
            if (i == 99 || i == 199) {
                long left = 250 - (i + 1);
                await().atMost(WAIT).until(() -> outbox.depth() == left);
            }
        }
        await().atMost(WAIT).until(() -> outbox.depth() <= 50);
        assertThat(outbox.depth()).isBetween(20L, 50L);

        io.flush();
        await().atMost(WAIT).until(() -> outbox.depth() == 20);

        io.delivered(acknowledged(all.get(230)));
        io.close();
        // close() deletes the rest on the closing thread: done when it returns.
        assertThat(outbox.depth()).isEqualTo(19);
        assertThat(outbox.after(0, 100)).extracting(OutboxEntry::seq).first().isEqualTo(all.get(231).seq());
        // Every acknowledgement was handed on (for its latencies) once deleted, each exactly once.
        assertThat(handedOn).extracting(OutboxIo.Acknowledged::seq)
                .containsExactlyInAnyOrderElementsOf(all.subList(0, 231).stream().map(OutboxEntry::seq).toList());
    }

    private static OutboxIo.Acknowledged acknowledged(OutboxEntry entry) {
        return new OutboxIo.Acknowledged(entry.seq(), 1_000_000, null);
    }
}
