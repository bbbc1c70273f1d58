package org.openjii.mmi.device;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts the MultispeQ byte stream into {@link Frame}s.
 * <p>
 * Rules (docs/multispeq-protocol.md, "Framing"):
 * <ul>
 * <li>Bytes accumulate until a line feed; trailing carriage returns are ignored and empty lines skipped.</li>
 * <li>A line ending in <code>'}'</code> plus eight hexadecimal digits is a JSON reply with checksum. The CRC-32 is
 * checked over the text before the digits. When it does not match and the line starts with noise, the decoder looks
 * for the <code>'{'</code> where a matching reply starts, so a valid reply behind garbage on the same line is still
 * found.</li>
 * <li>Any other line is a plain line (text, or JSON without checksum such as {@code {"battery":87}}).</li>
 * <li>A line that is only <code>'{'</code> or <code>'['</code> opens pretty-printed JSON (fw 0.54 to 1.20 print
 * {@code print_memory} that way): lines are joined until the brackets balance or a checksum ends the reply, at the end
 * of a line or on a line of its own; the checksum then covers all those bytes, line feeds included.</li>
 * <li>No frame may exceed {@code maxFrameSize} bytes: a longer one is reported once through
 * {@link FrameListener#onOverflow} and its bytes are dropped up to the next line feed, so memory stays bounded.</li>
 * </ul>
 * Hand-written rather than built on a line-based library decoder because a frame's end depends on the checksum rule
 * above and the decoder must expose the unterminated tail (interactive prompts end without a line feed). Not
 * thread-safe: one thread feeds it, or callers synchronize.
 * <p>
 * Over 400 lines as one class on purpose: one state machine over one buffer, whose rules share that state.
 */
public final class FrameDecoder {

    /** Noise candidates tried per line before giving up on finding a valid reply inside it. */
    private static final int MAX_RESYNC_CANDIDATES = 256;
    private static final int OVERFLOW_HEAD_BYTES = 64;
    private static final int INITIAL_CAPACITY = 4096;

    private enum Mode {
        LINE,
        PRETTY_JSON,
        DISCARDING
    }

    private final int maxFrameSize;
    private final FrameListener listener;

    private byte[] buffer;
    private int length;
    private Mode mode = Mode.LINE;
    private long firstByteAt;
    private long lineFirstByteAt;
    private long lastByteAt;
    private long discardedBytes;

    // Bracket balance of pretty-printed JSON, carried from line to line.
    private int lineStart;
    private int depth;
    private boolean inString;
    private boolean escaped;

    public FrameDecoder(int maxFrameSize, FrameListener listener) {
        if (maxFrameSize < 16) {
            throw new IllegalArgumentException("maxFrameSize must be at least 16 bytes, was " + maxFrameSize);
        }
        this.maxFrameSize = maxFrameSize;
        this.listener = listener;
        this.buffer = new byte[Math.min(INITIAL_CAPACITY, maxFrameSize + 1)];
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Feeds bytes read from the device at {@code now} (epoch milliseconds). */
    public void feed(byte[] data, int offset, int count, long now) {
        int end = offset + count;
        int i = offset;
        while (i < end) {
            int lf = indexOfLineFeed(data, i, end);
            int segmentEnd = lf < 0 ? end : lf;
            if (mode == Mode.DISCARDING) {
                discardedBytes += segmentEnd - i;
                if (lf < 0) {
                    return;
                }
                discardedBytes++;
                mode = Mode.LINE;
                i = lf + 1;
                continue;
            }
            int segmentLength = segmentEnd - i;
            if (length + segmentLength > maxFrameSize) {
                if (mode == Mode.PRETTY_JSON) {
                    // The joined lines are too large, but the line now arriving may be a one-line reply after a
                    // stray "{" line: drop the joined lines and look at this segment again as a plain line.
                    dropPrettyLines();
                    continue;
                }
                overflow(data, i, segmentLength, now);
                continue;
            }
            if (length == 0 && segmentLength > 0) {
                firstByteAt = now;
            }
            if (length == lineStart && segmentLength > 0) {
                lineFirstByteAt = now;
            }
            append(data, i, segmentLength);
            if (segmentLength > 0) {
                lastByteAt = now;
            }
            if (lf < 0) {
                return;
            }
            i = lf + 1;
            if (mode == Mode.PRETTY_JSON) {
                prettyLineComplete(now);
            } else {
                lineComplete();
            }
        }
    }

    /** Convenience for tests and the simulator. */
    public void feed(byte[] data, long now) {
        feed(data, 0, data.length, now);
    }

    /** Drops any unterminated data, e.g. a stale fragment before a new command is sent. */
    public void reset() {
        length = 0;
        mode = Mode.LINE;
        resetBalance();
    }

    /** Number of bytes received since the last complete frame. */
    public int pendingLength() {
        return mode == Mode.DISCARDING ? 0 : length;
    }

    /** A copy of the bytes received since the last complete frame. */
    public byte[] pending() {
        return Arrays.copyOf(buffer, pendingLength());
    }

    /** The last byte received since the last complete frame, or -1 when there is none. */
    public int lastPendingByte() {
        int n = pendingLength();
        return n == 0 ? -1 : buffer[n - 1] & 0xFF;
    }

    /** The end of the unterminated data as text (at most {@code maxBytes} bytes). */
    public String pendingTail(int maxBytes) {
        int n = pendingLength();
        int from = Math.max(0, n - maxBytes);
        return new String(buffer, from, n - from, StandardCharsets.UTF_8);
    }

    /** The unterminated data from byte {@code from} on, decoded with {@code charset}. */
    public String pendingText(int from, Charset charset) {
        int n = pendingLength();
        return new String(buffer, from, Math.max(0, n - from), charset);
    }

    /** The pending byte at {@code index} (0 to {@link #pendingLength()} - 1), as 0 to 255. */
    public int pendingByte(int index) {
        return buffer[index] & 0xFF;
    }

    /** The last pending byte that is not a space, tab, CR or LF, or -1 when there is none. */
    public int lastVisiblePendingByte() {
        for (int i = pendingLength() - 1; i >= 0; i--) {
            int b = buffer[i] & 0xFF;
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return b;
            }
        }
        return -1;
    }

    /** Time the first pending byte arrived (epoch milliseconds); meaningful only while {@link #pendingLength()} > 0. */
    public long pendingFirstByteAt() {
        return firstByteAt;
    }

    /** Time the last byte arrived (epoch milliseconds). */
    public long lastByteAt() {
        return lastByteAt;
    }

    /** Total bytes dropped because their frame exceeded {@code maxFrameSize}. */
    public long discardedBytes() {
        return discardedBytes;
    }

    /** Current buffer capacity, which never exceeds {@code maxFrameSize + 1}. */
    int capacity() {
        return buffer.length;
    }

    private void overflow(byte[] data, int from, int segmentLength, long now) {
        int fromBuffer = Math.min(length, OVERFLOW_HEAD_BYTES);
        byte[] head = new byte[Math.min(OVERFLOW_HEAD_BYTES, length + segmentLength)];
        System.arraycopy(buffer, 0, head, 0, fromBuffer);
        System.arraycopy(data, from, head, fromBuffer, head.length - fromBuffer);
        // With nothing buffered the oversized frame starts in this read, not in the one before.
        long first = length == 0 ? now : firstByteAt;
        discardedBytes += length;
        length = 0;
        resetBalance();
        mode = Mode.DISCARDING;
        listener.onOverflow(new FrameOverflow(head, maxFrameSize, first));
    }

    /** Reports the joined lines of pretty-printed JSON as an overflow and keeps only the line being received. */
    private void dropPrettyLines() {
        byte[] head = Arrays.copyOf(buffer, Math.min(OVERFLOW_HEAD_BYTES, lineStart));
        long first = firstByteAt;
        int kept = length - lineStart;
        System.arraycopy(buffer, lineStart, buffer, 0, kept);
        discardedBytes += lineStart;
        length = kept;
        firstByteAt = lineFirstByteAt;
        mode = Mode.LINE;
        resetBalance();
        listener.onOverflow(new FrameOverflow(head, maxFrameSize, first));
    }

    private void append(byte[] data, int from, int count) {
        if (count == 0) {
            return;
        }
        int needed = length + count + (mode == Mode.PRETTY_JSON ? 1 : 0);
        if (needed > buffer.length) {
            int grown = Math.max(needed, Math.min(buffer.length * 2, maxFrameSize + 1));
            buffer = Arrays.copyOf(buffer, grown);
        }
        System.arraycopy(data, from, buffer, length, count);
        length += count;
    }

    private void lineComplete() {
        int start = 0;
        int end = trimCarriageReturns(0, length);
        while (start < end && buffer[start] == '\r') {
            start++;
        }
        if (start == end) {
            length = 0;
            return;
        }
        if (opensPrettyJson(start, end)) {
            mode = Mode.PRETTY_JSON;
            resetBalance();
            updateBalance(start, end);
            appendLineFeed();
            lineStart = length;
            return;
        }
        if (endsWithChecksum(start, end)) {
            emitChecksummed(start, start, end);
        } else {
            emit(Frame.Kind.LINE, start, end, start, end, CrcStatus.ABSENT, null);
        }
        length = 0;
    }

    private void prettyLineComplete(long now) {
        int end = trimCarriageReturns(lineStart, length);
        if (end - lineStart == Crc32Checksum.HEX_DIGITS && Crc32Checksum.parseHex(buffer, lineStart) >= 0) {
            // The checksum on a line of its own (fw 1.20 print_memory ends its last line before the checksum).
            emitChecksummed(0, lineStart, end);
            length = 0;
            mode = Mode.LINE;
            return;
        }
        if (endsWithChecksum(lineStart, end)) {
            emitChecksummed(0, lineStart, end);
            length = 0;
            mode = Mode.LINE;
            return;
        }
        updateBalance(lineStart, end);
        if (depth <= 0) {
            emit(Frame.Kind.LINE, 0, end, 0, end, CrcStatus.ABSENT, null);
            length = 0;
            mode = Mode.LINE;
            return;
        }
        if (length + 1 > maxFrameSize) {
            // The line feed itself would cross the limit.
            overflow(new byte[0], 0, 0, now);
            mode = Mode.LINE;
            return;
        }
        appendLineFeed();
        lineStart = length;
    }

    private void appendLineFeed() {
        if (length + 1 > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.min(buffer.length * 2, maxFrameSize + 1));
        }
        buffer[length++] = '\n';
    }

    /**
     * Emits the reply in buffer[start, end) that ends with a checksum. {@code lastLineStart} is where its last line
     * begins (equal to {@code start} for a one-line reply).
     */
    private void emitChecksummed(int start, int lastLineStart, int end) {
        int textEnd = end - Crc32Checksum.HEX_DIGITS;
        long received = Crc32Checksum.parseHex(buffer, textEnd);
        String receivedText = new String(buffer, textEnd, Crc32Checksum.HEX_DIGITS, StandardCharsets.US_ASCII);
        if (Crc32Checksum.compute(buffer, start, textEnd - start) == received) {
            emit(Frame.Kind.CHECKSUMMED, start, end, start, textEnd, CrcStatus.VALID, receivedText);
            return;
        }
        // Resync: a one-line reply after stray lines is far likelier than one starting in an earlier line, so the
        // last line's candidates go first and noise in earlier lines cannot use up the budget.
        int[] budget = {MAX_RESYNC_CANDIDATES};
        int found = findReplyStart(Math.max(start + 1, lastLineStart), textEnd, textEnd, received, budget);
        if (found < 0 && lastLineStart > start + 1) {
            found = findReplyStart(start + 1, lastLineStart, textEnd, received, budget);
        }
        if (found >= 0) {
            emit(Frame.Kind.CHECKSUMMED, start, end, found, textEnd, CrcStatus.VALID, receivedText);
        } else {
            emit(Frame.Kind.CHECKSUMMED, start, end, start, textEnd, CrcStatus.MISMATCH, receivedText);
        }
    }

    /** The first '{' in [from, to) where a text up to {@code textEnd} matches {@code received}, or -1. */
    private int findReplyStart(int from, int to, int textEnd, long received, int[] budget) {
        for (int p = from; p < to && budget[0] > 0; p++) {
            if (buffer[p] == '{') {
                budget[0]--;
                if (Crc32Checksum.compute(buffer, p, textEnd - p) == received) {
                    return p;
                }
            }
        }
        return -1;
    }

    private void emit(Frame.Kind kind, int rawStart, int rawEnd, int textStart, int textEnd, CrcStatus status,
            String checksum) {
        byte[] raw = Arrays.copyOfRange(buffer, rawStart, rawEnd);
        listener.onFrame(new Frame(kind, raw, textStart - rawStart, textEnd - rawStart, status, checksum,
                firstByteAt, lastByteAt));
    }

    private boolean endsWithChecksum(int start, int end) {
        int hexStart = end - Crc32Checksum.HEX_DIGITS;
        return hexStart - 1 >= start && buffer[hexStart - 1] == '}' && Crc32Checksum.parseHex(buffer, hexStart) >= 0;
    }

    private boolean opensPrettyJson(int start, int end) {
        int i = start;
        while (i < end && (buffer[i] == ' ' || buffer[i] == '\t')) {
            i++;
        }
        if (i >= end || (buffer[i] != '{' && buffer[i] != '[')) {
            return false;
        }
        for (int j = i + 1; j < end; j++) {
            if (buffer[j] != ' ' && buffer[j] != '\t') {
                return false;
            }
        }
        return true;
    }

    private int trimCarriageReturns(int start, int end) {
        while (end > start && buffer[end - 1] == '\r') {
            end--;
        }
        return end;
    }

    private void resetBalance() {
        depth = 0;
        inString = false;
        escaped = false;
        lineStart = 0;
    }

    private void updateBalance(int start, int end) {
        for (int i = start; i < end; i++) {
            byte b = buffer[i];
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                depth--;
            }
        }
    }

    private static int indexOfLineFeed(byte[] data, int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
