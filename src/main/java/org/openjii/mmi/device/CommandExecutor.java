package org.openjii.mmi.device;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a session's commands, one at a time: the device has no request ids, so replies are matched by order. Each
 * command clears stale input first and has a timeout; a measurement that fails mid-run is cancelled with {@code -1+}
 * and the device is asked {@code hello} before the next command.
 */
final class CommandExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);
    /** fw 1.x joins two commands sent less than 500 ms apart (docs/multispeq-protocol.md, "Commands"). */
    private static final long FW1_COMMAND_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(600);
    /** Late output of a cancelled run: how long the line must stay silent, and how long to wait for that at most. */
    private static final long DRAIN_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final long DRAIN_MAX_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final String name;
    private final SessionIo io;
    private final SessionConnector connection;
    private final SessionListeners listeners;
    private final Duration quietPeriod;
    private final Semaphore permit = new Semaphore(1, true);
    private volatile boolean quietBeforeNextWrite;

    CommandExecutor(String name, SessionIo io, SessionConnector connection, SessionListeners listeners,
            Duration quietPeriod) {
        this.name = name;
        this.io = io;
        this.connection = connection;
        this.listeners = listeners;
        this.quietPeriod = quietPeriod;
    }

    /** See {@link DeviceSession#execute(DeviceRequest, Duration)}. */
    DeviceReply execute(DeviceRequest request, Duration permitWait) throws MultispeqException {
        if (request.expect() == DeviceRequest.Expect.STREAM) {
            throw new IllegalArgumentException(request.describe() + " runs continuously; use openStream");
        }
        acquirePermit(permitWait);
        DeviceReply reply;
        try {
            reply = executeLocked(request, false);
        } finally {
            permit.release();
        }
        listeners.reply(reply);
        return reply;
    }

    /** See {@link DeviceSession#openStream(DeviceRequest)}. */
    DeviceStream openStream(DeviceRequest request) throws MultispeqException {
        if (request.expect() != DeviceRequest.Expect.STREAM) {
            throw new IllegalArgumentException(request.describe() + " is not a continuous command");
        }
        acquirePermit(DeviceRequest.CONSOLE_TIMEOUT);
        try {
            StreamCollector c = new StreamCollector(request, io, quietPeriod);
            SerialTransport t = send(c, false);
            return new DeviceStream(this, c, t);
        } catch (MultispeqException | RuntimeException e) {
            permit.release();
            throw e;
        }
    }

    /** See {@link DeviceSession#cancel(DeviceRequest)}. */
    boolean cancel(DeviceRequest request) {
        ReplyCollector c = io.inFlight();
        SerialTransport t = io.transport();
        if (c == null || t == null || (request != null && c.request != request)) {
            return false;
        }
        io.writeCancel(t);
        c.fail(new CommandCancelledException("Cancelled: " + c.request.describe(), null));
        return true;
    }

    /**
     * After every connect: {@code hello} (twice before giving up) must be answered with {@code MultispeQ Ready}, then
     * {@code device_info} is read.
     *
     * @return the device's identity, {@code null} when {@code device_info} failed (the session goes on without it)
     * @throws MultispeqException when the port does not answer as a MultispeQ
     */
    DeviceInfo handshake() throws MultispeqException {
        acquirePermit(DeviceRequest.QUICK_COMMAND_TIMEOUT.multipliedBy(2));
        try {
            DeviceReply hello = null;
            MultispeqTimeoutException lastTimeout = null;
            for (int attempt = 0; attempt < 2 && hello == null; attempt++) {
                try {
                    hello = executeLocked(DeviceRequest.command("hello"), true);
                } catch (MultispeqTimeoutException e) {
                    lastTimeout = e;
                }
            }
            if (hello == null) {
                throw lastTimeout;
            }
            try {
                return DeviceInfo.fromJson(executeLocked(DeviceRequest.command("device_info"), true).json());
            } catch (DeviceAbsentException e) {
                throw e;
            } catch (MultispeqException e) {
                LOG.warn("{}: device_info failed ({}: {}); continuing without the device identity", name,
                        e.reason(), e.getMessage());
                return null;
            }
        } finally {
            permit.release();
        }
    }

    private void acquirePermit(Duration wait) throws MultispeqException {
        try {
            if (!permit.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new MultispeqTimeoutException("The device at " + name + " stayed busy with another command for "
                        + wait.toMillis() + " ms", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandCancelledException("Interrupted while waiting for the device at " + name, null);
        }
    }

    private DeviceReply executeLocked(DeviceRequest request, boolean handshake) throws MultispeqException {
        ReplyCollector c = new ReplyCollector(request, io, quietPeriod);
        SerialTransport t = send(c, handshake);
        ReplyCollector.Outcome outcome;
        try {
            outcome = c.await();
            while (outcome == ReplyCollector.Outcome.QUIET_REPLY) {
                io.offerQuiet(c);
                outcome = c.await();
            }
        } finally {
            io.done(c);
        }
        if (outcome == ReplyCollector.Outcome.DONE) {
            return c.reply;
        }
        MultispeqException failure = c.failure;
        if (outcome == ReplyCollector.Outcome.TIMED_OUT) {
            byte[] partial = io.pending();
            failure = new MultispeqTimeoutException("No complete reply to " + request.describe() + " within "
                    + request.timeout().toMillis() + " ms at " + name + describeReceived(c, partial),
                    c.receivedSoFar(partial));
        }
        if (request.isMeasurement() && !(failure instanceof DeviceAbsentException)
                && !(failure instanceof TruncatedFrameException && io.transport() != t)) {
            abortRun(t, failure);
        } else if (failure instanceof MultispeqTimeoutException) {
            quietBeforeNextWrite = true;
        }
        throw failure;
    }

    private static String describeReceived(ReplyCollector c, byte[] partial) {
        int lines = c.unexpected.size();
        if (partial.length == 0 && lines == 0) {
            return " (nothing received)";
        }
        return " (" + partial.length + " bytes of an unfinished reply"
                + (lines > 0 ? ", " + lines + " other lines" : "")
                + ")";
    }

    /** Registers the collector, clears stale input, writes the request. */
    private SerialTransport send(ReplyCollector c, boolean handshake) throws MultispeqException {
        SerialTransport t = io.transport();
        if (t == null || io.isClosed() || (!handshake && !connection.isReady())) {
            String lastError = connection.lastError();
            throw new DeviceAbsentException("No MultispeQ connected at " + name
                    + (lastError == null ? "" : " (" + lastError + ")"), null);
        }
        if (quietBeforeNextWrite) {
            io.awaitQuiet(FW1_COMMAND_GAP_NANOS, DRAIN_MAX_NANOS);
            quietBeforeNextWrite = false;
        }
        try {
            t.clearInput();
        } catch (IOException e) {
            connection.linkLost(t, e.getMessage());
            throw new DeviceAbsentException("The device at " + name + " went away: " + e.getMessage(), null, e);
        }
        io.expect(c);
        c.sentAt = Instant.ofEpochMilli(io.time().clock().millis());
        try {
            io.write(t, c.request.bytes());
        } catch (IOException e) {
            io.done(c);
            connection.linkLost(t, e.getMessage());
            throw new DeviceAbsentException("Writing " + c.request.describe() + " to " + name + " failed: "
                    + e.getMessage(), null, e);
        }
        LOG.debug("{}: sent {}", name, c.request.describe());
        return t;
    }

    /**
     * After a measurement failed mid-run: stop it ({@code -1+}), let late output drain, then check with {@code hello}
     * that the device listens again.
     */
    private void abortRun(SerialTransport t, MultispeqException why) {
        if (io.transport() != t) {
            return;
        }
        LOG.info("{}: cancelling the run after {}: {}", name, why.reason(), why.getMessage());
        io.writeCancel(t);
        io.awaitQuiet(DRAIN_QUIET_NANOS, DRAIN_MAX_NANOS);
        quietBeforeNextWrite = true;
        try {
            executeLocked(DeviceRequest.command("hello"), false);
        } catch (MultispeqException e) {
            LOG.warn("{}: the device did not answer hello after the cancelled run ({})", name, e.getMessage());
        }
    }

    /** Ends a stream: {@code -1+}, late output drained, and the device free for the next command. */
    void closeStream(StreamCollector c, SerialTransport t) {
        try {
            if (io.transport() == t) {
                io.writeCancel(t);
                io.awaitQuiet(DRAIN_QUIET_NANOS, DRAIN_MAX_NANOS);
                quietBeforeNextWrite = true;
            }
        } finally {
            io.done(c);
            permit.release();
        }
    }
}
