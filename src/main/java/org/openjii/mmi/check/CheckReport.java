package org.openjii.mmi.check;

import org.openjii.mmi.delivery.tls.TransportCheck;

/**
 * Where the steps of {@code mmi check} report: one line per step, passed, failed with a hint for the fix, or skipped.
 * The command line prints them; the methods that return a boolean return whether the next steps can go on.
 */
public interface CheckReport {

    /** A step passed; {@code detail} says what was found. Returns true. */
    boolean pass(String step, String detail);

    /** A step failed: the problem and how to fix it. Returns false. */
    boolean fail(String step, String problem, String hint);

    /** A step was not made, and why. Returns false. */
    boolean skip(String step, String why);

    /** A step that does not apply to this setup: reported as skipped, but not in the way of the next ones. */
    default boolean notNeeded(String step, String why) {
        skip(step, why);
        return true;
    }

    /** Skips each named step (null entries are left out) because an earlier one failed. */
    default void skipAll(String... steps) {
        for (String step : steps) {
            if (step != null) {
                skip(step, "an earlier step failed");
            }
        }
    }

    /** A step of {@link TransportCheck}: passed or failed as it says. */
    default boolean outcome(String step, TransportCheck.Outcome outcome) {
        return outcome.passed() ? pass(step, outcome.detail()) : fail(step, outcome.detail(), outcome.hint());
    }
}
