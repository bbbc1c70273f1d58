package org.openjii.mmi.device;

import java.io.IOException;

/** Opens the link for a device session: a fixed path, the port found by an {@code auto} scan, or the simulator. */
@FunctionalInterface
public interface TransportOpener {

    /**
     * @throws IOException with a message that says what is missing or wrong (absent path, busy port, no device
     *     answering)
     */
    SerialTransport open() throws IOException;
}
