package org.openjii.mmi.device;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a session's connection: opening the port on the control thread, the handshake, the read loop on the
 * reader thread, and reopening with exponential backoff after a failed open or a lost link, until the session closes.
 * Owns the session's {@link DeviceSession.State}.
 */
final class SessionConnector {

    /** Reads the device's identity after a connect; {@code null} when it could not be read. */
    @FunctionalInterface
    interface Handshake {

        DeviceInfo run() throws MultispeqException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);
    private static final int READ_BUFFER_BYTES = 16 * 1024;
    /** Doublings of the reconnect delay before it stops growing (it is capped by reconnectMaxDelay anyway). */
    private static final int MAX_BACKOFF_SHIFT = 20;

    private final String name;
    private final TransportOpener opener;
    private final DeviceSession.Options options;
    private final ScheduledExecutorService control;
    private final ExecutorService reader;
    private final SessionIo io;
    private final SessionListeners listeners;
    private final Handshake handshake;
    private final Object stateLock = new Object();

    private volatile DeviceSession.State state = DeviceSession.State.DISCONNECTED;
    private volatile DeviceInfo deviceInfo;
    private volatile String lastError;
    private volatile Instant connectedSince;
    private int failedAttempts;
    private Future<?> pendingConnect;

    SessionConnector(String name, TransportOpener opener, DeviceSession.Options options,
            ScheduledExecutorService control, ExecutorService reader, SessionIo io, SessionListeners listeners,
            Handshake handshake) {
        this.name = name;
        this.opener = opener;
        this.options = options;
        this.control = control;
        this.reader = reader;
        this.io = io;
        this.listeners = listeners;
        this.handshake = handshake;
    }

    DeviceSession.State state() {
        return state;
    }

    boolean isReady() {
        return state == DeviceSession.State.READY;
    }

    DeviceInfo deviceInfo() {
        return deviceInfo;
    }

    String lastError() {
        return lastError;
    }

    Instant connectedSince() {
        return connectedSince;
    }

    /** Starts connecting on the control thread, unless the session is connecting, connected or closed. */
    void start() {
        synchronized (stateLock) {
            if (io.isClosed() || pendingConnect != null || io.transport() != null) {
                return;
            }
            setState(DeviceSession.State.CONNECTING, "opening " + name);
            pendingConnect = control.submit(this::connect);
        }
    }

    boolean awaitReady(Duration timeout) throws InterruptedException {
        SessionTime time = io.time();
        long deadline = time.nanoTime() + timeout.toNanos();
        synchronized (stateLock) {
            while (state != DeviceSession.State.READY && !io.isClosed()) {
                long remaining = deadline - time.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                time.timedWait(stateLock, remaining);
            }
            return state == DeviceSession.State.READY;
        }
    }

    /**
     * Closes the port for good: the command in flight fails as {@code device-absent}, a run or stream in progress is
     * cancelled first. False when the session was closed already.
     */
    boolean close() {
        SerialTransport t;
        synchronized (stateLock) {
            if (!io.markClosed()) {
                return false;
            }
            if (pendingConnect != null) {
                pendingConnect.cancel(false);
            }
            t = io.takeTransport();
        }
        ReplyCollector c = io.inFlight();
        if (c != null) {
            c.fail(new DeviceAbsentException("The session for " + name + " was closed", null));
        }
        if (t != null) {
            if (c != null && (c.request.isMeasurement() || c.request.expect() == DeviceRequest.Expect.STREAM)) {
                io.writeCancel(t);
            }
            t.close();
        }
        setState(DeviceSession.State.CLOSED, "closed");
        return true;
    }

    private void connect() {
        synchronized (stateLock) {
            pendingConnect = null;
            if (io.isClosed()) {
                return;
            }
        }
        SerialTransport t;
        try {
            t = opener.open();
        } catch (IOException | RuntimeException e) {
            connectFailed(e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        }
        synchronized (stateLock) {
            if (!io.attach(t)) {
                t.close();
                return;
            }
        }
        io.resetDecoder();
        try {
            reader.execute(() -> readLoop(t));
        } catch (RejectedExecutionException e) {
            t.close();
            return;
        }
        try {
            if (options.handshake()) {
                deviceInfo = handshake.run();
            }
        } catch (MultispeqException e) {
            io.drop(t);
            t.close();
            connectFailed(t.portPath() + " did not answer as a MultispeQ: " + e.getMessage());
            return;
        }
        synchronized (stateLock) {
            if (io.transport() != t) {
                return;
            }
            failedAttempts = 0;
            connectedSince = io.time().now();
            lastError = null;
            DeviceInfo info = deviceInfo;
            setState(DeviceSession.State.READY, (info == null ? "MultispeQ" : info.describe()) + " at "
                    + t.systemPath());
        }
    }

    private void connectFailed(String why) {
        synchronized (stateLock) {
            if (io.isClosed()) {
                return;
            }
            failedAttempts++;
            long delay = Math.min(options.reconnectMaxDelay().toMillis(),
                    options.reconnectDelay().toMillis() << Math.min(failedAttempts - 1, MAX_BACKOFF_SHIFT));
            boolean changed = !why.equals(lastError);
            lastError = why;
            if (changed || failedAttempts % 10 == 1) {
                LOG.warn("{}: no MultispeQ ({}); retrying in {} ms (attempt {})", name, why, delay, failedAttempts);
            } else {
                LOG.debug("{}: still no MultispeQ ({}); retrying in {} ms (attempt {})", name, why, delay,
                        failedAttempts);
            }
            setState(DeviceSession.State.DISCONNECTED, why);
            try {
                pendingConnect = control.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                LOG.debug("{}: control executor stopped; no more reconnect attempts", name);
            }
        }
    }

    /** The reader thread: reads until the port fails, is replaced, or the session closes. */
    private void readLoop(SerialTransport t) {
        byte[] buffer = new byte[READ_BUFFER_BYTES];
        try {
            while (!io.isClosed() && io.transport() == t) {
                int n = t.read(buffer, options.readTimeoutMillis());
                if (n < 0) {
                    linkLost(t, "the device went away (" + t.systemPath() + " closed)");
                    return;
                }
                if (n > 0) {
                    io.onBytes(buffer, n);
                }
            }
        } catch (IOException e) {
            linkLost(t, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{}: unexpected failure while reading; closing the port", name, e);
            linkLost(t, e.toString());
        }
    }

    /**
     * The port failed: the command in flight fails with what it received ({@code truncated} when a reply was half
     * read, else {@code device-absent}), and reopening starts.
     */
    void linkLost(SerialTransport t, String why) {
        if (!io.release(t)) {
            return;
        }
        byte[] partial = io.takePending();
        t.close();
        ReplyCollector c = io.inFlight();
        if (c != null) {
            byte[] received = c.receivedSoFar(partial);
            if (partial.length > 0) {
                c.fail(new TruncatedFrameException("The device went away mid-reply (" + partial.length
                        + " bytes received) at " + name + ": " + why, received));
            } else {
                c.fail(new DeviceAbsentException("The device went away during " + c.request.describe() + " at "
                        + name + ": " + why, received));
            }
        } else if (partial.length > 0) {
            LOG.warn("{}: the device went away with {} unread bytes of output nobody asked for", name,
                    partial.length);
        }
        synchronized (stateLock) {
            connectedSince = null;
        }
        connectFailed("link lost: " + why);
    }

    private void setState(DeviceSession.State newState, String detail) {
        synchronized (stateLock) {
            DeviceSession.State old = state;
            state = newState;
            stateLock.notifyAll();
            if (old == newState && newState != DeviceSession.State.READY) {
                return;
            }
        }
        if (newState == DeviceSession.State.READY) {
            LOG.info("{}: connected to {}", name, detail);
        }
        listeners.stateChanged(newState, detail);
    }
}
