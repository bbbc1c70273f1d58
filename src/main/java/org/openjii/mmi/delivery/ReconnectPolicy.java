package org.openjii.mmi.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.event.Level;

/**
 * When an {@link MqttConnection} connects again, and how loudly a failed attempt is logged. The first attempt after a
 * connection that lasted comes after {@link #MIN_DELAY} (AWS IoT Core allows one CONNECT per second and client id);
 * failed attempts in a row back off exponentially up to the maximum, with jitter. A connection dropped soon after it
 * came up counts as a failed attempt, so a broker that keeps closing it right away is not hammered once a second.
 * <p>
 * Thread-safe: the client calls its listeners on its own threads.
 */
final class ReconnectPolicy {

    /** The shortest wait before a CONNECT. */
    static final Duration MIN_DELAY = Duration.ofSeconds(1);
    /** A connection that lasted this long resets the backoff when it drops. */
    static final Duration STABLE_CONNECTION = Duration.ofSeconds(10);

    private final Duration maxDelay;
    private final InstantSource clock;
    private int failedAttempts;
    private Instant connectedAt;
    /** The refusal logged last as an error, until a connection comes up: the same one is not logged again. */
    private String lastRefusalLogged;

    ReconnectPolicy(Duration maxDelay, InstantSource clock) {
        this.maxDelay = maxDelay;
        this.clock = clock;
    }

    /** A connection came up now. */
    synchronized void connected() {
        connectedAt = clock.instant();
        lastRefusalLogged = null;
    }

    /**
     * A connection went down, or an attempt failed.
     *
     * @param wasConnected whether a connection was up (rather than an attempt failing)
     * @param requested whether it was dropped on purpose to connect again at once
     * @return the failed attempts in a row now: 0 after a connection that lasted or a requested drop
     */
    synchronized int disconnected(boolean wasConnected, boolean requested) {
        boolean lasted = wasConnected && connectedAt != null
                && Duration.between(connectedAt, clock.instant()).compareTo(STABLE_CONNECTION) >= 0;
        failedAttempts = lasted || requested ? 0 : failedAttempts + 1;
        return failedAttempts;
    }

    /** The wait before the next attempt after {@code attempts} failed ones in a row. */
    Duration delay(int attempts) {
        return attempts == 0 ? MIN_DELAY : backoff(attempts);
    }

    /** 1, 2, 4, ... s up to the maximum, each with up to 20 % jitter so a fleet does not reconnect in step. */
    Duration backoff(int attempts) {
        long base = MIN_DELAY.toMillis() << Math.min(attempts - 1, 20);
        long capped = Math.min(base, maxDelay.toMillis());
        long jitter = (long) (capped * 0.2 * ThreadLocalRandom.current().nextDouble());
        return Duration.ofMillis(Math.max(MIN_DELAY.toMillis(), capped - jitter));
    }

    /**
     * How loudly to log a refused connect: an error the first time, naming the setting; the same refusal again only
     * as a warning at the 16th, 32nd, ... attempt (readiness says it all along); a different one as an error at once.
     */
    synchronized Level refusalLevel(int attempts, String explanation) {
        if (!explanation.equals(lastRefusalLogged)) {
            lastRefusalLogged = explanation;
            return Level.ERROR;
        }
        return attempts >= 16 && Long.bitCount(attempts) == 1 ? Level.WARN : Level.DEBUG;
    }

    /** Whether an unreachable broker is worth a warning at this attempt: the 1st, 2nd, 4th, 8th ... */
    static boolean worthWarning(int attempts) {
        return Long.bitCount(attempts) == 1;
    }
}
