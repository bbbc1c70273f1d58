package org.openjii.mmi.device;

import org.openjii.mmi.message.FailureReason;

/**
 * A reply stopped before its end (the device went away, or a new line started mid-reply). Its own type because a line
 * without checksum that fails this way is skipped while the reply is awaited.
 */
public class TruncatedFrameException extends MultispeqException {

    public TruncatedFrameException(String message, byte[] rawBytes) {
        super(FailureReason.TRUNCATED, message, rawBytes);
    }

    public TruncatedFrameException(String message, byte[] rawBytes, Throwable cause) {
        super(FailureReason.TRUNCATED, message, rawBytes, cause);
    }
}
