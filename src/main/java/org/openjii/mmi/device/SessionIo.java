package org.openjii.mmi.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.openjii.mmi.message.FailureReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of one session: the port in use, the {@link FrameDecoder} every read goes through, the
 * {@link ReplyCollector} waiting for a reply, and when bytes last moved either way (quiet periods count from then).
 * The reader thread feeds it; the thread of a command writes and waits. The decoder is also the lock that guards
 * itself and the collector in flight; this object's own monitor guards the port.
 */
final class SessionIo {

    /** Stops a measurement, a stream or a question in progress. */
    private static final byte[] CANCEL = "-1+\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);

    private final String name;
    private final SessionTime time;
    private final SessionListeners listeners;
    private final FrameDecoder decoder;
    private final Object writeLock = new Object();
    private final Object activity = new Object();

    private volatile SerialTransport transport;
    private volatile boolean closed;
    private volatile ReplyCollector inFlight;
    private volatile long lastByteNanos;
    private volatile long lastWriteNanos;

    SessionIo(String name, int maxFrameSize, SessionTime time, SessionListeners listeners) {
        this.name = name;
        this.time = time;
        this.listeners = listeners;
        this.decoder = new FrameDecoder(maxFrameSize, new Dispatch());
        long now = time.nanoTime();
        this.lastByteNanos = now;
        this.lastWriteNanos = now;
    }

    String name() {
        return name;
    }

    SessionTime time() {
        return time;
    }

    SessionListeners listeners() {
        return listeners;
    }

    // ------------------------------------------------------------------ the port

    /** The port in use, or {@code null} while none is open. */
    SerialTransport transport() {
        return transport;
    }

    boolean isClosed() {
        return closed;
    }

    /** Makes {@code t} the port in use; false, changing nothing, once the session is closed. */
    synchronized boolean attach(SerialTransport t) {
        if (closed) {
            return false;
        }
        transport = t;
        return true;
    }

    /** Stops using {@code t} after it failed; false when it was no longer in use or the session is closed. */
    synchronized boolean release(SerialTransport t) {
        if (transport != t || closed) {
            return false;
        }
        transport = null;
        return true;
    }

    /** Stops using {@code t} if it is in use (a port that did not answer the handshake). */
    synchronized void drop(SerialTransport t) {
        if (transport == t) {
            transport = null;
        }
    }

    /** Closes the session for good; false when it was closed already. */
    synchronized boolean markClosed() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }

    /** The port in use, which is then in use no more ({@code null} if none). */
    synchronized SerialTransport takeTransport() {
        SerialTransport t = transport;
        transport = null;
        return t;
    }

    // ------------------------------------------------------------------ reading

    /** Bytes read from the port: decoded into frames, which go to the collector in flight. */
    void onBytes(byte[] buffer, int count) {
        long now = time.clock().millis();
        lastByteNanos = time.nanoTime();
        synchronized (decoder) {
            decoder.feed(buffer, 0, count, now);
            ReplyCollector c = inFlight;
            if (c != null) {
                c.afterBytes(decoder);
            }
        }
        synchronized (activity) {
            activity.notifyAll();
        }
    }

    /** Forgets any unfinished output (a new port, a new request). */
    void resetDecoder() {
        synchronized (decoder) {
            decoder.reset();
        }
    }

    /** The unfinished output received so far. */
    byte[] pending() {
        synchronized (decoder) {
            return decoder.pending();
        }
    }

    /** The unfinished output received so far, which is then forgotten. */
    byte[] takePending() {
        synchronized (decoder) {
            byte[] partial = decoder.pending();
            decoder.reset();
            return partial;
        }
    }

    long lastByteNanos() {
        return lastByteNanos;
    }

    /** When a byte last went either way. */
    long lastActivityNanos() {
        return Math.max(lastByteNanos, lastWriteNanos);
    }

    // ------------------------------------------------------------------ the collector in flight

    ReplyCollector inFlight() {
        return inFlight;
    }

    /** Forgets unfinished output and sends the frames that follow to {@code c}. */
    void expect(ReplyCollector c) {
        synchronized (decoder) {
            decoder.reset();
            inFlight = c;
        }
    }

    /** Sends frames to {@code c} no more, if it is still the collector in flight. */
    void done(ReplyCollector c) {
        synchronized (decoder) {
            if (inFlight == c) {
                inFlight = null;
            }
        }
    }

    /**
     * A JSON reply that ends with its closing brace and no checksum or line feed (a firmware built without
     * {@code Serial_Print_CRC()}, a v2 {@code print_memory}): after a quiet period the pending bytes are offered to
     * {@code c} as its reply; it takes them when they are one complete JSON object. Anything less stays pending and
     * the wait goes on.
     */
    void offerQuiet(ReplyCollector c) {
        synchronized (decoder) {
            if (inFlight != c || decoder.pendingLength() == 0 || decoder.lastVisiblePendingByte() != '}') {
                c.notQuietReply();
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

    // ------------------------------------------------------------------ writing

    /** Writes {@code bytes} to {@code t}; the write counts as activity for quiet periods. */
    void write(SerialTransport t, byte[] bytes) throws IOException {
        synchronized (writeLock) {
            t.write(bytes);
            lastWriteNanos = time.nanoTime();
        }
    }

    /** {@link #write}, a failure only logged: the read side notices a port that went away. */
    void writeQuietly(SerialTransport t, byte[] bytes) {
        try {
            write(t, bytes);
        } catch (IOException e) {
            LOG.debug("{}: write failed: {}", name, e.getMessage());
        }
    }

    /** Sends {@code -1+}, bypassing any queue: stops a run, a stream or a question. */
    void writeCancel(SerialTransport t) {
        writeQuietly(t, CANCEL);
    }

    /** Waits until nothing was written or received for {@code quietNanos}, at most {@code maxNanos}. */
    void awaitQuiet(long quietNanos, long maxNanos) {
        long deadline = time.nanoTime() + maxNanos;
        synchronized (activity) {
            while (true) {
                long now = time.nanoTime();
                long quietUntil = lastActivityNanos() + quietNanos;
                if (now >= quietUntil || now >= deadline || closed) {
                    return;
                }
                try {
                    time.timedWait(activity, Math.min(quietUntil, deadline) - now);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Where the decoder's frames go: to the collector in flight, else to the log and the listeners. */
    private final class Dispatch implements FrameListener {

        @Override
        public void onFrame(Frame frame) {
            ReplyCollector c = inFlight;
            if (c != null) {
                c.onFrame(frame);
                return;
            }
            LOG.warn("{}: output nobody asked for: {}", name, frame);
            listeners.unsolicited(frame);
        }

        @Override
        public void onOverflow(FrameOverflow overflow) {
            String message = "A reply exceeded maxFrameSize (" + overflow.limit() + " bytes) and was discarded";
            ReplyCollector c = inFlight;
            if (c != null) {
                c.frameTooLarge(new MultispeqException(FailureReason.FRAME_TOO_LARGE, message, overflow.head()));
            } else {
                LOG.warn("{}: {}; it began with: {}", name, message,
                        new String(overflow.head(), StandardCharsets.UTF_8));
            }
        }
    }
}
