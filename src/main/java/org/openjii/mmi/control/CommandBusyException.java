package org.openjii.mmi.control;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;

/**
 * The request queue is full: requests wait behind the measuring loop, one at a time at the device, and a bounded
 * queue refuses more instead of letting answers arrive long after anyone waits for them; or more requests came in a
 * second than {@code mmi.commands.rate-limit} allows. The command route's {@code doCatch} leaves it as the caught
 * exception ({@link RemoteCommands#busy}), so the answer carries {@code busy} ({@link FailureReason#BUSY}) and this
 * message; the sender may try again later.
 */
final class CommandBusyException extends Exception implements ReasonCoded {

    /** @param waiting how many requests wait already (the queue's capacity) */
    CommandBusyException(int waiting) {
        super("The bridge is busy: " + waiting + " request(s) are already waiting for the device; try again later");
    }

    /** @param message why, for the answer: the request rate, say */
    CommandBusyException(String message) {
        super(message);
    }

    @Override
    public FailureReason reason() {
        return FailureReason.BUSY;
    }
}
