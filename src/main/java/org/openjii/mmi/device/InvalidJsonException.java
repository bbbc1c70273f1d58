package org.openjii.mmi.device;

/** A reply is not valid JSON even after {@code nan}, {@code inf} and {@code nil} were turned into {@code null}. */
public class InvalidJsonException extends MultispeqException {

    public static final String REASON = "invalid-json";

    public InvalidJsonException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public InvalidJsonException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
