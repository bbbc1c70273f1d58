package org.openjii.mmi.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import sun.misc.Signal;

/**
 * SIGTERM is how the bridge is normally stopped (Kubernetes, systemd, {@code kill}, {@code Process.destroy()}): it
 * stops the bridge as {@code --max-seconds} does, and {@code mmi run} exits with 0. Left to the JVM, SIGTERM runs
 * Camel's shutdown hook just as gracefully but ends the process with 143, which reads as a failure. Written with
 * {@code sun.misc.Signal} (module jdk.unsupported, exported to every class path) because the JDK has no public API to
 * handle a signal; where the signal is not available the JVM's default stays.
 */
final class Sigterm {

    private static final Logger LOG = LoggerFactory.getLogger(Sigterm.class);

    private Sigterm() {
    }

    /** On SIGTERM, run {@code stop} (which must only signal the main thread to finish) instead of exiting. */
    static void stopGracefully(Runnable stop) {
        try {
            Signal.handle(new Signal("TERM"), signal -> {
                LOG.info("SIGTERM: stopping");
                stop.run();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("SIGTERM cannot be handled here ({}); the JVM's default applies", e.getMessage());
        }
    }
}
