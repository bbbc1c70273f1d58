package org.openjii.mmi.message;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns an exception chain into one readable line for the terminal (the stack trace stays in the log): each message
 * once, a wrapper that only restates its cause left out.
 */
public final class Failures {

    private Failures() {
    }

    public static String describe(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        Set<String> messages = new LinkedHashSet<>();
        for (int i = 0; i < chain.size(); i++) {
            String message = chain.get(i).getMessage();
            if (message != null && !message.isBlank() && !restatesACause(message, chain.subList(i + 1, chain
                    .size()))) {
                messages.add(message.strip());
            }
        }
        return messages.isEmpty() ? failure.getClass().getSimpleName() : String.join("\n  caused by: ", messages);
    }

    /**
     * A wrapper whose message only names a cause adds nothing but class names: RuntimeCamelException (the cause's
     * toString), FailedToStartComponentException ("Failed to start component iot because of &lt;cause&gt;").
     */
    private static boolean restatesACause(String message, List<Throwable> causes) {
        return causes.stream().anyMatch(cause -> message.contains(cause.toString()));
    }
}
