package org.openjii.mmi.component.multispeq.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.openjii.mmi.device.SerialTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortDataListener;
import com.fazecast.jSerialComm.SerialPortEvent;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;

/**
 * A serial port through jSerialComm: 8N1, no flow control, DTR and RTS asserted after opening.
 * <p>
 * jSerialComm opens ports exclusively and reports failures as {@code false} returns; this class keeps a registry of
 * the device nodes open in this JVM (so a second open says who holds the port instead of failing with an error
 * number) and turns every {@code false} into an {@link IOException} naming the port. Since jSerialComm 2.9 a vanished
 * device is not closed for us and cannot be reopened until it is (Fazecast/jSerialComm#472): a read error or the
 * {@code PORT_DISCONNECTED} event marks the link dead, the session closes it and reopens with backoff.
 */
public final class JSerialCommTransport implements SerialTransport {

    private static final Logger LOG = LoggerFactory.getLogger(JSerialCommTransport.class);
    private static final Map<String, String> OPEN_NODES = new ConcurrentHashMap<>();
    private static final int WRITE_TIMEOUT_MILLIS = 2000;
    private static final int ERRNO_EACCES = 13;

    private final SerialPort port;
    private final String portPath;
    private final String systemPath;
    private volatile boolean disconnected;
    private volatile boolean closed;
    private int readTimeoutMillis = -1;

    private JSerialCommTransport(SerialPort port, String portPath, String systemPath) {
        this.port = port;
        this.portPath = portPath;
        this.systemPath = systemPath;
    }

    /**
     * Opens {@code path} (a device node or a symbolic link to one, such as {@code /dev/serial/by-id/...}).
     *
     * @throws IOException naming the port and what went wrong
     */
    public static JSerialCommTransport open(String path, SerialSettings settings) throws IOException {
        if (path.startsWith("/") && !Files.exists(Path.of(path))) {
            throw new IOException(path + " does not exist (device not plugged in?)");
        }
        SerialPort port;
        try {
            port = SerialPort.getCommPort(path);
        } catch (SerialPortInvalidPortException e) {
            throw new IOException(path + " is not a usable serial port: " + e.getMessage(), e);
        }
        String systemPath = port.getSystemPortPath();
        String holder = OPEN_NODES.putIfAbsent(systemPath, path);
        if (holder != null) {
            throw new IOException(path + " (" + systemPath + ") is already open in this process as " + holder
                    + "; endpoints on one device must use the same port value");
        }
        boolean opened = false;
        try {
            port.setComPortParameters(settings.baudRate(), 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
            port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
            port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING, 100,
                    WRITE_TIMEOUT_MILLIS);
            if (!port.openPort()) {
                int error = port.getLastErrorCode();
                String hint = error == ERRNO_EACCES
                        ? " (permission denied: add the user to the 'dialout' group, or run the pod with"
                                + " supplemental group 20)"
                        : "";
                throw new IOException("Cannot open " + path + " (" + systemPath + "): error " + error + " at line "
                        + port.getLastErrorLocation() + hint);
            }
            JSerialCommTransport transport = new JSerialCommTransport(port, path, systemPath);
            // The device only talks while DTR is set; ptys refuse these serial-only ioctls, which is harmless.
            if (settings.dtr() && !port.setDTR()) {
                LOG.debug("{}: setDTR refused (error {}), normal on a pseudo-terminal", path,
                        port.getLastErrorCode());
            }
            if (settings.rts() && !port.setRTS()) {
                LOG.debug("{}: setRTS refused (error {}), normal on a pseudo-terminal", path,
                        port.getLastErrorCode());
            }
            port.addDataListener(transport.new DisconnectListener());
            opened = true;
            LOG.debug("Opened {} ({}) at {} baud", path, systemPath, settings.baudRate());
            return transport;
        } finally {
            if (!opened) {
                port.closePort();
                OPEN_NODES.remove(systemPath, path);
            }
        }
    }

    /** True when a port with this device node is open in this JVM. */
    public static boolean isOpenHere(String systemPath) {
        return OPEN_NODES.containsKey(systemPath);
    }

    @Override
    public String portPath() {
        return portPath;
    }

    @Override
    public String systemPath() {
        return systemPath;
    }

    @Override
    public int read(byte[] buffer, int timeoutMillis) throws IOException {
        if (closed || disconnected) {
            return -1;
        }
        if (timeoutMillis != readTimeoutMillis) {
            port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                    timeoutMillis, WRITE_TIMEOUT_MILLIS);
            readTimeoutMillis = timeoutMillis;
        }
        int n = port.readBytes(buffer, buffer.length);
        if (n < 0 || disconnected) {
            return -1;
        }
        return n;
    }

    @Override
    public void write(byte[] data) throws IOException {
        if (closed || disconnected) {
            throw new IOException(portPath + " is closed (device gone)");
        }
        int offset = 0;
        while (offset < data.length) {
            int n = port.writeBytes(data, data.length - offset, offset);
            if (n <= 0) {
                throw new IOException("Writing to " + portPath + " (" + systemPath + ") failed: error "
                        + port.getLastErrorCode() + " (device gone?)");
            }
            offset += n;
        }
    }

    @Override
    public void clearInput() {
        if (!closed && !disconnected) {
            port.flushIOBuffers();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && !disconnected && port.isOpen();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            port.removeDataListener();
            port.closePort();
        } finally {
            OPEN_NODES.remove(systemPath, portPath);
        }
        LOG.debug("Closed {} ({})", portPath, systemPath);
    }

    private final class DisconnectListener implements SerialPortDataListener {

        @Override
        public int getListeningEvents() {
            return SerialPort.LISTENING_EVENT_PORT_DISCONNECTED;
        }

        @Override
        public void serialEvent(SerialPortEvent event) {
            if (event.getEventType() == SerialPort.LISTENING_EVENT_PORT_DISCONNECTED) {
                LOG.debug("{}: jSerialComm reports the port disconnected", portPath);
                disconnected = true;
            }
        }
    }

    @Override
    public String toString() {
        return portPath.equals(systemPath) ? portPath : portPath + " -> " + systemPath;
    }
}
