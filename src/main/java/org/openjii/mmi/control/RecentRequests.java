package org.openjii.mmi.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.openjii.mmi.support.Durations;

/**
 * The requests taken within a window, for the command route's idempotent consumer: a request that comes again (a QoS
 * 1 redelivery after a lost PUBACK, a sender's retry) within {@link #setWindow window} of the first is not run again.
 * Keys are digests ({@link RemoteCommands#requestKey}), so a 40 KiB correlation data costs 64 characters here.
 * <p>
 * Hand-written: Camel's {@code MemoryIdempotentRepository} forgets by count only, and the same request sent again an
 * hour later is a new request. At most {@value #MAX_KEYS} keys are kept; beyond that the oldest are forgotten first.
 */
public class RecentRequests extends ServiceSupport implements IdempotentRepository {

    static final int MAX_KEYS = 10_000;

    private final Map<String, Instant> taken = new LinkedHashMap<>();
    private Duration window = Duration.ofMinutes(10);
    private Clock clock = Clock.systemUTC();

    public String getWindow() {
        return window.toSeconds() + "s";
    }

    /** How long a request is remembered, in Camel's duration syntax ({@code 10m}); 0: not at all. */
    public void setWindow(String window) {
        this.window = Duration.ofMillis(Durations.millis("mmi.commands.duplicate-window", window));
    }

    /** Where "now" comes from (tests set it). */
    public void setClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized boolean add(String key) {
        if (window.isZero()) {
            return true;
        }
        forgetExpired();
        if (taken.containsKey(key)) {
            return false;
        }
        taken.put(key, clock.instant());
        if (taken.size() > MAX_KEYS) {
            Iterator<String> oldest = taken.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        return true;
    }

    @Override
    public synchronized boolean contains(String key) {
        forgetExpired();
        return taken.containsKey(key);
    }

    @Override
    public synchronized boolean remove(String key) {
        return taken.remove(key) != null;
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public synchronized void clear() {
        taken.clear();
    }

    /** Requests remembered now. */
    public synchronized int size() {
        forgetExpired();
        return taken.size();
    }

    /** In insertion order, so the expired ones are at the front. */
    private void forgetExpired() {
        Instant horizon = clock.instant().minus(window);
        Iterator<Instant> times = taken.values().iterator();
        while (times.hasNext() && !times.next().isAfter(horizon)) {
            times.remove();
        }
    }
}
