package org.openjii.mmi.device;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.openjii.mmi.component.multispeq.transport.SerialTransport;
import org.openjii.mmi.component.multispeq.transport.TransportOpener;
import org.openjii.mmi.message.FailureReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conversation with one MultispeQ on one port, shared by every endpoint (and the CLI) that uses the port.
 * <ul>
 * <li><b>One command at a time</b>: the device has no request ids, replies are matched by order. Each command clears
 * stale input first and has a timeout; a measurement that times out is cancelled with {@code -1+}.</li>
 * <li><b>Handshake</b>: on every (re)connect {@code hello} must be answered with {@code MultispeQ Ready}, then
 * {@code device_info} is read and cached.</li>
 * <li><b>Unplug/replug</b>: when the link fails, the in-flight command fails at once with the bytes received so far,
 * the port is closed, and opening is retried with exponential backoff until the device is back.</li>
 * <li><b>Interactive protocols</b>: a question the device asks mid-run is answered from the request's answers, or
 * the run is cancelled; it never hangs.</li>
 * </ul>
 * Threads: a reader (blocking reads, frame decoding) and a control thread (connect, backoff), both supplied by the
 * owner so they come from Camel's ExecutorServiceManager when running in Camel.
 */
public final class DeviceSession implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);

    /** Where the session is in its life. */
    public enum State {
        CONNECTING,
        READY,
        DISCONNECTED,
        CLOSED
    }

    /** Told about state changes and about output nobody asked for. */
    public interface Listener {

        default void onStateChanged(DeviceSession session, State state, String detail) {
        }

        default void onUnsolicited(DeviceSession session, Frame frame) {
        }

        /**
         * A reply to a command or protocol sent with {@link #execute} (not the handshake's), on the sender's thread
         * right after it arrived: keep it short.
         */
        default void onReply(DeviceSession session, DeviceReply reply) {
        }

        /**
         * A line that arrived while a reply was awaited and was passed over (noise, a JSON line without checksum
         * that does not parse): the session went on waiting. On the reader thread: keep it short.
         */
        default void onSkipped(DeviceSession session, Frame frame, String why) {
        }
    }

    /**
     * @param maxFrameSize largest reply kept, in bytes; longer ones are discarded with an error
     * @param handshake send {@code hello} and {@code device_info} after every connect
     * @param reconnectDelay first wait before reopening a port that failed
     * @param reconnectMaxDelay longest wait between attempts (the wait doubles per failed attempt)
     * @param readTimeoutMillis how long one read blocks; bounds how fast the reader notices a stop
     * @param quietPeriod silence that ends a reply of unknown length (plain multi-line output)
     */
    public record Options(int maxFrameSize, boolean handshake, Duration reconnectDelay, Duration reconnectMaxDelay,
            int readTimeoutMillis, Duration quietPeriod) {

        public static Options defaults() {
            return new Options(1024 * 1024, true, Duration.ofSeconds(1), Duration.ofSeconds(30), 100,
                    Duration.ofMillis(300));
        }
    }

    private static final byte[] CANCEL = "-1+\r\n".getBytes(StandardCharsets.US_ASCII);
    /** fw 1.x joins two commands sent less than 500 ms apart (docs/multispeq-protocol.md, "Commands"). */
    private static final long FW1_COMMAND_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(600);
    private static final int STREAM_QUEUE_CAPACITY = 1024;

    private final String name;
    private final TransportOpener opener;
    private final Options options;
    private final ScheduledExecutorService control;
    private final ExecutorService reader;
    private final Clock clock;
    private final Runnable onClose;

    private final Semaphore commandPermit = new Semaphore(1, true);
    private final Object stateLock = new Object();
    private final Object writeLock = new Object();
    private final Object activity = new Object();
    private final FrameDecoder decoder;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private volatile State state = State.DISCONNECTED;
    private volatile SerialTransport transport;
    private volatile DeviceInfo deviceInfo;
    private volatile String lastError;
    private volatile Instant connectedSince;
    private volatile Collector inFlight;
    private volatile boolean closed;
    private volatile boolean quietBeforeNextWrite;
    private volatile long lastByteNanos = System.nanoTime();
    private volatile long lastWriteNanos = System.nanoTime();
    private int failedAttempts;
    private Future<?> pendingConnect;

    public DeviceSession(String name, TransportOpener opener, Options options, ScheduledExecutorService control,
            ExecutorService reader, Clock clock, Runnable onClose) {
        this.name = name;
        this.opener = opener;
        this.options = options;
        this.control = control;
        this.reader = reader;
        this.clock = clock;
        this.onClose = onClose;
        this.decoder = new FrameDecoder(options.maxFrameSize(), new DecoderListener());
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts connecting in the background; see {@link #awaitReady(Duration)}. */
    public void start() {
        synchronized (stateLock) {
            if (closed || pendingConnect != null || transport != null) {
                return;
            }
            setState(State.CONNECTING, "opening " + name);
            pendingConnect = control.submit(this::connect);
        }
    }

    /** Waits until the device is connected and has answered the handshake. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (stateLock) {
            while (state != State.READY && !closed) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(stateLock, remaining);
            }
            return state == State.READY;
        }
    }

    @Override
    public void close() {
        SerialTransport t;
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            closed = true;
            if (pendingConnect != null) {
                pendingConnect.cancel(false);
            }
            t = transport;
            transport = null;
        }
        Collector c = inFlight;
        if (c != null) {
            c.fail(new DeviceAbsentException("The session for " + name + " was closed", null));
        }
        if (t != null) {
            if (c != null && (c.request.isMeasurement() || c.request.expect() == DeviceRequest.Expect.STREAM)) {
                writeQuietly(t, CANCEL);
            }
            t.close();
        }
        setState(State.CLOSED, "closed");
        onClose.run();
    }

    private void connect() {
        synchronized (stateLock) {
            pendingConnect = null;
            if (closed) {
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
            if (closed) {
                t.close();
                return;
            }
            transport = t;
        }
        synchronized (decoder) {
            decoder.reset();
        }
        try {
            reader.execute(() -> readLoop(t));
        } catch (RejectedExecutionException e) {
            t.close();
            return;
        }
        try {
            if (options.handshake()) {
                handshake();
            }
        } catch (MultispeqException e) {
            dropTransport(t);
            connectFailed(t.portPath() + " did not answer as a MultispeQ: " + e.getMessage());
            return;
        }
        synchronized (stateLock) {
            if (transport != t) {
                return;
            }
            failedAttempts = 0;
            connectedSince = clock.instant();
            lastError = null;
            DeviceInfo info = deviceInfo;
            setState(State.READY, (info == null ? "MultispeQ" : info.describe()) + " at " + t.systemPath());
        }
    }

    private void handshake() throws MultispeqException {
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
                DeviceReply info = executeLocked(DeviceRequest.command("device_info"), true);
                deviceInfo = DeviceInfo.fromJson(info.json());
            } catch (MultispeqException e) {
                if (e instanceof DeviceAbsentException) {
                    throw e;
                }
                LOG.warn("{}: device_info failed ({}: {}); continuing without the device identity", name,
                        e.reason(), e.getMessage());
                deviceInfo = null;
            }
        } finally {
            commandPermit.release();
        }
    }

    private void connectFailed(String why) {
        synchronized (stateLock) {
            if (closed) {
                return;
            }
            failedAttempts++;
            long delay = Math.min(options.reconnectMaxDelay().toMillis(),
                    options.reconnectDelay().toMillis() << Math.min(failedAttempts - 1, 20));
            boolean changed = !why.equals(lastError);
            lastError = why;
            if (changed || failedAttempts % 10 == 1) {
                LOG.warn("{}: no MultispeQ ({}); retrying in {} ms (attempt {})", name, why, delay, failedAttempts);
            } else {
                LOG.debug("{}: still no MultispeQ ({}); retrying in {} ms (attempt {})", name, why, delay,
                        failedAttempts);
            }
            setState(State.DISCONNECTED, why);
            try {
                pendingConnect = control.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                LOG.debug("{}: control executor stopped; no more reconnect attempts", name);
            }
        }
    }

    // ------------------------------------------------------------------ reading

    private void readLoop(SerialTransport t) {
        byte[] buffer = new byte[16 * 1024];
        try {
            while (!closed && transport == t) {
                int n = t.read(buffer, options.readTimeoutMillis());
                if (n < 0) {
                    linkLost(t, "the device went away (" + t.systemPath() + " closed)");
                    return;
                }
                if (n > 0) {
                    onBytes(buffer, n);
                }
            }
        } catch (IOException e) {
            linkLost(t, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{}: unexpected failure while reading; closing the port", name, e);
            linkLost(t, e.toString());
        }
    }

    private void onBytes(byte[] buffer, int count) {
        long now = clock.millis();
        lastByteNanos = System.nanoTime();
        synchronized (decoder) {
            decoder.feed(buffer, 0, count, now);
            Collector c = inFlight;
            if (c != null) {
                c.afterBytes();
            }
        }
        synchronized (activity) {
            activity.notifyAll();
        }
    }

    private void linkLost(SerialTransport t, String why) {
        synchronized (stateLock) {
            if (transport != t || closed) {
                return;
            }
            transport = null;
        }
        byte[] partial;
        synchronized (decoder) {
            partial = decoder.pending();
            decoder.reset();
        }
        t.close();
        Collector c = inFlight;
        if (c != null) {
            byte[] received = c.receivedSoFar(partial);
            if (partial.length > 0) {
                c.fail(new TruncatedFrameException("The device went away mid-reply (" + partial.length
                        + " bytes received) at " + name + ": " + why,
                        received));
            } else {
                c.fail(new DeviceAbsentException(
                        "The device went away during " + c.request.describe() + " at " + name + ": " + why,
                        received));
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

    private void dropTransport(SerialTransport t) {
        synchronized (stateLock) {
            if (transport == t) {
                transport = null;
            }
        }
        t.close();
    }

    private final class DecoderListener implements FrameListener {

        @Override
        public void onFrame(Frame frame) {
            Collector c = inFlight;
            if (c != null && c.accepts()) {
                c.onFrame(frame);
                return;
            }
            LOG.warn("{}: output nobody asked for: {}", name, frame);
            for (Listener l : listeners) {
                l.onUnsolicited(DeviceSession.this, frame);
            }
        }

        @Override
        public void onOverflow(FrameOverflow overflow) {
            String message = "A reply exceeded maxFrameSize (" + overflow.limit() + " bytes) and was discarded";
            Collector c = inFlight;
            if (c != null) {
                c.frameTooLarge(new MultispeqException(FailureReason.FRAME_TOO_LARGE, message, overflow.head()));
            } else {
                LOG.warn("{}: {}; it began with: {}", name, message,
                        new String(overflow.head(), StandardCharsets.UTF_8));
            }
        }
    }

    // ------------------------------------------------------------------ commands

    /**
     * Sends a command or protocol and waits for its reply. Waits for the device while another command is in flight
     * (at most the request's timeout).
     */
    public DeviceReply execute(DeviceRequest request) throws MultispeqException {
        return execute(request, request.timeout());
    }

    /**
     * As {@link #execute(DeviceRequest)}, waiting at most {@code permitWait} for a command in flight to finish: a
     * background task (the status's battery refresh) gives up quickly instead of queueing behind a long protocol.
     *
     * @throws MultispeqTimeoutException when the device stayed busy for {@code permitWait}
     */
    public DeviceReply execute(DeviceRequest request, Duration permitWait) throws MultispeqException {
        if (request.expect() == DeviceRequest.Expect.STREAM) {
            throw new IllegalArgumentException(request.describe() + " runs continuously; use openStream");
        }
        acquirePermit(permitWait);
        DeviceReply reply;
        try {
            reply = executeLocked(request, false);
        } finally {
            commandPermit.release();
        }
        for (Listener l : listeners) {
            try {
                l.onReply(this, reply);
            } catch (RuntimeException e) {
                LOG.warn("{}: a session listener failed", name, e);
            }
        }
        return reply;
    }

    /** Starts a continuous command ({@code hall}, {@code 1053}); the device stays busy until the stream closes. */
    public DeviceStream openStream(DeviceRequest request) throws MultispeqException {
        if (request.expect() != DeviceRequest.Expect.STREAM) {
            throw new IllegalArgumentException(request.describe() + " is not a continuous command");
        }
        acquirePermit(DeviceRequest.CONSOLE_TIMEOUT);
        try {
            StreamCollector c = new StreamCollector(request);
            SerialTransport t = send(c, false);
            return new DeviceStream(this, c, t);
        } catch (MultispeqException | RuntimeException e) {
            commandPermit.release();
            throw e;
        }
    }

    /**
     * Cancels the command in flight ({@code -1+}, bypassing the queue).
     *
     * @return false when nothing was running
     */
    public boolean cancel() {
        return cancel(null);
    }

    /**
     * Cancels {@code request} if it is the one in flight ({@code null}: whatever is in flight).
     *
     * @return false when that request was not running
     */
    public boolean cancel(DeviceRequest request) {
        Collector c = inFlight;
        SerialTransport t = transport;
        if (c == null || t == null || (request != null && c.request != request)) {
            return false;
        }
        writeQuietly(t, CANCEL);
        c.fail(new CommandCancelledException("Cancelled: " + c.request.describe(), null));
        return true;
    }

    private void acquirePermit(Duration wait) throws MultispeqException {
        try {
            if (!commandPermit.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new MultispeqTimeoutException("The device at " + name + " stayed busy with another command for "
                        + wait.toMillis() + " ms",
                        null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandCancelledException("Interrupted while waiting for the device at " + name, null);
        }
    }

    private DeviceReply executeLocked(DeviceRequest request, boolean handshake) throws MultispeqException {
        Collector c = new Collector(request);
        SerialTransport t = send(c, handshake);
        Outcome outcome;
        try {
            outcome = c.await();
            while (outcome == Outcome.QUIET_REPLY) {
                completeQuietReply(c);
                outcome = c.await();
            }
        } finally {
            synchronized (decoder) {
                if (inFlight == c) {
                    inFlight = null;
                }
            }
        }
        if (outcome == Outcome.DONE) {
            return c.reply;
        }
        MultispeqException failure = c.failure;
        if (outcome == Outcome.TIMED_OUT) {
            byte[] partial;
            synchronized (decoder) {
                partial = decoder.pending();
            }
            failure = new MultispeqTimeoutException("No complete reply to " + request.describe() + " within "
                    + request.timeout().toMillis() + " ms at " + name
                    + describeReceived(c, partial),
                    c.receivedSoFar(partial));
        }
        if (request.isMeasurement() && !(failure instanceof DeviceAbsentException)
                && !(failure instanceof TruncatedFrameException && transport != t)) {
            abortRun(t, failure);
        } else if (failure instanceof MultispeqTimeoutException) {
            quietBeforeNextWrite = true;
        }
        throw failure;
    }

    /**
     * A JSON reply that ends with its closing brace and no checksum or line feed (a firmware built without
     * {@code Serial_Print_CRC()}, a v2 {@code print_memory}): after a quiet period the pending bytes are taken as the
     * reply when they are one complete JSON value. Anything less stays pending and the wait goes on.
     */
    private void completeQuietReply(Collector c) {
        synchronized (decoder) {
            if (inFlight != c || decoder.pendingLength() == 0 || decoder.lastVisiblePendingByte() != '}') {
                c.quietCandidate = false;
                return;
            }
            byte[] pending = decoder.pending();
            int end = pending.length;
            while (end > 0 && (pending[end - 1] == '\r' || pending[end - 1] == '\n' || pending[end - 1] == ' ')) {
                end--;
            }
            byte[] raw = Arrays.copyOf(pending, end);
            Frame frame = new Frame(Frame.Kind.LINE, raw, 0, raw.length, CrcStatus.ABSENT, null,
                    decoder.pendingFirstByteAt(), decoder.lastByteAt());
            if (c.completesQuietly(frame)) {
                decoder.reset();
            }
        }
    }

    private static String describeReceived(Collector c, byte[] partial) {
        int lines = c.unexpected.size();
        if (partial.length == 0 && lines == 0) {
            return " (nothing received)";
        }
        return " (" + partial.length + " bytes of an unfinished reply"
                + (lines > 0 ? ", " + lines + " other lines" : "")
                + ")";
    }

    /** Registers the collector, clears stale input, writes the request. */
    private SerialTransport send(Collector c, boolean handshake) throws MultispeqException {
        SerialTransport t = transport;
        if (t == null || closed || (!handshake && state != State.READY)) {
            String detail = lastError == null ? "" : " (" + lastError + ")";
            throw new DeviceAbsentException("No MultispeQ connected at " + name + detail, null);
        }
        if (quietBeforeNextWrite) {
            awaitQuiet(FW1_COMMAND_GAP_NANOS, TimeUnit.SECONDS.toNanos(3));
            quietBeforeNextWrite = false;
        }
        try {
            t.clearInput();
        } catch (IOException e) {
            linkLost(t, e.getMessage());
            throw new DeviceAbsentException("The device at " + name + " went away: " + e.getMessage(), null, e);
        }
        synchronized (decoder) {
            decoder.reset();
            inFlight = c;
        }
        c.sentAt = Instant.ofEpochMilli(clock.millis());
        try {
            synchronized (writeLock) {
                t.write(c.request.bytes());
                lastWriteNanos = System.nanoTime();
            }
        } catch (IOException e) {
            synchronized (decoder) {
                inFlight = null;
            }
            linkLost(t, e.getMessage());
            throw new DeviceAbsentException("Writing " + c.request.describe() + " to " + name + " failed: "
                    + e.getMessage(), null, e);
        }
        LOG.debug("{}: sent {}", name, c.request.describe());
        return t;
    }

    /**
     * After a measurement failed mid-run: stop it ({@code -1+}), let late output drain, then check with
     * {@code hello} that the device listens again.
     */
    private void abortRun(SerialTransport t, MultispeqException why) {
        if (transport != t) {
            return;
        }
        LOG.info("{}: cancelling the run after {}: {}", name, why.reason(), why.getMessage());
        writeQuietly(t, CANCEL);
        awaitQuiet(TimeUnit.MILLISECONDS.toNanos(300), TimeUnit.SECONDS.toNanos(3));
        quietBeforeNextWrite = true;
        try {
            executeLocked(DeviceRequest.command("hello"), false);
        } catch (MultispeqException e) {
            LOG.warn("{}: the device did not answer hello after the cancelled run ({})", name, e.getMessage());
        }
    }

    /** Waits until nothing was written or received for {@code quietNanos}, at most {@code maxNanos}. */
    private void awaitQuiet(long quietNanos, long maxNanos) {
        long deadline = System.nanoTime() + maxNanos;
        synchronized (activity) {
            while (true) {
                long now = System.nanoTime();
                long quietUntil = Math.max(lastByteNanos, lastWriteNanos) + quietNanos;
                if (now >= quietUntil || now >= deadline || closed) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(activity, Math.min(quietUntil, deadline) - now);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void writeQuietly(SerialTransport t, byte[] bytes) {
        try {
            synchronized (writeLock) {
                t.write(bytes);
                lastWriteNanos = System.nanoTime();
            }
        } catch (IOException e) {
            LOG.debug("{}: write failed: {}", name, e.getMessage());
        }
    }

    void closeStream(DeviceStream stream, StreamCollector c, SerialTransport t) {
        try {
            if (transport == t) {
                writeQuietly(t, CANCEL);
                awaitQuiet(TimeUnit.MILLISECONDS.toNanos(300), TimeUnit.SECONDS.toNanos(3));
                quietBeforeNextWrite = true;
            }
        } finally {
            synchronized (decoder) {
                if (inFlight == c) {
                    inFlight = null;
                }
            }
            commandPermit.release();
        }
    }

    // ------------------------------------------------------------------ state

    private void setState(State newState, String detail) {
        synchronized (stateLock) {
            State old = state;
            state = newState;
            stateLock.notifyAll();
            if (old == newState && newState != State.READY) {
                return;
            }
        }
        if (newState == State.READY) {
            LOG.info("{}: connected to {}", name, detail);
        }
        for (Listener l : listeners) {
            try {
                l.onStateChanged(this, newState, detail);
            } catch (RuntimeException e) {
                LOG.warn("{}: a session listener failed", name, e);
            }
        }
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** The port as configured: a path, {@code auto}, or {@code sim}. */
    public String name() {
        return name;
    }

    public State state() {
        return state;
    }

    public boolean isReady() {
        return state == State.READY;
    }

    /** The identity read by the last handshake, {@code null} before it or when {@code device_info} failed. */
    public DeviceInfo deviceInfo() {
        return deviceInfo;
    }

    /** The device node currently open, or {@code null}. */
    public String systemPath() {
        SerialTransport t = transport;
        return t == null ? null : t.systemPath();
    }

    /** Why the last connect attempt or the link failed; {@code null} while connected. */
    public String lastError() {
        return lastError;
    }

    public Instant connectedSince() {
        return connectedSince;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public String toString() {
        return "DeviceSession[" + name + ", " + state + "]";
    }

    // ------------------------------------------------------------------ reply collection

    private enum Outcome {
        DONE,
        FAILED,
        TIMED_OUT,
        /** Output ending in a closing brace has been quiet for a while: it may be a reply without checksum. */
        QUIET_REPLY
    }

    /** Gathers the reply to one request; fed by the reader thread, awaited by the sender. */
    class Collector {

        final DeviceRequest request;
        final List<Frame> frames = new ArrayList<>();
        final List<Frame> unexpected = new ArrayList<>();
        volatile Instant sentAt;
        DeviceReply reply;
        MultispeqException failure;
        boolean done;
        final PromptDetector prompts = new PromptDetector();
        /** Set by the reader when the pending output ends with a closing brace; checked after a quiet period. */
        volatile boolean quietCandidate;
        private int quietCheckedLength = -1;
        private long deadline;

        Collector(DeviceRequest request) {
            this.request = request;
        }

        boolean accepts() {
            return true;
        }

        synchronized void onFrame(Frame frame) {
            if (done) {
                unexpected.add(frame);
                return;
            }
            try {
                switch (request.expect()) {
                    case READY -> {
                        if (ReplyInterpreter.isReady(frame.text())) {
                            complete(List.of(frame), frame.text(), null, CrcStatus.ABSENT);
                        } else {
                            rejectErrorsOrKeep(frame);
                        }
                    }
                    case BATTERY -> {
                        if (frame.crcStatus() != CrcStatus.MISMATCH && ReplyInterpreter.battery(frame.text()) != null) {
                            complete(List.of(frame), frame.text(), null, frame.crcStatus());
                        } else {
                            rejectErrorsOrKeep(frame);
                        }
                    }
                    case JSON -> {
                        prompts.reset();
                        ReplyInterpreter.Json json = jsonOrSkip(frame);
                        if (json != null) {
                            complete(List.of(frame), json.text(), json, frame.crcStatus());
                        }
                    }
                    case LINE -> {
                        rejectErrors(frame);
                        complete(List.of(frame), frame.text(), null, frame.crcStatus());
                    }
                    case LINES, QUIET -> {
                        rejectErrors(frame);
                        frames.add(frame);
                        if (request.expectedLines() > 0 && frames.size() >= request.expectedLines()) {
                            completeLines();
                        }
                    }
                    default -> unexpected.add(frame);
                }
            } catch (MultispeqException e) {
                fail(e);
            }
        }

        /**
         * The JSON reply in {@code frame}, or {@code null} when the frame is none: a plain line, or a line without
         * checksum that is not a JSON reply (noise that begins with a bracket, a cut-off line, an array where a
         * measurement object is due). Those are skipped, logged and reported, and the wait for the reply goes on; a
         * checksummed frame that fails is the reply, and fails the request.
         */
        private ReplyInterpreter.Json jsonOrSkip(Frame frame) throws MultispeqException {
            ReplyInterpreter.Json json;
            try {
                json = ReplyInterpreter.json(frame);
            } catch (InvalidJsonException | TruncatedFrameException e) {
                if (frame.kind() != Frame.Kind.LINE) {
                    throw e;
                }
                skip(frame, e.getMessage());
                return null;
            }
            if (json == null) {
                unexpected.add(frame);
            } else if (request.isMeasurement() && frame.kind() == Frame.Kind.LINE && json.topLevel().isEmpty()
                    && !json.text().stripLeading().startsWith("{")) {
                skip(frame, "a JSON line without checksum that is not a measurement object");
                return null;
            }
            return json;
        }

        private void skip(Frame frame, String why) {
            unexpected.add(frame);
            LOG.warn("{}: skipped a line while waiting for {} ({}): {}", name, request.describe(), why, frame);
            for (Listener l : listeners) {
                try {
                    l.onSkipped(DeviceSession.this, frame, why);
                } catch (RuntimeException e) {
                    LOG.warn("{}: a session listener failed", name, e);
                }
            }
        }

        /** Completes with a reply found by {@link #completeQuietReply}; false when the bytes are not one yet. */
        synchronized boolean completesQuietly(Frame frame) {
            quietCandidate = false;
            quietCheckedLength = frame.rawArray().length;
            if (done) {
                return false;
            }
            try {
                ReplyInterpreter.Json json = ReplyInterpreter.json(frame);
                if (json == null || !json.text().stripLeading().startsWith("{")) {
                    return false;
                }
                LOG.info("{}: {} ended without checksum or line feed; taken as complete after {} ms of quiet", name,
                        request.describe(), options.quietPeriod().toMillis());
                complete(List.of(frame), json.text(), json, CrcStatus.ABSENT);
                return true;
            } catch (InvalidJsonException | TruncatedFrameException e) {
                return false;
            } catch (MultispeqException e) {
                fail(e);
                return true;
            }
        }

        private void rejectErrors(Frame frame) throws MultispeqException {
            if (frame.looksLikeJson() || ReplyInterpreter.isBadCommand(frame.text())) {
                ReplyInterpreter.json(frame);
            }
        }

        private void rejectErrorsOrKeep(Frame frame) throws MultispeqException {
            rejectErrors(frame);
            unexpected.add(frame);
        }

        /**
         * Called by the reader thread (holding the decoder) after every read: answers interactive prompts, once per
         * question, and notes output that may be a reply without checksum.
         */
        void afterBytes() {
            if (request.expect() == DeviceRequest.Expect.JSON) {
                int length = decoder.pendingLength();
                quietCandidate = length != quietCheckedLength && decoder.lastVisiblePendingByte() == '}';
            }
            if (request.protocol() == null) {
                return;
            }
            PromptDetector.Question question = prompts.find(decoder);
            if (question == null) {
                return;
            }
            prompts.answered(question);
            String answer = request.answers().next(question.type());
            if (answer == null) {
                fail(new PromptNotAnswerableException("The device asks (" + question.type() + ") \""
                        + question.text() + "\" and no configured answer is left",
                        decoder.pending()));
                return;
            }
            LOG.info("{}: answering {} \"{}\" with \"{}\"", name, question.type(), question.text(), answer);
            SerialTransport t = transport;
            if (t != null) {
                // No line ending: a CR/LF would become part of the next answer (docs/multispeq-protocol.md,
                // "Interactive protocols").
                writeQuietly(t, (answer + "+").getBytes(StandardCharsets.UTF_8));
            }
        }

        synchronized void frameTooLarge(MultispeqException e) {
            fail(e);
        }

        /** Completes with a plain reply ({@code json} null) or a validated JSON one. */
        private void complete(List<Frame> replyFrames, String text, ReplyInterpreter.Json json, CrcStatus crc) {
            Frame first = replyFrames.get(0);
            Frame last = replyFrames.get(replyFrames.size() - 1);
            SerialTransport t = transport;
            reply = new DeviceReply(request, replyFrames, text, json != null, json == null ? 0 : json.sanitizedTokens(),
                    crc, sentAt, Instant.ofEpochMilli(first.firstByteAt()), Instant.ofEpochMilli(last.lastByteAt()),
                    unexpected, t == null ? null : t.systemPath(), json == null ? null : json.topLevel());
            done = true;
            notifyAll();
        }

        private void completeLines() {
            if (frames.isEmpty()) {
                SerialTransport t = transport;
                Instant now = clock.instant();
                reply = new DeviceReply(request, List.of(), "", false, 0, CrcStatus.ABSENT, sentAt, now, now,
                        unexpected, t == null ? null : t.systemPath(), null);
                done = true;
                notifyAll();
                return;
            }
            StringBuilder text = new StringBuilder();
            for (Frame f : frames) {
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(f.text());
            }
            complete(new ArrayList<>(frames), text.toString(), null, CrcStatus.ABSENT);
        }

        synchronized void fail(MultispeqException e) {
            if (done) {
                return;
            }
            failure = e;
            done = true;
            notifyAll();
        }

        /** Everything received for this request: the lines kept so far, then the unfinished tail. */
        synchronized byte[] receivedSoFar(byte[] partial) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<Frame> all = new ArrayList<>(unexpected);
            all.addAll(frames);
            for (Frame f : all) {
                out.writeBytes(f.rawArray());
                out.write('\n');
            }
            out.writeBytes(partial);
            return out.toByteArray();
        }

        synchronized Outcome await() {
            if (deadline == 0) {
                deadline = System.nanoTime() + request.timeout().toNanos();
            }
            long quietNanos = request.expect() == DeviceRequest.Expect.QUIET
                    ? Math.max(options.quietPeriod().toNanos(), TimeUnit.MILLISECONDS.toNanos(500))
                    : options.quietPeriod().toNanos();
            boolean quietEnds = request.expect() == DeviceRequest.Expect.QUIET
                    || (request.expect() == DeviceRequest.Expect.LINES && request.expectedLines() == 0);
            boolean quietMayEnd = quietEnds || request.expect() == DeviceRequest.Expect.JSON;
            while (!done) {
                long now = System.nanoTime();
                if (quietCandidate && now - lastByteNanos >= options.quietPeriod().toNanos()) {
                    return Outcome.QUIET_REPLY;
                }
                if (quietEnds && (!frames.isEmpty() || request.expect() == DeviceRequest.Expect.QUIET)
                        && now - Math.max(lastByteNanos, lastWriteNanos) >= quietNanos) {
                    completeLines();
                    break;
                }
                long remaining = deadline - now;
                if (remaining <= 0) {
                    return Outcome.TIMED_OUT;
                }
                long wait = quietMayEnd ? Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)) : remaining;
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new CommandCancelledException("Interrupted while waiting for " + request.describe(),
                            null);
                    done = true;
                }
            }
            return failure == null ? Outcome.DONE : Outcome.FAILED;
        }
    }

    /** Queues the frames of a continuous command for the consumer thread. */
    final class StreamCollector extends Collector {

        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(STREAM_QUEUE_CAPACITY);
        private long dropped;

        StreamCollector(DeviceRequest request) {
            super(request);
        }

        @Override
        synchronized void onFrame(Frame frame) {
            offer(frame);
        }

        @Override
        synchronized void frameTooLarge(MultispeqException e) {
            offer(e);
        }

        @Override
        synchronized void fail(MultispeqException e) {
            if (!done) {
                done = true;
                failure = e;
                queue.clear();
                offer(e);
            }
        }

        private void offer(Object item) {
            if (!queue.offer(item)) {
                dropped++;
                LOG.warn("{}: stream consumer too slow, {} frames dropped so far (queue of {} full)", name, dropped,
                        STREAM_QUEUE_CAPACITY);
            }
        }

        Object poll(Duration timeout) throws InterruptedException {
            return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        synchronized boolean ended() {
            return done;
        }

        DeviceRequest request() {
            return request;
        }

        Instant sentAt() {
            return sentAt;
        }
    }
}
