package org.openjii.mmi.simulator;

import java.io.IOException;
import java.time.Duration;

/** Where a simulated MultispeQ's output goes: a pseudo-terminal, or the in-process transport. */
public interface DeviceLink {

    /** Bytes from the device to the host. */
    void write(byte[] data, int offset, int length) throws IOException;

    /**
     * The device disappears from USB, as on unplug, reboot or auto-shutdown.
     *
     * @param replugAfter when it comes back; {@code null} for never (until the test or operator replugs it)
     */
    void unplug(Duration replugAfter);
}
