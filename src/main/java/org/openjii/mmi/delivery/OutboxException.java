package org.openjii.mmi.delivery;

import org.openjii.mmi.ReasonCoded;

/**
 * The outbox could not take or give back a message: the disk is full or unwritable, the database is damaged
 * ({@code outbox-error}), the configured cap is reached and the policy is to refuse ({@code outbox-full}), or
 * another process has the outbox open ({@code outbox-in-use}).
 */
public class OutboxException extends RuntimeException implements ReasonCoded {

    public static final String OUTBOX_ERROR = "outbox-error";
    public static final String OUTBOX_FULL = "outbox-full";
    public static final String OUTBOX_IN_USE = "outbox-in-use";

    private final String reason;

    public OutboxException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    @Override
    public String reason() {
        return reason;
    }
}
