package org.openjii.mmi;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

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

    /**
     * The first failure in {@code failure}'s cause chain that carries a reason: Camel and executors wrap the
     * exception that knows what went wrong ({@code CamelExecutionException}, {@code RuntimeCamelException}), so the
     * outermost exception rarely has it. Each throwable is looked at once, so a cyclic chain ends.
     *
     * @return the coded failure, or {@code null} when none in the chain has a non-blank reason
     */
    static ReasonCoded find(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof ReasonCoded coded && coded.reason() != null && !coded.reason().isBlank()) {
                return coded;
            }
        }
        return null;
    }
}
