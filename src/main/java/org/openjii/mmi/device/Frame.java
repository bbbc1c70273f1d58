package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One unit of device output: a JSON reply that ended with a checksum, or a plain line.
 * <p>
 * {@link #raw()} holds the bytes exactly as received (checksum included, line terminator excluded). The text
 * ({@link #text()}) is the part of those bytes the checksum covers, or the whole line when there is no checksum. When
 * noise arrived on the same line before a valid JSON reply, the noise stays in {@link #raw()} and is reported by
 * {@link #noiseLength()}.
 */
public final class Frame {

    /** How the frame ended. */
    public enum Kind {
        /** {@code <json>XXXXXXXX\n}: JSON text followed by eight hexadecimal checksum digits. */
        CHECKSUMMED,
        /** A line without a checksum: {@code MultispeQ Ready}, {@code battery:87}, {@code {"battery":87}}, errors. */
        LINE
    }

    private final Kind kind;
    private final byte[] raw;
    private final int textStart;
    private final int textEnd;
    private final CrcStatus crcStatus;
    private final String receivedChecksum;
    private final long firstByteAt;
    private final long lastByteAt;
    private String text;

    Frame(Kind kind, byte[] raw, int textStart, int textEnd, CrcStatus crcStatus, String receivedChecksum,
            long firstByteAt, long lastByteAt) {
        this.kind = kind;
        this.raw = raw;
        this.textStart = textStart;
        this.textEnd = textEnd;
        this.crcStatus = crcStatus;
        this.receivedChecksum = receivedChecksum;
        this.firstByteAt = firstByteAt;
        this.lastByteAt = lastByteAt;
    }

    /** A plain line, for replies assembled outside the decoder (the in-process simulator, tests). */
    public static Frame line(String text, long firstByteAt, long lastByteAt) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new Frame(Kind.LINE, bytes, 0, bytes.length, CrcStatus.ABSENT, null, firstByteAt, lastByteAt);
    }

    public Kind kind() {
        return kind;
    }

    /** The bytes as received, without the line terminator. */
    public byte[] raw() {
        return raw.clone();
    }

    /** The text the checksum covers (or the whole line), decoded as UTF-8. */
    public String text() {
        String t = text;
        if (t == null) {
            t = new String(raw, textStart, textEnd - textStart, StandardCharsets.UTF_8);
            text = t;
        }
        return t;
    }

    /** The text as bytes, without copying the frame more than once. */
    public byte[] textBytes() {
        return Arrays.copyOfRange(raw, textStart, textEnd);
    }

    byte[] rawArray() {
        return raw;
    }

    int textStart() {
        return textStart;
    }

    int textLength() {
        return textEnd - textStart;
    }

    public CrcStatus crcStatus() {
        return crcStatus;
    }

    /** The eight checksum digits as received, or {@code null} for a line without checksum. */
    public String receivedChecksum() {
        return receivedChecksum;
    }

    /** Bytes of noise that preceded a valid JSON reply on the same line (0 when there was none). */
    public int noiseLength() {
        return textStart;
    }

    /** Time (epoch milliseconds) the read that delivered the first byte of this frame returned. */
    public long firstByteAt() {
        return firstByteAt;
    }

    /** Time (epoch milliseconds) the read that delivered the last byte of this frame returned. */
    public long lastByteAt() {
        return lastByteAt;
    }

    /** True when the text looks like a JSON object or array (it may still be invalid JSON). */
    public boolean looksLikeJson() {
        int i = textStart;
        while (i < textEnd && (raw[i] == ' ' || raw[i] == '\t')) {
            i++;
        }
        return i < textEnd && (raw[i] == '{' || raw[i] == '[');
    }

    @Override
    public String toString() {
        String t = text();
        String shown = t.length() > 80 ? t.substring(0, 77) + "..." : t;
        return kind + "[" + crcStatus + ", " + raw.length + " B: " + shown + "]";
    }
}
