package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class RefusedMessagesTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T05:00:00Z"), ZoneOffset.UTC);
    private static final int NOT_AUTHORIZED = 0x87;

    @TempDir
    Path dir;
    private Outbox outbox;

    @BeforeEach
    void open() {
        outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK);
    }

    @AfterEach
    void close() {
        outbox.close();
    }

    private OutboxEntry stored(String id, OutboxEntry.Kind kind) {
        outbox.append(id, "t/" + id, "{}".getBytes(StandardCharsets.UTF_8), kind, null);
        return outbox.after(0, 100).stream().filter(entry -> entry.messageId().equals(id)).findFirst().orElseThrow();
    }

    /** Takes {@code entry} out with dead letters that cannot be made: making one throws {@code thrown}. */
    private boolean takeOut(OutboxEntry entry, Throwable thrown) {
        RefusedMessages refused = new RefusedMessages(outbox, (message, refusal) -> {
            if (thrown instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) thrown;
        });
        return refused.takeOut(entry, PublishRefusedException.byReasonCode(NOT_AUTHORIZED, entry));
    }

    @Test
    void aRefusedMeasurementGoesToTheQuarantineAndItsDeadLetterTakesItsPlace() {
        OutboxEntry entry = stored("m1", OutboxEntry.Kind.DATA);
        RefusedMessages refused = new RefusedMessages(outbox, (message, refusal) -> new Outbox.DeadLetter("dl-"
                + message.messageId(), "dead/" + refusal.reasonCode(),
                "{\"dead\":true}".getBytes(
                        StandardCharsets.UTF_8)));

        assertThat(refused.takeOut(entry, PublishRefusedException.byReasonCode(NOT_AUTHORIZED, entry))).isTrue();

        assertThat(outbox.quarantined()).isEqualTo(1);
        assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId, OutboxEntry::topic)
                .containsExactly(tuple("dl-m1", "dead/135"));
        assertThat(outbox.quarantine().list()).singleElement().satisfies(kept -> {
            assertThat(kept.messageId()).isEqualTo("m1");
            assertThat(kept.reasonCode()).isEqualTo(NOT_AUTHORIZED);
        });
    }

    @Test
    void aRefusedDeadLetterIsOnlyQuarantined() {
        assertThat(takeOut(stored("d1", OutboxEntry.Kind.DEAD_LETTER), new AssertionError("a dead letter is not"
                + " dead-lettered again"))).isTrue();

        assertThat(outbox.depth()).isZero();
        assertThat(outbox.quarantined()).isEqualTo(1);
    }

    @Test
    void whenTheDeadLetterCannotBeMadeTheMessageStaysInTheOutbox() {
        assertThat(takeOut(stored("m2", OutboxEntry.Kind.DATA), new IllegalStateException("no envelope"))).isFalse();

        assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("m2");
        assertThat(outbox.quarantined()).isZero();
    }

    @Test
    void withoutADeadLetterEnvelopeARefusedMeasurementIsOnlyQuarantined() {
        OutboxEntry entry = stored("m3", OutboxEntry.Kind.DATA);
        RefusedMessages refused = new RefusedMessages(outbox, (message, refusal) -> null);

        assertThat(refused.takeOut(entry, PublishRefusedException.byReasonCode(NOT_AUTHORIZED, entry))).isTrue();

        assertThat(outbox.depth()).isZero();
        assertThat(outbox.quarantine().list()).extracting(kept -> kept.messageId()).containsExactly("m3");
    }
}
