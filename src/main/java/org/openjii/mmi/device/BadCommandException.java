package org.openjii.mmi.device;

/** The device answered that it does not know the command. */
public class BadCommandException extends MultispeqException {

    public static final String REASON = "bad-command";

    public BadCommandException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public BadCommandException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
