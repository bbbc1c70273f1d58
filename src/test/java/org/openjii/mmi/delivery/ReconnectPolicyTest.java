package org.openjii.mmi.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import static org.assertj.core.api.Assertions.assertThat;

class ReconnectPolicyTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T05:00:00Z"));
    private final ReconnectPolicy policy = new ReconnectPolicy(Duration.ofSeconds(30), now::get);

    private void advance(Duration by) {
        now.set(now.get().plus(by));
    }

    @Test
    void failedAttemptsInARowBackOffUpToTheMaximumWithAtMostTwentyPercentJitter() {
        assertThat(policy.disconnected(false, false)).isEqualTo(1);
        assertThat(policy.disconnected(false, false)).isEqualTo(2);
        assertThat(policy.disconnected(false, false)).isEqualTo(3);
        // 1, 2, 4, 8, 16 s, then the 30 s maximum; each at most 20 % shorter, never under 1 s.
        long[] bases = {1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000};
        for (int attempts = 1; attempts <= bases.length; attempts++) {
            long base = bases[attempts - 1];
            for (int draw = 0; draw < 50; draw++) {
                assertThat(policy.delay(attempts).toMillis()).as("attempt %d", attempts)
                        .isBetween(Math.max(1_000, (long) (base * 0.8)), base);
            }
        }
        assertThat(policy.delay(40)).isLessThanOrEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aConnectionThatLastedStartsAfreshAfterOneSecond() {
        policy.disconnected(false, false);
        policy.disconnected(false, false);
        policy.connected();
        advance(ReconnectPolicy.STABLE_CONNECTION);

        int attempts = policy.disconnected(true, false);

        assertThat(attempts).isZero();
        assertThat(policy.delay(attempts)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aConnectionDroppedSoonAfterItCameUpCountsAsAFailedAttempt() {
        policy.disconnected(false, false);
        policy.connected();
        advance(ReconnectPolicy.STABLE_CONNECTION.minusMillis(1));

        assertThat(policy.disconnected(true, false)).isEqualTo(2);
    }

    @Test
    void aRequestedDropReconnectsAtOnceWhateverCameBefore() {
        policy.disconnected(false, false);
        policy.disconnected(false, false);

        assertThat(policy.disconnected(true, true)).isZero();
    }

    @Test
    void aRefusalIsAnErrorOnceThenAWarningOnlyAtTheSixteenthThirtySecondAttemptsUntilItChanges() {
        assertThat(policy.refusalLevel(1, "not authorized")).isEqualTo(Level.ERROR);
        assertThat(policy.refusalLevel(2, "not authorized")).isEqualTo(Level.DEBUG);
        assertThat(policy.refusalLevel(8, "not authorized")).isEqualTo(Level.DEBUG);
        assertThat(policy.refusalLevel(16, "not authorized")).isEqualTo(Level.WARN);
        assertThat(policy.refusalLevel(17, "not authorized")).isEqualTo(Level.DEBUG);
        assertThat(policy.refusalLevel(32, "not authorized")).isEqualTo(Level.WARN);
        assertThat(policy.refusalLevel(33, "bad certificate")).isEqualTo(Level.ERROR);
        // A connection in between: the same refusal is news again.
        policy.connected();
        assertThat(policy.refusalLevel(1, "bad certificate")).isEqualTo(Level.ERROR);
    }

    @Test
    void anUnreachableBrokerIsWorthAWarningAtPowersOfTwo() {
        assertThat(IntStream.rangeClosed(1, 20).filter(ReconnectPolicy::worthWarning))
                .containsExactly(1, 2, 4, 8, 16);
    }
}
