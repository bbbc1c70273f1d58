package org.openjii.mmi.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import org.openjii.mmi.simulator.RunStopped.Abandoned;
import org.openjii.mmi.simulator.RunStopped.Cancelled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the host sent, as the firmware reads it (fw 1.17 {@code loop()} and {@code do_command()}): leading CR/LF are
 * skipped; input starting with {@code [} is a protocol, complete at the first CR or LF; anything else is a console
 * command, complete at {@code +}, CR or LF, its parameters {@code +}-separated; commands under 3 characters are
 * ignored, which makes an idle {@code -1+} harmless. While the device waits for an answer, everything up to {@code +}
 * is the answer. Input that arrives during a run stays buffered for afterwards; a {@code -1+} cancels the run and
 * drops what came before it.
 * <p>
 * Bytes arrive from any thread ({@link #offer}) tagged with the plug-in they belong to (its epoch); everything else
 * runs on the simulator's worker thread only.
 */
final class HostInput {

    /** A console command ({@code protocol} null) or a protocol line. */
    record Request(String protocol, String command, boolean plusTerminated) {
    }

    private record Chunk(long epoch, byte[] bytes) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqSimulator.class);
    /** fw 1.x reads parameters with {@code Serial_Input_Long("+", 500)}: at most 500 ms per parameter. */
    private static final long PARAMETER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** A protocol longer than this is cut, as the firmware's fixed buffer cuts it (7 to 9 KB on fw 1.x). */
    private static final int MAX_PROTOCOL_BYTES = 64 * 1024;
    /** Input without any terminator beyond this is line noise and dropped. */
    private static final int MAX_COMMAND_BYTES = 256;
    /** Buffered input beyond this is dropped (the device's serial buffer overflows). */
    private static final int MAX_BUFFERED_BYTES = 1 << 20;
    private static final long IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] NO_BYTES = new byte[0];
    private static final Request IGNORED = new Request(null, "", false);

    private final String deviceId;
    private final LongSupplier epoch;
    private final BooleanSupplier running;
    private final BlockingQueue<Chunk> inbox = new LinkedBlockingQueue<>();
    /** Input of a newer plug-in that arrived while a run of the previous one was being abandoned. */
    private final ArrayDeque<Chunk> carried = new ArrayDeque<>();
    private byte[] buffer = new byte[1024];
    private int buffered;
    private long bufferEpoch;
    private long runEpoch;
    private boolean discardToLineEnd;

    /**
     * @param epoch the current plug-in; input of an older one is dropped
     * @param running false once the simulator is closed
     */
    HostInput(String deviceId, LongSupplier epoch, BooleanSupplier running) {
        this.deviceId = deviceId;
        this.epoch = epoch;
        this.running = running;
    }

    /** Bytes from the host during plug-in {@code epoch}; any thread. */
    void offer(long epoch, byte[] bytes) {
        inbox.offer(new Chunk(epoch, bytes));
    }

    /** Wakes the worker after a plug or unplug, so it notices the new epoch. */
    void wake(long epoch) {
        offer(epoch, NO_BYTES);
    }

    /** The plug-in the request being served belongs to. */
    long runEpoch() {
        return runEpoch;
    }

    /** Blocks until the buffer holds a complete command or protocol. */
    Request nextRequest() throws InterruptedException {
        while (true) {
            syncEpoch();
            while (!carried.isEmpty()) {
                append(carried.poll());
            }
            Request request = parseRequest();
            if (request != null) {
                runEpoch = bufferEpoch;
                return request;
            }
            Chunk chunk = inbox.poll(IDLE_WAIT_NANOS, TimeUnit.NANOSECONDS);
            if (!running.getAsBoolean()) {
                throw new InterruptedException("closed");
            }
            if (chunk != null) {
                syncEpoch();
                append(chunk);
            }
        }
    }

    private void syncEpoch() {
        long now = epoch.getAsLong();
        if (now != bufferEpoch) {
            bufferEpoch = now;
            buffered = 0;
            discardToLineEnd = false;
        }
    }

    private Request parseRequest() {
        Request request;
        do {
            request = parseOne();
        } while (request == IGNORED);
        return request;
    }

    /** The next request, {@code null} when incomplete, {@link #IGNORED} for a command under 3 characters. */
    private Request parseOne() {
        if (discardToLineEnd) {
            int end = indexOfLineBreak();
            if (end < 0) {
                buffered = 0;
                return null;
            }
            consume(end + 1);
            discardToLineEnd = false;
        }
        skipLineBreaks();
        if (buffered == 0) {
            return null;
        }
        if (buffer[0] == '[') {
            int end = indexOfLineBreak();
            if (end < 0) {
                if (buffered < MAX_PROTOCOL_BYTES) {
                    return null;
                }
                String cut = new String(buffer, 0, MAX_PROTOCOL_BYTES, StandardCharsets.UTF_8);
                consume(MAX_PROTOCOL_BYTES);
                discardToLineEnd = true;
                return new Request(cut, null, false);
            }
            String protocol = new String(buffer, 0, end, StandardCharsets.UTF_8);
            consume(end + 1);
            return new Request(protocol, null, false);
        }
        int end = indexOfTerminator();
        if (end < 0) {
            if (buffered > MAX_COMMAND_BYTES) {
                LOG.debug("{}: dropping {} bytes of unterminated input", deviceId, buffered);
                buffered = 0;
            }
            return null;
        }
        boolean plus = buffer[end] == '+';
        String word = printablePrefix(end);
        consume(end + 1);
        if (word.length() < 3) {
            // fw: "short or null command, quietly ignore it" (this is what makes an idle -1+ harmless)
            return IGNORED;
        }
        return new Request(null, word, plus);
    }

    /**
     * Reads a command's {@code +}-separated parameters: {@code count} of them, or all up to the line end when
     * {@code count} is negative; a line break ends them early, and each may take up to 500 ms to arrive.
     */
    List<String> readParameters(boolean plusTerminated, int count) throws Abandoned, InterruptedException {
        List<String> parameters = new ArrayList<>();
        if (!plusTerminated) {
            return parameters;
        }
        while (count < 0 || parameters.size() < count) {
            int end = indexOfTerminator();
            if (end < 0) {
                if (!fill(PARAMETER_WAIT_NANOS)) {
                    break;
                }
                continue;
            }
            String token = printablePrefix(end);
            boolean plus = buffer[end] == '+';
            consume(end + 1);
            if (!token.isEmpty() || plus) {
                parameters.add(token);
            }
            if (!plus) {
                break;
            }
        }
        LOG.debug("{}: parameters {}", deviceId, parameters);
        return parameters;
    }

    /** Waits for {@code <answer>+}; leading CR/LF (left over from the protocol line) are skipped. */
    String awaitAnswer() throws Abandoned, Cancelled, InterruptedException {
        while (true) {
            skipLineBreaks();
            int plus = indexOf((byte) '+');
            if (plus >= 0) {
                String answer = new String(buffer, 0, plus, StandardCharsets.UTF_8);
                consume(plus + 1);
                if ("-1".equals(answer)) {
                    throw new Cancelled();
                }
                LOG.debug("{}: answer '{}'", deviceId, answer);
                return answer;
            }
            fill(IDLE_WAIT_NANOS);
        }
    }

    /** Waits {@code nanos} (0: just looks) while watching for {@code -1+}; other input stays buffered. */
    void waitCancellable(long nanos) throws Abandoned, Cancelled, InterruptedException {
        long deadline = System.nanoTime() + nanos;
        fill(0);
        scanForCancel();
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > 0) {
            if (fill(remaining)) {
                scanForCancel();
            }
        }
    }

    /** Waits {@code nanos}, buffering input without acting on it. */
    void waitQuietly(long nanos) throws Abandoned, InterruptedException {
        long deadline = System.nanoTime() + nanos;
        fill(0);
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > 0) {
            fill(remaining);
        }
    }

    private void scanForCancel() throws Cancelled {
        for (int i = 0; i + 2 < buffered; i++) {
            if (buffer[i] == '-' && buffer[i + 1] == '1' && buffer[i + 2] == '+'
                    && (i == 0 || buffer[i - 1] == '+' || buffer[i - 1] == '\r' || buffer[i - 1] == '\n')) {
                consume(i + 3);
                throw new Cancelled();
            }
        }
    }

    /**
     * Moves input that arrives within {@code nanos} into the buffer (0: only what is already queued).
     *
     * @return true when new bytes arrived
     * @throws Abandoned when the device was unplugged or closed meanwhile
     */
    private boolean fill(long nanos) throws Abandoned, InterruptedException {
        Chunk chunk = nanos <= 0 ? inbox.poll() : inbox.poll(nanos, TimeUnit.NANOSECONDS);
        boolean added = false;
        while (chunk != null) {
            if (chunk.epoch() > runEpoch) {
                carried.add(chunk);
            } else if (chunk.epoch() == runEpoch && chunk.bytes().length > 0) {
                append(chunk);
                added = true;
            }
            chunk = inbox.poll();
        }
        if (epoch.getAsLong() != runEpoch || !running.getAsBoolean()) {
            throw new Abandoned();
        }
        return added;
    }

    private void append(Chunk chunk) {
        if (chunk.epoch() != bufferEpoch) {
            return;
        }
        byte[] bytes = chunk.bytes();
        if (buffered + bytes.length > MAX_BUFFERED_BYTES) {
            LOG.debug("{}: input buffer full, dropping {} bytes", deviceId, bytes.length);
            return;
        }
        if (buffered + bytes.length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + bytes.length));
        }
        System.arraycopy(bytes, 0, buffer, buffered, bytes.length);
        buffered += bytes.length;
    }

    private void skipLineBreaks() {
        int n = 0;
        while (n < buffered && (buffer[n] == '\r' || buffer[n] == '\n')) {
            n++;
        }
        consume(n);
    }

    private int indexOf(byte wanted) {
        for (int i = 0; i < buffered; i++) {
            if (buffer[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private int indexOfLineBreak() {
        for (int i = 0; i < buffered; i++) {
            if (buffer[i] == '\r' || buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** End of a command word or parameter: {@code +}, CR or LF. */
    private int indexOfTerminator() {
        for (int i = 0; i < buffered; i++) {
            if (buffer[i] == '+' || buffer[i] == '\r' || buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The firmware cuts a command at its first non-printable character. */
    private String printablePrefix(int end) {
        int stop = 0;
        while (stop < end && buffer[stop] >= 0x20 && buffer[stop] < 0x7f) {
            stop++;
        }
        return new String(buffer, 0, stop, StandardCharsets.US_ASCII);
    }

    private void consume(int n) {
        if (n <= 0) {
            return;
        }
        System.arraycopy(buffer, n, buffer, 0, buffered - n);
        buffered -= n;
    }
}
