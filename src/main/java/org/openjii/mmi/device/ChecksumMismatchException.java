package org.openjii.mmi.device;

/** A reply ended with a checksum that does not match its text: the bytes were corrupted on the way. */
public class ChecksumMismatchException extends MultispeqException {

    public static final String REASON = "crc-mismatch";

    public ChecksumMismatchException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public ChecksumMismatchException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
