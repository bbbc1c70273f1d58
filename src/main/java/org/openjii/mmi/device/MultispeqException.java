package org.openjii.mmi.device;

import org.openjii.mmi.ReasonCoded;

/**
 * A failed exchange with a MultispeQ. Every failure carries a stable {@link #reason()} code (used for dead-letter
 * topics and command responses) and the raw bytes the device sent, so nothing received is lost.
 */
public class MultispeqException extends Exception implements ReasonCoded {

    private static final byte[] NO_BYTES = new byte[0];

    private final String reason;
    private final transient byte[] rawBytes;

    public MultispeqException(String reason, String message, byte[] rawBytes, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.rawBytes = rawBytes == null ? NO_BYTES : rawBytes.clone();
    }

    public MultispeqException(String reason, String message, byte[] rawBytes) {
        this(reason, message, rawBytes, null);
    }

    /** A short, stable, kebab-case code: {@code timeout}, {@code crc-mismatch}, {@code device-absent}, ... */
    @Override
    public String reason() {
        return reason;
    }

    /** The bytes received from the device for this exchange (possibly empty, never {@code null}). */
    public byte[] rawBytes() {
        return rawBytes.clone();
    }
}
