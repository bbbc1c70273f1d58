package org.openjii.mmi.delivery;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the {@link OutboxPublisher} knows about its publishes beyond the outbox: which are in flight and since when (for
 * the PUBACK watchdog and for telling a refusal by closing from a dropped link), and what readiness reports (the
 * watchdog's finding, data messages refused in a row). Times are {@link System#nanoTime()}.
 */
final class PublisherHealth {

    /** Data messages refused in a row (none accepted since) that make readiness DOWN: the broker refuses the data. */
    static final int REFUSALS_DOWN = 3;

    /** A publish handed to the connection, and when. */
    record Sent(OutboxEntry entry, long atNanos) {
    }

    /**
     * What readiness needs of the publisher.
     *
     * @param unacknowledged why the watchdog dropped the connection, while no PUBACK has come since; else null
     * @param dataRefusedInARow data messages the broker refused since the last one it accepted
     * @param lastRefusal the last of those refusals, or null
     */
    public record Health(int inFlight, String unacknowledged, int dataRefusedInARow, String lastRefusal) {

        /** True when the broker refused the last {@value PublisherHealth#REFUSALS_DOWN} or more data messages. */
        public boolean dataRefused() {
            return dataRefusedInARow >= REFUSALS_DOWN;
        }
    }

    /** Messages handed to the connection and not yet acknowledged or failed, by sequence number. */
    private final Map<Long, Sent> inFlight = new ConcurrentHashMap<>();
    /** When the connection last came up: a publish waits for its PUBACK from then at the latest. */
    private volatile long connectedAtNanos = System.nanoTime();
    /** Why the watchdog dropped the connection, until a PUBACK arrives; null while PUBACKs come. */
    private volatile String unacknowledged;
    private int dataRefusedInARow;
    private String lastRefusal;

    void connected() {
        connectedAtNanos = System.nanoTime();
    }

    void sent(OutboxEntry entry, long atNanos) {
        inFlight.put(entry.seq(), new Sent(entry, atNanos));
    }

    /** Acknowledged, refused or failed: no longer in flight. */
    void done(OutboxEntry entry) {
        inFlight.remove(entry.seq());
    }

    Set<Long> inFlightNow() {
        return Set.copyOf(inFlight.keySet());
    }

    /**
     * The message in flight alone, if it was sent (or sent again by the client as the connection came up, a resumed
     * session) no longer than {@code window} ago.
     */
    Optional<OutboxEntry> aloneSentWithin(Duration window) {
        if (inFlight.size() != 1) {
            return Optional.empty();
        }
        Sent sent = inFlight.values().iterator().next();
        return System.nanoTime() - Math.max(sent.atNanos(), connectedAtNanos) > window.toNanos() ? Optional.empty()
                : Optional.of(sent.entry());
    }

    /** A PUBACK came: the broker acknowledges again. */
    synchronized void acknowledged(OutboxEntry entry, boolean accepted) {
        unacknowledged = null;
        if (accepted && entry.kind() == OutboxEntry.Kind.DATA) {
            dataRefusedInARow = 0;
        }
    }

    synchronized void refused(OutboxEntry entry, String refusal) {
        if (entry.kind() == OutboxEntry.Kind.DATA) {
            dataRefusedInARow++;
            lastRefusal = refusal;
        }
    }

    /**
     * Why the connection should be dropped: a message in flight for longer than {@code timeout}, counted from when it
     * was sent or the connection last came up; empty while PUBACKs come in time.
     */
    Optional<String> overdue(Duration timeout) {
        long now = System.nanoTime();
        long since = connectedAtNanos;
        Sent oldest = null;
        for (Sent sent : inFlight.values()) {
            if (oldest == null || sent.atNanos() < oldest.atNanos()) {
                oldest = sent;
            }
        }
        if (oldest == null || now - Math.max(oldest.atNanos(), since) < timeout.toNanos()) {
            return Optional.empty();
        }
        return Optional.of("no PUBACK for " + Duration.ofNanos(now - oldest.atNanos()).toSeconds() + " s ("
                + inFlight.size() + " publish(es) in flight, the oldest " + oldest.entry().messageId()
                + "; mmi.mqtt.puback-timeout " + timeout.toSeconds() + " s)");
    }

    /** The watchdog dropped the connection for this reason; readiness says so until a PUBACK comes. */
    void watchdogDropped(String reason) {
        unacknowledged = reason;
    }

    synchronized Health health(int inFlightCount) {
        return new Health(inFlightCount, unacknowledged, dataRefusedInARow, lastRefusal);
    }
}
