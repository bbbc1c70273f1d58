package org.openjii.mmi.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * One saved file of {@code mmi backfill}, read without holding more of it in memory than one run: its SHA-256 and its
 * shape in streaming passes, then the bytes of one run at a time. An array of runs (PhotosynQ and JII exports) becomes
 * one input per run, so a run that fails is a dead letter with its own bytes, not with the whole export; anything else
 * (one run, the app's {@code sample: [[...]]}, a file that is not JSON) is one input, the file once.
 * <p>
 * Opened with {@link LinkOption#NOFOLLOW_LINKS}: a file swapped for a symbolic link after the folder was listed is not
 * read either.
 */
final class BackfillFile implements AutoCloseable {

    /** One input for the ingest route: a run of an array, or the whole file. */
    record Input(int index, byte[] bytes) {
    }

    private final FileChannel channel;
    private final String sha256;
    /** Where each run of a top-level array of objects starts and ends; empty for any other file. */
    private final List<long[]> runs;

    private BackfillFile(FileChannel channel, String sha256, List<long[]> runs) {
        this.channel = channel;
        this.sha256 = sha256;
        this.runs = runs;
    }

    /**
     * Opens a regular file (never through a symbolic link) and reads it twice, streaming: its SHA-256, then where its
     * runs are.
     *
     * @throws IOException when it cannot be read
     */
    static BackfillFile open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            return new BackfillFile(channel, sha256(channel), runs(channel));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static String sha256(FileChannel channel) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(stream(channel), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * The byte ranges of the runs when the file is one JSON array of objects and nothing else; otherwise an empty list
     * (the file then goes whole to the ingest route, which says what is wrong with it).
     */
    private static List<long[]> runs(FileChannel channel) throws IOException {
        List<long[]> runs = new ArrayList<>();
        try (JsonParser parser = DeviceJson.mapper().getFactory().createParser(stream(channel))) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return List.of();
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (token != JsonToken.START_OBJECT) {
                    return List.of();
                }
                long start = parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                runs.add(new long[]{start, parser.currentLocation().getByteOffset()});
            }
            return parser.nextToken() == null ? runs : List.of();
        } catch (IOException e) {
            // Not JSON, or cut off: the ingest route reads it whole and files it as one dead letter.
            return List.of();
        }
    }

    /** The file from its start, read with positional reads; closing it leaves the channel open. */
    private static InputStream stream(FileChannel channel) {
        return new InputStream() {

            private long position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                int read = channel.read(ByteBuffer.wrap(bytes, offset, length), position);
                if (read > 0) {
                    position += read;
                }
                return read;
            }
        };
    }

    String sha256() {
        return sha256;
    }

    /** The inputs for the ingest route, in file order: each run of an array, or the whole file. */
    Iterable<Input> inputs() {
        return () -> new Iterator<>() {

            private int next;

            @Override
            public boolean hasNext() {
                return next < Math.max(1, runs.size());
            }

            @Override
            public Input next() {
                int index = next++;
                try {
                    return runs.isEmpty() ? new Input(0, read(0, channel.size()))
                            : new Input(index, read(runs.get(index)[0], runs.get(index)[1]));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** How many inputs {@link #inputs()} gives: the runs of an array, else 1. */
    int inputCount() {
        return Math.max(1, runs.size());
    }

    /** True when the file is an array of runs, sent one run at a time. */
    boolean isArrayOfRuns() {
        return !runs.isEmpty();
    }

    private byte[] read(long from, long to) throws IOException {
        long length = to - from;
        if (length > Integer.MAX_VALUE - 8) {
            throw new IOException("a run of " + length + " bytes is larger than a Java array");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, from + buffer.position()) < 0) {
                throw new IOException("the file got shorter while it was read");
            }
        }
        return buffer.array();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
