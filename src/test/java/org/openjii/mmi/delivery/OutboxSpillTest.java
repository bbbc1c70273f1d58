package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the delivery does with a message the outbox cannot store (here: an outbox whose database is already closed,
 * the simplest store that always fails; OutboxFaultsIT fills a real disk).
 */
class OutboxSpillTest {

    @TempDir
    Path dir;

    private static OutboxSpill.Message message(int n) {
        return new OutboxSpill.Message("m" + n, "t/m", ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8),
                OutboxEntry.Kind.DATA, null, null, null);
    }

    @Test
    void shouldHoldWhatTheOutboxCannotStoreAndGiveUpTheOldestBeyondItsLimit() {
        Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, Clock.systemUTC());
        outbox.close();
        OutboxSpill spill = new OutboxSpill(outbox, "default", Clock.systemUTC());

        for (int n = 0; n <= OutboxSpill.MAX_MESSAGES; n++) {
            assertThat(spill.store(message(n))).isEqualTo(-1);
        }

        assertThat(spill.held()).isEqualTo(OutboxSpill.MAX_MESSAGES);
        assertThat(spill.lost()).isEqualTo(1);
        assertThat(spill.flush()).as("still failing").isZero();
        assertThat(spill.giveUp()).isEqualTo(OutboxSpill.MAX_MESSAGES);
        assertThat(spill.lost()).isEqualTo(OutboxSpill.MAX_MESSAGES + 1);
        assertThat(spill.held()).isZero();
    }

    @Test
    void shouldPassTheFailureOnWhenNotHoldingInMemory() {
        Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, Clock.systemUTC());
        outbox.close();
        OutboxSpill spill = new OutboxSpill(outbox, "default", Clock.systemUTC());
        spill.holdInMemory(false);

        assertThatThrownBy(() -> spill.store(message(1))).isInstanceOf(OutboxException.class)
                .hasFieldOrPropertyWithValue("reason", OutboxException.OUTBOX_ERROR);
        assertThat(spill.held()).isZero();
    }

    @Test
    void shouldStoreStraightAwayWhileTheOutboxWorks() {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, Clock.systemUTC())) {
            OutboxSpill spill = new OutboxSpill(outbox, "default", Clock.systemUTC());

            assertThat(spill.store(message(1))).isPositive();
            assertThat(outbox.depth()).isEqualTo(1);
            assertThat(spill.held()).isZero();
        }
    }
}
