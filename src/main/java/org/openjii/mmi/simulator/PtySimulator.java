package org.openjii.mmi.simulator;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.apache.camel.util.concurrent.ThreadHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fazecast.jSerialComm.SerialPort;

/**
 * A {@link MultispeqSimulator} behind a real pseudo-terminal pair, so the bridge talks to it through its ordinary
 * serial code: {@code socat} creates two linked ptys, the host opens {@link #hostLink()} like a USB serial port, and
 * this class drives the other end ({@code <hostLink>.device}) with jSerialComm and pumps its bytes into the simulator.
 * <p>
 * Unplugging kills socat, so the host's port vanishes as on a real unplug (its reads fail or return end of stream,
 * the link path disappears); replugging starts a new pair under the same path, usually with a different
 * {@code /dev/pts} node, as USB re-enumeration may give. jSerialComm does not list ptys, but
 * {@code SerialPort.getCommPort(path)} opens them through the symbolic link.
 */
public final class PtySimulator implements DeviceLink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PtySimulator.class);
    private static final Duration LINK_WAIT = Duration.ofSeconds(5);
    private static final Duration SOCAT_EXIT_WAIT = Duration.ofSeconds(2);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final int READ_TIMEOUT_MILLIS = 100;
    private static final int WRITE_TIMEOUT_MILLIS = 1000;
    private static final int SOCAT_LOG_LINES = 20;
    private static final int UNPLUG_GRACE_MILLIS = 200;
    private static final String SOCAT = "socat";

    private final Path hostLink;
    private final Path deviceLink;
    private final MultispeqSimulator simulator;
    /**
     * Names its threads as Camel does; made here because {@code mmi simulate} and the tests that use a pty have no
     * CamelContext whose ExecutorServiceManager could lend them.
     */
    private final CamelThreadFactory threads;
    private final ScheduledExecutorService replugTimer;
    private final Object lock = new Object();

    // Guarded by lock.
    private Process socat;
    private Thread pump;
    private ScheduledFuture<?> pendingReplug;
    private boolean closed;
    private final Deque<String> socatLog = new ArrayDeque<>();

    private volatile SerialPort devicePort;
    private volatile boolean plugged;

    private PtySimulator(Path hostLink, MultispeqSimulator simulator) {
        this.hostLink = hostLink;
        this.deviceLink = Path.of(hostLink + ".device");
        this.simulator = simulator;
        this.threads = new CamelThreadFactory(ThreadHelper.DEFAULT_PATTERN, "PtySimulator[" + hostLink.getFileName()
                + "]", true);
        this.replugTimer = Executors.newSingleThreadScheduledExecutor(threads);
    }

    /**
     * Starts socat with a pty pair whose host end is the symbolic link {@code hostLink} (its folder must exist), and
     * plugs a new simulator into the other end. Returns when the host can open {@code hostLink}.
     *
     * @throws IOException when socat is missing, fails, or the links do not appear within 5 s
     */
    public static PtySimulator start(Path hostLink, SimulatorOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        String path = hostLink.toAbsolutePath().toString();
        if (path.matches(".*[,:!\\s\"'].*")) {
            throw new IllegalArgumentException("A pty link path for socat must not contain , : ! quotes or blanks: "
                    + path);
        }
        if (!socatAvailable()) {
            throw new IOException("socat is not installed (apt-get install socat); the pty simulator needs it");
        }
        PtySimulator pty = new PtySimulator(hostLink.toAbsolutePath(), new MultispeqSimulator(options));
        try {
            pty.plugIn();
        } catch (IOException | RuntimeException e) {
            pty.close();
            throw e;
        }
        return pty;
    }

    /** True when {@code socat} is in /usr/bin or on the PATH. */
    public static boolean socatAvailable() {
        if (Files.isExecutable(Path.of("/usr/bin", SOCAT))) {
            return true;
        }
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            return false;
        }
        for (String folder : pathVariable.split(File.pathSeparator)) {
            if (!folder.isEmpty() && Files.isExecutable(Path.of(folder, SOCAT))) {
                return true;
            }
        }
        return false;
    }

    /** The path the host opens, a symbolic link to the current {@code /dev/pts} node while plugged. */
    public Path hostLink() {
        return hostLink;
    }

    public MultispeqSimulator simulator() {
        return simulator;
    }

    public boolean isPlugged() {
        return plugged;
    }

    /** Unplugs now and stays unplugged (a pending automatic replug is cancelled). */
    public void unplug() {
        synchronized (lock) {
            cancelPendingReplug();
            unplugLocked();
        }
    }

    /**
     * Plugs the device back in under the same link path; returns when the host can open it. No effect while
     * plugged.
     *
     * @throws UncheckedIOException when socat cannot be started again
     * @throws IllegalStateException after {@link #close()}
     */
    public void replug() {
        try {
            plugIn();
        } catch (IOException e) {
            throw new UncheckedIOException("Replugging the simulated MultispeQ at " + hostLink + " failed", e);
        }
    }

    /**
     * Called by the simulator for {@link SimulatorFault#UNPLUG}: unplug, and replug after the delay unless null.
     * <p>
     * The bytes written just before must reach the host first: once socat dies, the kernel discards what the host
     * has not read yet, while a USB host would already hold them. So this waits until the device end's output
     * queue is empty and then gives a reading host {@value #UNPLUG_GRACE_MILLIS} ms before pulling the plug.
     */
    @Override
    public void unplug(Duration replugAfter) {
        letHostReadWhatWasWritten();
        synchronized (lock) {
            cancelPendingReplug();
            unplugLocked();
            if (replugAfter != null && !closed) {
                pendingReplug = replugTimer.schedule(this::replugFromTimer, replugAfter.toNanos(),
                        TimeUnit.NANOSECONDS);
            }
        }
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        SerialPort port = devicePort;
        if (port == null) {
            throw new IOException(deviceLink + " is unplugged");
        }
        int done = 0;
        while (done < length) {
            int n = port.writeBytes(data, length - done, offset + done);
            if (n <= 0) {
                throw new IOException("Writing to " + deviceLink + " failed: error " + port.getLastErrorCode());
            }
            done += n;
        }
    }

    /** Kills socat, removes the links and stops the simulator. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            cancelPendingReplug();
            unplugLocked();
        }
        simulator.close();
        replugTimer.shutdownNow();
    }

    @Override
    public String toString() {
        return "PtySimulator[" + hostLink + (plugged ? "" : ", unplugged") + "]";
    }

    private void letHostReadWhatWasWritten() {
        SerialPort port = devicePort;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNPLUG_GRACE_MILLIS * 5L);
        while (port != null && port.isOpen() && port.bytesAwaitingWrite() > 0 && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL_NANOS);
        }
        long graceEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNPLUG_GRACE_MILLIS);
        long remaining;
        while ((remaining = graceEnd - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
        }
    }

    private void replugFromTimer() {
        try {
            plugIn();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Replugging the simulated MultispeQ at {} failed", hostLink, e);
        }
    }

    private void cancelPendingReplug() {
        if (pendingReplug != null) {
            pendingReplug.cancel(false);
            pendingReplug = null;
        }
    }

    private void plugIn() throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(this + " is closed");
            }
            if (plugged) {
                return;
            }
            cancelPendingReplug();
            Files.deleteIfExists(hostLink);
            Files.deleteIfExists(deviceLink);
            ProcessBuilder builder = new ProcessBuilder(SOCAT, "-d", "-d", "pty,raw,echo=0,link=" + hostLink,
                    "pty,raw,echo=0,link=" + deviceLink);
            builder.redirectErrorStream(true);
            Process process = builder.start();
            socat = process;
            socatLog.clear();
            startLogDrain(process);
            try {
                awaitLinks(process);
                SerialPort port = openDeviceEnd();
                devicePort = port;
                // Connect before isPlugged() turns true: a host that saw it true may send at once.
                simulator.connect(this);
                plugged = true;
                pump = startPump(port);
            } catch (IOException | RuntimeException e) {
                unplugLocked();
                throw e;
            }
            LOG.info("Simulated MultispeQ {} plugged in at {} (socat pid {})", simulator.options().deviceId(),
                    hostLink, process.pid());
        }
    }

    /** Bounded wait until socat has created both links, or has died. */
    private void awaitLinks(Process process) throws IOException {
        long deadline = System.nanoTime() + LINK_WAIT.toNanos();
        while (!(Files.exists(hostLink) && Files.exists(deviceLink))) {
            if (!process.isAlive()) {
                throw new IOException("socat exited with " + process.exitValue() + " before creating " + hostLink
                        + ": " + socatOutput());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("socat did not create " + hostLink + " within " + LINK_WAIT.toSeconds()
                        + " s: " + socatOutput());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private SerialPort openDeviceEnd() throws IOException {
        SerialPort port = SerialPort.getCommPort(deviceLink.toString());
        port.setComPortParameters(115_200, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                READ_TIMEOUT_MILLIS, WRITE_TIMEOUT_MILLIS);
        if (!port.openPort()) {
            throw new IOException("Cannot open the device end " + deviceLink + ": error " + port.getLastErrorCode());
        }
        return port;
    }

    /** Host to device: reads the device end and hands the bytes to the simulator until the port closes. */
    private Thread startPump(SerialPort port) {
        Thread thread = threads.newThread(() -> {
            byte[] buffer = new byte[4096];
            while (devicePort == port && port.isOpen()) {
                int n = port.readBytes(buffer, buffer.length);
                if (n < 0) {
                    break;
                }
                if (n > 0) {
                    simulator.receive(buffer, 0, n);
                }
            }
            LOG.debug("Pump for {} stopped", deviceLink);
        });
        thread.start();
        return thread;
    }

    /** socat -d -d reports the pty names and errors on stderr: keep the last lines for error messages. */
    private void startLogDrain(Process process) {
        Thread thread = threads.newThread(() -> {
            try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    LOG.debug("socat: {}", line);
                    synchronized (socatLog) {
                        socatLog.addLast(line);
                        if (socatLog.size() > SOCAT_LOG_LINES) {
                            socatLog.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                LOG.trace("socat output closed", e);
            }
        });
        thread.start();
    }

    private String socatOutput() {
        // Give the drain thread a moment to read what a dying socat printed; bounded, no sleep loop.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        synchronized (socatLog) {
            return socatLog.isEmpty() ? "(no output)" : String.join(" | ", socatLog);
        }
    }

    /**
     * Kills socat first, so the host sees the port vanish and a write blocked on the device end fails, then
     * closes the device end and tells the simulator it is unplugged.
     */
    private void unplugLocked() {
        boolean wasPlugged = plugged;
        plugged = false;
        SerialPort port = devicePort;
        devicePort = null;
        Process process = socat;
        socat = null;
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(SOCAT_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(SOCAT_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (port != null) {
            port.closePort();
        }
        simulator.disconnect();
        Thread pumpThread = pump;
        pump = null;
        if (pumpThread != null && pumpThread != Thread.currentThread()) {
            try {
                pumpThread.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(hostLink);
            Files.deleteIfExists(deviceLink);
        } catch (IOException e) {
            LOG.debug("Could not remove the pty links at {}: {}", hostLink, e.toString());
        }
        if (wasPlugged) {
            LOG.info("Simulated MultispeQ {} unplugged from {}", simulator.options().deviceId(), hostLink);
        }
    }
}
