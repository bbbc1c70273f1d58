package org.openjii.mmi.device;

/** The request itself is malformed: an unparsable protocol, an empty command without a configured protocol. */
public class InvalidRequestException extends MultispeqException {

    public static final String REASON = "bad-request";

    public InvalidRequestException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public InvalidRequestException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
