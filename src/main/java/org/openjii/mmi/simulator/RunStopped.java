package org.openjii.mmi.simulator;

/**
 * Why the simulator's worker stops a reply or a run before its end. Control flow, not an error: thrown without a stack
 * trace and caught by the worker's loop.
 */
abstract sealed class RunStopped extends Exception permits RunStopped.Abandoned, RunStopped.Cancelled,
        RunStopped.Truncated {

    RunStopped() {
        super(null, null, false, false);
    }

    /** The run ends without further output: unplugged, a new link, or closed. */
    static final class Abandoned extends RunStopped {
    }

    /** The host sent {@code -1+}. */
    static final class Cancelled extends RunStopped {
    }

    /** A {@link SimulatorFault#TRUNCATE} cut the reply. */
    static final class Truncated extends RunStopped {
    }
}
