package org.openjii.mmi.observe;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * A log line that a flood would repeat thousands of times (an outbox refusing a flood of dead letters): the first in a
 * window is logged, the others are only counted, and the first line after the window says how many were left out.
 * What the lines report is counted in metrics as well, so leaving lines out loses no information.
 * <p>
 * Hand-written: Log4j2's {@code BurstFilter} drops lines without saying how many, and SLF4J has nothing of the kind.
 */
public final class RateLimitedLog {

    private final Logger log;
    private final Duration window;
    private final Clock clock;
    private Instant windowStart;
    private long leftOut;

    public RateLimitedLog(Logger log, Duration window, Clock clock) {
        this.log = log;
        this.window = window;
        this.clock = clock;
    }

    /** An information line, or a count of one. */
    public void info(String format, Object... arguments) {
        log(Level.INFO, format, arguments);
    }

    /** A line at {@code level}, or a count of one. */
    public void log(Level level, String format, Object... arguments) {
        logAt(level, format, arguments);
    }

    /** A warning, or a count of one. */
    public void warn(String format, Object... arguments) {
        logAt(Level.WARN, format, arguments);
    }

    /** An error, or a count of one. */
    public void error(String format, Object... arguments) {
        logAt(Level.ERROR, format, arguments);
    }

    /** How many lines were left out since the last one logged. */
    public synchronized long leftOut() {
        return leftOut;
    }

    private void logAt(Level level, String format, Object... arguments) {
        long before;
        synchronized (this) {
            Instant now = clock.instant();
            if (windowStart != null && now.isBefore(windowStart.plus(window))) {
                leftOut++;
                return;
            }
            windowStart = now;
            before = leftOut;
            leftOut = 0;
        }
        String suffix = before == 0 ? ""
                : " (and " + before + " more like this since the last such line; at most one per "
                        + window.toSeconds() + " s)";
        log.atLevel(level).log(format + suffix, arguments);
    }
}
