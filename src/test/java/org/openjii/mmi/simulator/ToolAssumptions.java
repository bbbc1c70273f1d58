package org.openjii.mmi.simulator;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The rule for tests that need an external program (socat, mosquitto): without it they skip on a developer machine,
 * but fail when the environment variable {@code CI} is {@code true}, so a CI image that lost the program cannot
 * turn the tests silently green.
 */
public final class ToolAssumptions {

    private ToolAssumptions() {
    }

    /** True when running under CI ({@code CI=true}). */
    public static boolean onCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Skips the test when {@code tool} is missing, or fails it on CI. */
    public static void assumeTool(String tool, boolean available) {
        if (available) {
            return;
        }
        if (onCi()) {
            fail(tool + " is required on CI (CI=true) but is not installed");
        }
        assumeTrue(false, tool + " is not installed; skipping (this fails on CI)");
    }
}
