package org.openjii.mmi.device;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;

/**
 * A failed exchange with a MultispeQ: its {@link #reason()} and the raw bytes the device sent, so nothing received is
 * lost. A subclass exists only where a caller tells the failure apart by type (a timeout is retried, an absent device
 * ends a stream, ...); every other failure is this class with its reason.
 */
public class MultispeqException extends Exception implements ReasonCoded {

    private static final byte[] NO_BYTES = new byte[0];

    private final FailureReason reason;
    private final transient byte[] rawBytes;

    public MultispeqException(FailureReason reason, String message, byte[] rawBytes, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.rawBytes = rawBytes == null ? NO_BYTES : rawBytes.clone();
    }

    public MultispeqException(FailureReason reason, String message, byte[] rawBytes) {
        this(reason, message, rawBytes, null);
    }

    @Override
    public FailureReason reason() {
        return reason;
    }

    /** The bytes received from the device for this exchange (possibly empty, never {@code null}). */
    public byte[] rawBytes() {
        return rawBytes.clone();
    }
}
