package org.openjii.mmi.device;

/** The device sent bytes that belong to no reply (noise, or output nobody asked for). */
public class UnexpectedOutputException extends MultispeqException {

    public static final String REASON = "unexpected-output";

    public UnexpectedOutputException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public UnexpectedOutputException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
