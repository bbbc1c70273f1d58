package org.openjii.mmi.delivery;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a message the broker refused out of the outbox: into the quarantine, intact, and, for a data message, its
 * dead letter in its place ({@link Outbox#refuse}) when the application gives one, with one line that says where
 * each went.
 */
final class RefusedMessages {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxPublisher.class);

    private final Outbox outbox;
    private final OutboxPublisher.DeadLetters deadLetters;

    RefusedMessages(Outbox outbox, OutboxPublisher.DeadLetters deadLetters) {
        this.outbox = outbox;
        this.deadLetters = deadLetters;
    }

    /**
     * Moves {@code entry} to the quarantine (and its dead letter into the outbox).
     *
     * @return false when that failed: the message stays in the outbox, and the failure is logged
     */
    boolean takeOut(OutboxEntry entry, PublishRefusedException refusal) {
        int code = refusal.reasonCode();
        try {
            Outbox.DeadLetter deadLetter = entry.kind() == OutboxEntry.Kind.DATA ? deadLetters.of(entry, refusal)
                    : null;
            long seq = outbox.refuse(entry, code, MqttReasonCodes.name(code), deadLetter);
            if (deadLetter != null) {
                LOG.warn("{}; not retrying. It is kept in the quarantine table of {}, and its dead letter (message {},"
                        + " #{}) {}", refusal.getMessage(), outbox.file(), deadLetter.messageId(), seq,
                        outbox.deadLetters() == DeadLetterMode.LOCAL ? "is kept there too (mmi.dead-letters=local)"
                                : "goes to " + deadLetter.topic());
            } else {
                LOG.error("{}; this is a {}, so it is only kept in the quarantine table of {}", refusal.getMessage(),
                        kind(entry), outbox.file());
            }
            return true;
        } catch (RuntimeException e) {
            LOG.error("Could not dead-letter the refused {}: {}; it stays in the outbox", entry, e.getMessage());
            return false;
        }
    }

    private static String kind(OutboxEntry entry) {
        return switch (entry.kind()) {
            case DATA -> "data message without a dead-letter envelope";
            case RESPONSE -> "command response";
            default -> "dead letter";
        };
    }
}
