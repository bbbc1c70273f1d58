package org.openjii.mmi.delivery;

import java.time.Duration;

/**
 * The outbox's caps. {@code dataBytes} ({@code mmi.outbox.max-mb}) holds measurements only; dead letters, command
 * responses and the raw inputs kept for dead letters share {@code otherBytes} ({@code mmi.outbox.dead-letter-max-mb}).
 * A raw input is kept at most {@code rawInputMaxAge} ({@code mmi.outbox.raw-input-max-age}).
 */
public record OutboxBudget(long dataBytes, long otherBytes, Duration rawInputMaxAge) {

    public static final long DEFAULT_OTHER_BYTES = 64L * 1024 * 1024;
    public static final Duration DEFAULT_RAW_INPUT_MAX_AGE = Duration.ofDays(7);

    public OutboxBudget {
        if (dataBytes < 1) {
            throw new IllegalArgumentException("mmi.outbox.max-mb must be positive, was " + dataBytes + " bytes");
        }
        if (otherBytes < 1) {
            throw new IllegalArgumentException("mmi.outbox.dead-letter-max-mb must be positive, was " + otherBytes
                    + " bytes");
        }
        if (rawInputMaxAge.isNegative()) {
            throw new IllegalArgumentException("mmi.outbox.raw-input-max-age must not be negative, was "
                    + rawInputMaxAge);
        }
    }

    /** {@code dataBytes} for measurements, the defaults for the rest. */
    public static OutboxBudget forData(long dataBytes) {
        return new OutboxBudget(dataBytes, DEFAULT_OTHER_BYTES, DEFAULT_RAW_INPUT_MAX_AGE);
    }
}
