package org.openjii.mmi.device;

import org.openjii.mmi.message.FailureReason;

/**
 * The command was cancelled ({@code -1+}) before it completed. Its own type because a cancelled remote command is
 * answered without a dead letter: nothing was lost.
 */
public class CommandCancelledException extends MultispeqException {

    public CommandCancelledException(String message, byte[] rawBytes) {
        super(FailureReason.CANCELLED, message, rawBytes);
    }

    public CommandCancelledException(String message, byte[] rawBytes, Throwable cause) {
        super(FailureReason.CANCELLED, message, rawBytes, cause);
    }
}
