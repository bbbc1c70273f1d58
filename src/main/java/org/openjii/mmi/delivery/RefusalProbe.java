package org.openjii.mmi.delivery;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the message a broker refuses by closing the connection ({@link MqttConnection#mayBeRefusal}): from the first
 * such close the publisher sends one message at a time ({@link #start}); a message alone in flight at
 * {@value #STRIKES} such closes in a row is refused ({@link #strike}, then {@link #refusedByClosing}). Probing ends
 * once every message that was in flight at the first close has gone through or been refused ({@link #wentThrough}).
 * <p>
 * Thread-safe: closes arrive on the client's threads, PUBACKs on the callback thread.
 */
final class RefusalProbe {

    /** Closes on a refusal with a message alone in flight before it counts as refused. */
    static final int STRIKES = 3;

    /** The messages in flight when probing began: one of them was refused; probing ends once none is left. */
    private final Set<Long> suspects = ConcurrentHashMap.newKeySet();
    /** Times the connection closed on a refusal while a message was the only one in flight. */
    private final Map<Long, Integer> strikes = new ConcurrentHashMap<>();
    /** Messages refused by closing the connection, to be refused when the client lets go of them. */
    private final Map<Long, Integer> refusedByClosing = new ConcurrentHashMap<>();
    private volatile boolean probing;

    /**
     * A close on a refusal while not probing: probing starts, suspecting the messages in flight.
     *
     * @return false when probing was under way already (the close is a strike instead)
     */
    boolean start(Collection<Long> inFlight) {
        if (probing) {
            return false;
        }
        suspects.clear();
        suspects.addAll(inFlight);
        probing = true;
        return true;
    }

    /**
     * A close on a refusal while {@code seq} was alone in flight.
     *
     * @return true when this was its last strike: it is refused once the client lets go of it
     */
    boolean strike(long seq) {
        int count = strikes.merge(seq, 1, Integer::sum);
        if (count < STRIKES) {
            return false;
        }
        strikes.remove(seq);
        refusedByClosing.put(seq, count);
        return true;
    }

    /**
     * The broker acknowledged {@code seq}.
     *
     * @return true when that ended probing: no suspect is left
     */
    boolean wentThrough(long seq) {
        strikes.remove(seq);
        suspects.remove(seq);
        // Another message going through says nothing about those in flight at the refusal.
        if (probing && suspects.isEmpty()) {
            probing = false;
            return true;
        }
        return false;
    }

    /** {@code seq} was refused, one way or another: no longer a suspect. */
    void refused(long seq) {
        suspects.remove(seq);
    }

    /** The closes that refused {@code seq}, once, or {@code null} when it was not refused by closing. */
    Integer refusedByClosing(long seq) {
        return refusedByClosing.remove(seq);
    }

    boolean probing() {
        return probing;
    }
}
