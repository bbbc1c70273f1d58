package org.openjii.mmi.delivery;

import java.util.Locale;

/**
 * Where an identity's dead letters go ({@code mmi.dead-letters}): published to the broker on the dead-letter topic,
 * or kept in the outbox's quarantine and never published, for a broker whose policy allows the data topics only
 * (docs/dead-letters.md).
 */
public enum DeadLetterMode {

    /** Stored in the outbox and published to {@code <mmi.mqtt.dlq-topic>/<reason>}, like data. */
    PUBLISH,
    /** Kept in the outbox's quarantine, under {@code mmi.outbox.dead-letter-max-mb}; read with mmi dead-letters. */
    LOCAL;

    public static final String SETTING = "mmi.dead-letters";

    /**
     * @throws IllegalArgumentException naming {@value #SETTING}, for anything but publish or local
     */
    public static DeadLetterMode parse(String text) {
        String mode = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "publish" -> PUBLISH;
            case "local" -> LOCAL;
            default -> throw new IllegalArgumentException(SETTING + " must be publish or local, was '" + text + "'");
        };
    }
}
