package org.openjii.mmi.device;

import org.openjii.mmi.message.FailureReason;

/**
 * The device did not complete its reply in time; the raw bytes are whatever arrived before the deadline. Its own type
 * because the handshake retries {@code hello} after one, and the next command waits for the line to go quiet.
 */
public class MultispeqTimeoutException extends MultispeqException {

    public MultispeqTimeoutException(String message, byte[] rawBytes) {
        super(FailureReason.TIMEOUT, message, rawBytes);
    }

    public MultispeqTimeoutException(String message, byte[] rawBytes, Throwable cause) {
        super(FailureReason.TIMEOUT, message, rawBytes, cause);
    }
}
