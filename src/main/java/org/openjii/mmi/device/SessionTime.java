package org.openjii.mmi.device;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Time as a device session sees it: a monotonic reading for timeouts and quiet periods, the wall clock for the
 * timestamps of replies, and the timed wait on a monitor. Tests replace it with a clock that moves only when the
 * session waits, so a timeout takes no real time.
 */
interface SessionTime {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** The wall clock the reply timestamps come from. */
    Clock clock();

    default Instant now() {
        return clock().instant();
    }

    /** Waits on {@code monitor} (held by the caller) for at most {@code nanos}, or until notified. */
    void timedWait(Object monitor, long nanos) throws InterruptedException;

    /** The system's monotonic time and real waits, with {@code clock} for timestamps. */
    static SessionTime system(Clock clock) {
        return new SessionTime() {

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Clock clock() {
                return clock;
            }

            @Override
            public void timedWait(Object monitor, long nanos) throws InterruptedException {
                TimeUnit.NANOSECONDS.timedWait(monitor, nanos);
            }
        };
    }
}
