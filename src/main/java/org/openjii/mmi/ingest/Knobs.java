package org.openjii.mmi.ingest;

import java.time.DateTimeException;
import java.time.ZoneId;

/**
 * Reading knob values as YAML {@code beans:} and optional placeholders deliver them: an unset optional property
 * arrives as an empty string, and a mistake must fail at startup naming the knob, not at the first message.
 */
final class Knobs {

    private Knobs() {
    }

    static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** Parses a time zone knob. */
    /** {@code value}, or an IllegalArgumentException naming the knob when it is below {@code minimum}. */
    static int atLeast(String knob, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(knob + " must be at least " + minimum + ", was " + value);
        }
        return value;
    }

    static ZoneId zone(String knob, String value) {
        try {
            return ZoneId.of(value.trim());
        } catch (DateTimeException | NullPointerException e) {
            throw new IllegalArgumentException(knob + " must be an IANA time zone such as Europe/Amsterdam, was '"
                    + value + "'", e);
        }
    }
}
