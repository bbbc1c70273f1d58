package org.openjii.mmi.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time that moves only when the session waits on it or the test advances it: a five-second timeout passes at once,
 * and how long the session waited is exact.
 */
final class FakeTime implements SessionTime {

    static final Instant START = Instant.parse("2026-12-07T09:00:00Z");

    /** Not 0, so that no reading is mistaken for "unset". */
    private static final long START_NANOS = 1_000_000_000L;

    private final AtomicLong nanos = new AtomicLong(START_NANOS);

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public Clock clock() {
        return new Clock() {

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                return START.plusNanos(nanos.get() - START_NANOS);
            }
        };
    }

    /** Does not wait: the time the caller would have waited passes at once. */
    @Override
    public void timedWait(Object monitor, long waitNanos) {
        nanos.addAndGet(Math.max(1, waitNanos));
    }

    void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    /** The time passed since the start. */
    Duration elapsed() {
        return Duration.ofNanos(nanos.get() - START_NANOS);
    }
}
