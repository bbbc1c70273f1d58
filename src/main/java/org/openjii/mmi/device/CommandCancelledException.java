package org.openjii.mmi.device;

/** The command was cancelled ({@code -1+}) before it completed. */
public class CommandCancelledException extends MultispeqException {

    public static final String REASON = "cancelled";

    public CommandCancelledException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public CommandCancelledException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
