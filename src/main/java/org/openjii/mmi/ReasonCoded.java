package org.openjii.mmi;

import java.util.Map;

/**
 * A failure with a stable, kebab-case reason code ({@code crc-mismatch}, {@code invalid-topic}, ...): the code names
 * the dead-letter topic and appears in command responses, so it never changes once released.
 */
public interface ReasonCoded {

    String reason();

    /**
     * Extra facts for the dead-letter envelope, as top-level fields (e.g. {@code mqtt_reason_code}); values are
     * strings, numbers or booleans. None by default.
     */
    default Map<String, Object> details() {
        return Map.of();
    }
}
