package org.openjii.mmi.device;

/** A reply exceeded the configured maximum frame size and was discarded. */
public class FrameTooLargeException extends MultispeqException {

    public static final String REASON = "frame-too-large";

    public FrameTooLargeException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public FrameTooLargeException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
