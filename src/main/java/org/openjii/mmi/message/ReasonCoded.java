package org.openjii.mmi.message;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A failure that knows its {@link FailureReason}: the reason names the dead-letter topic and is the error code of a
 * command response.
 */
public interface ReasonCoded {

    FailureReason reason();

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
     * @return the coded failure, or {@code null} when none in the chain has a reason
     */
    static ReasonCoded find(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof ReasonCoded coded && coded.reason() != null) {
                return coded;
            }
        }
        return null;
    }

    /** The reason of a failure: that of the first cause that has one ({@link #find}), else internal-error. */
    static FailureReason reasonOf(Throwable failure) {
        ReasonCoded coded = find(failure);
        return coded != null ? coded.reason() : FailureReason.INTERNAL_ERROR;
    }
}
