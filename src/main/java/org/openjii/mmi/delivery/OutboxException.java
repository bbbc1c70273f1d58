package org.openjii.mmi.delivery;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;

/**
 * The outbox could not take or give back a message: the disk is full or unwritable, the database is damaged
 * ({@code outbox-error}), the configured cap is reached and the policy is to refuse ({@code outbox-full}), or
 * another process has the outbox open ({@code outbox-in-use}).
 */
public class OutboxException extends RuntimeException implements ReasonCoded {

    public static final FailureReason OUTBOX_ERROR = FailureReason.OUTBOX_ERROR;
    public static final FailureReason OUTBOX_FULL = FailureReason.OUTBOX_FULL;
    public static final FailureReason OUTBOX_IN_USE = FailureReason.OUTBOX_IN_USE;

    private final FailureReason reason;

    public OutboxException(FailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    @Override
    public FailureReason reason() {
        return reason;
    }
}
