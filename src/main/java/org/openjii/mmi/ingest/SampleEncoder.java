package org.openjii.mmi.ingest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/**
 * Turns samples into the {@code sample} field of an ingest message: compact, strictly valid JSON text, or, when that
 * text is longer than {@code compressAboveBytes}, gzip + standard base64 as openJII's pipeline decompresses it
 * ({@code _sample_encoding: "gzip+base64"}, the mobile app's format). One bean, {@code sampleEncoder} in
 * {@code routes/ingest.camel.yaml}, serves both {@link SplitMeasurement} and {@link EnrichMeasurement}, so the split
 * step measures exactly what the enrich step will send and the sample is compressed once.
 * <p>
 * The gzip stream is reproducible: modification time 0, no file name, OS byte 255 (unknown), so the same samples give
 * the same bytes on every host.
 * <p>
 * The default level is 1, zlib's fastest: deflating dominates the ingest CPU cost, and level 6 spends several times
 * the CPU of level 1 to save about a quarter of the bytes, on messages that stay far below 128 KB either way
 * ({@code bench/pipeline.sh -p level=1,6} measures both). Where the link (AWS IoT Core: 512 KiB/s per connection)
 * matters more than the CPU, choose 6.
 * <p>
 * The settings are set once, at configuration; two encoders with the same settings are equal.
 */
public final class SampleEncoder {

    public static final String GZIP_BASE64 = "gzip+base64";
    public static final int DEFAULT_COMPRESS_ABOVE_BYTES = 8192;
    public static final int DEFAULT_COMPRESSION_LEVEL = 1;

    private static final int GZIP_MAGIC = 0x8b1f;
    private static final int OS_UNKNOWN = 255;

    private int compressAboveBytes = DEFAULT_COMPRESS_ABOVE_BYTES;
    private int compressionLevel = DEFAULT_COMPRESSION_LEVEL;

    /** The defaults: compress above 8 KB, at level 1. */
    public SampleEncoder() {
    }

    public SampleEncoder(int compressAboveBytes, int compressionLevel) {
        setCompressAboveBytes(compressAboveBytes);
        setCompressionLevel(compressionLevel);
    }

    /** The defaults: compress above 8 KB, at level 1. */
    public static SampleEncoder defaults() {
        return new SampleEncoder();
    }

    public int getCompressAboveBytes() {
        return compressAboveBytes;
    }

    /**
     * Send {@code sample} as gzip+base64 when its JSON text has more UTF-8 bytes than this (default 8192); a negative
     * value never compresses. Small samples stay readable; large ones shrink 3-4 times.
     */
    public void setCompressAboveBytes(int compressAboveBytes) {
        this.compressAboveBytes = compressAboveBytes;
    }

    public int getCompressionLevel() {
        return compressionLevel;
    }

    /** {@link Deflater} level, 1 (fastest, default) to 9 (smallest), 0 to store only, or -1 for zlib's default (6). */
    public void setCompressionLevel(int compressionLevel) {
        if (compressionLevel < -1 || compressionLevel > 9) {
            throw new IllegalArgumentException("compressionLevel must be -1 or 0..9, was " + compressionLevel);
        }
        this.compressionLevel = compressionLevel;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SampleEncoder that && compressAboveBytes == that.compressAboveBytes
                && compressionLevel == that.compressionLevel;
    }

    @Override
    public int hashCode() {
        return 31 * compressAboveBytes + compressionLevel;
    }

    @Override
    public String toString() {
        return "SampleEncoder[compressAboveBytes=" + compressAboveBytes + ", compressionLevel=" + compressionLevel
                + "]";
    }

    public EncodedSample encode(SampleArray samples) {
        SampleArray.Json json = samples.compactJson();
        if (compressAboveBytes >= 0 && json.length() > compressAboveBytes) {
            String base64 = Base64.getEncoder()
                    .encodeToString(gzip(json.bytes(), json.offset(), json.length(), compressionLevel));
            return new EncodedSample(base64, GZIP_BASE64, base64.length() + 2, this);
        }
        return new EncodedSample(json.text(), null, quotedLength(json), this);
    }

    /**
     * The JSON text of a {@code sample} field as sent: the text itself, or decompressed when {@code encoding} is
     * {@value #GZIP_BASE64}.
     */
    public static String decode(String sample, String encoding) throws IOException {
        if (encoding == null) {
            return sample;
        }
        if (!GZIP_BASE64.equals(encoding)) {
            throw new IOException("Unknown sample encoding " + encoding);
        }
        byte[] gzip;
        try {
            gzip = Base64.getDecoder().decode(sample);
        } catch (IllegalArgumentException e) {
            throw new IOException("Sample is not base64: " + e.getMessage(), e);
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * One Deflater per thread and level, reset for each use: a new one costs about a fifth of deflating a RIDES sample
     * at level 1 (zlib allocates and clears some 256 KB of state), and reset output is the same byte for byte. Each
     * holds that native memory while its thread lives.
     */
    private static final ThreadLocal<Deflater[]> DEFLATERS = ThreadLocal
            .withInitial(() -> new Deflater[Deflater.BEST_COMPRESSION + 2]);

    /** A reset raw-deflate Deflater at {@code level} (-1 to 9) for this thread. */
    private static Deflater deflater(int level) {
        Deflater[] byLevel = DEFLATERS.get();
        Deflater deflater = byLevel[level + 1];
        if (deflater == null) {
            deflater = new Deflater(level, true);
            byLevel[level + 1] = deflater;
        } else {
            deflater.reset();
        }
        return deflater;
    }

    /** A complete gzip member (RFC 1952) of the bytes, with modification time 0. */
    static byte[] gzip(byte[] data, int offset, int length, int level) {
        Deflater deflater = deflater(level);
        deflater.setInput(data, offset, length);
        deflater.finish();
        // JSON samples shrink 3-4 times; start at half and grow only for incompressible input.
        byte[] out = new byte[Math.max(64, length / 2)];
        int at = header(out, level);
        while (!deflater.finished()) {
            if (at == out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            at += deflater.deflate(out, at, out.length - at);
        }
        if (out.length - at < 8) {
            out = Arrays.copyOf(out, at + 8);
        }
        CRC32 crc = new CRC32();
        crc.update(data, offset, length);
        at = littleEndian(out, at, (int) crc.getValue());
        at = littleEndian(out, at, length);
        return at == out.length ? out : Arrays.copyOf(out, at);
    }

    private static int header(byte[] out, int level) {
        out[0] = (byte) GZIP_MAGIC;
        out[1] = (byte) (GZIP_MAGIC >> 8);
        out[2] = Deflater.DEFLATED;
        // flags, modification time (4 bytes): all 0
        // XFL: 2 = maximum compression, 4 = fastest, as gzip(1) writes it
        out[8] = (byte) (level == Deflater.BEST_COMPRESSION ? 2 : level == Deflater.BEST_SPEED ? 4 : 0);
        out[9] = (byte) OS_UNKNOWN;
        return 10;
    }

    private static int littleEndian(byte[] out, int at, int value) {
        out[at] = (byte) value;
        out[at + 1] = (byte) (value >>> 8);
        out[at + 2] = (byte) (value >>> 16);
        out[at + 3] = (byte) (value >>> 24);
        return at + 4;
    }

    /**
     * Bytes the compact JSON text takes as a JSON string literal: two quotes plus a backslash before every quote
     * and backslash. Compact JSON from Jackson holds no raw control characters (they are escaped inside strings), and
     * Jackson writes other characters, non-ASCII included, as they are.
     */
    static int quotedLength(SampleArray.Json json) {
        byte[] bytes = json.bytes();
        int end = json.offset() + json.length();
        int length = json.length() + 2;
        for (int i = json.offset(); i < end; i++) {
            if (bytes[i] == '"' || bytes[i] == '\\') {
                length++;
            }
        }
        return length;
    }
}
