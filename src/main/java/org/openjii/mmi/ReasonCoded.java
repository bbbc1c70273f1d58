package org.openjii.mmi;

/**
 * A failure with a stable, kebab-case reason code ({@code crc-mismatch}, {@code invalid-topic}, ...): the code names
 * the dead-letter topic and appears in command responses, so it never changes once released.
 */
public interface ReasonCoded {

    String reason();
}
