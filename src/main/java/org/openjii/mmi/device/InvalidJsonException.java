package org.openjii.mmi.device;

import org.openjii.mmi.message.FailureReason;

/**
 * A reply is not valid JSON even after {@code nan}, {@code inf} and {@code nil} were turned into {@code null}. Its own
 * type because a line without checksum that fails this way is skipped while the reply is awaited.
 */
public class InvalidJsonException extends MultispeqException {

    public InvalidJsonException(String message, byte[] rawBytes) {
        super(FailureReason.INVALID_JSON, message, rawBytes);
    }

    public InvalidJsonException(String message, byte[] rawBytes, Throwable cause) {
        super(FailureReason.INVALID_JSON, message, rawBytes, cause);
    }
}
