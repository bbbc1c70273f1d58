package org.openjii.mmi.device;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

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
 * <p>
 * The parts: {@link SessionConnector} (connection lifecycle), {@link CommandExecutor} (one command at a time),
 * {@link ReplyCollector} and {@link StreamCollector} (what completes a reply), {@link SessionIo} (the port, the
 * decoder and the quiet periods).
 */
public final class DeviceSession implements AutoCloseable {

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

    private final String name;
    private final Runnable onClose;
    private final SessionTime time;
    private final SessionListeners listeners;
    private final SessionIo io;
    private final SessionConnector connection;
    private final CommandExecutor commands;

    public DeviceSession(String name, TransportOpener opener, Options options, ScheduledExecutorService control,
            ExecutorService reader, Clock clock, Runnable onClose) {
        this(name, opener, options, control, reader, SessionTime.system(clock), onClose);
    }

    DeviceSession(String name, TransportOpener opener, Options options, ScheduledExecutorService control,
            ExecutorService reader, SessionTime time, Runnable onClose) {
        this.name = name;
        this.onClose = onClose;
        this.time = time;
        this.listeners = new SessionListeners(this);
        this.io = new SessionIo(name, options.maxFrameSize(), time, listeners);
        this.connection = new SessionConnector(name, opener, options, control, reader, io, listeners,
                this::handshake);
        this.commands = new CommandExecutor(name, io, connection, listeners, options.quietPeriod());
    }

    private DeviceInfo handshake() throws MultispeqException {
        return commands.handshake();
    }

    /** Starts connecting in the background; see {@link #awaitReady(Duration)}. */
    public void start() {
        connection.start();
    }

    /** Waits until the device is connected and has answered the handshake. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return connection.awaitReady(timeout);
    }

    /** Closes the port for good; the command in flight fails as {@code device-absent}. */
    @Override
    public void close() {
        if (connection.close()) {
            onClose.run();
        }
    }

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
        return commands.execute(request, permitWait);
    }

    /** Starts a continuous command ({@code hall}, {@code 1053}); the device stays busy until the stream closes. */
    public DeviceStream openStream(DeviceRequest request) throws MultispeqException {
        return commands.openStream(request);
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
        return commands.cancel(request);
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
        return connection.state();
    }

    public boolean isReady() {
        return connection.isReady();
    }

    /** The identity read by the last handshake, {@code null} before it or when {@code device_info} failed. */
    public DeviceInfo deviceInfo() {
        return connection.deviceInfo();
    }

    /** The device node currently open, or {@code null}. */
    public String systemPath() {
        SerialTransport t = io.transport();
        return t == null ? null : t.systemPath();
    }

    /** Why the last connect attempt or the link failed; {@code null} while connected. */
    public String lastError() {
        return connection.lastError();
    }

    public Instant connectedSince() {
        return connection.connectedSince();
    }

    public Clock clock() {
        return time.clock();
    }

    /** The port side of the session, for tests that hand over bytes as the reader thread would. */
    SessionIo io() {
        return io;
    }

    @Override
    public String toString() {
        return "DeviceSession[" + name + ", " + state() + "]";
    }
}
