package org.openjii.mmi.device;

/** A reply stopped before its end (the device went away, or a new line started mid-reply). */
public class TruncatedFrameException extends MultispeqException {

    public static final String REASON = "truncated";

    public TruncatedFrameException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public TruncatedFrameException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
