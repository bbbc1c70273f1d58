package org.openjii.mmi.cli;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Turns an exception chain into one readable line for the terminal (the stack trace stays in the log). */
final class Failures {

    private Failures() {
    }

    static String describe(Throwable failure) {
        Set<String> messages = new LinkedHashSet<>();
        List<Throwable> seen = new ArrayList<>();
        for (Throwable t = failure; t != null && !seen.contains(t); t = t.getCause()) {
            seen.add(t);
            String message = t.getMessage();
            // A wrapper whose message is just its cause (RuntimeCamelException) adds nothing but a class name.
            boolean wrapper = t.getCause() != null && t.getCause().toString().equals(message);
            if (message != null && !message.isBlank() && !wrapper) {
                messages.add(message.strip());
            }
        }
        return messages.isEmpty() ? failure.getClass().getSimpleName() : String.join("\n  caused by: ", messages);
    }
}
