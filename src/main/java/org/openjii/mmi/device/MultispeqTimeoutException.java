package org.openjii.mmi.device;

/** The device did not complete its reply in time; the raw bytes are whatever arrived before the deadline. */
public class MultispeqTimeoutException extends MultispeqException {

    public static final String REASON = "timeout";

    public MultispeqTimeoutException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public MultispeqTimeoutException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
