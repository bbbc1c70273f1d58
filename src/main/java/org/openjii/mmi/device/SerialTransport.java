package org.openjii.mmi.device;

import java.io.Closeable;
import java.io.IOException;

/**
 * An open serial link to one device: the seam between the device session and jSerialComm (or the in-process
 * simulator). Implementations turn every library failure into an {@link IOException} that names the port.
 */
public interface SerialTransport extends Closeable {

    /** The path the link was opened with, e.g. {@code /dev/serial/by-id/usb-Teensyduino_...} or {@code sim}. */
    String portPath();

    /** The device node behind it, e.g. {@code /dev/ttyACM0} (symbolic links resolved). */
    String systemPath();

    /**
     * Reads what has arrived, waiting at most {@code timeoutMillis} for the first byte.
     *
     * @return the number of bytes read, 0 when nothing arrived in time, -1 when the device is gone
     */
    int read(byte[] buffer, int timeoutMillis) throws IOException;

    /** Writes all bytes, in one write where the driver allows it. */
    void write(byte[] data) throws IOException;

    /** Drops anything received but not yet read (stale fragments of an earlier reply). */
    void clearInput() throws IOException;

    boolean isOpen();

    /** Closes the link; never throws, may be called more than once. */
    @Override
    void close();
}
