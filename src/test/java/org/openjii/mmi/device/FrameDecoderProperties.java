package org.openjii.mmi.device;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes {@link FrameDecoder} with streams built from the fixture frames: noise lines, noise on the frame's own line,
 * fragments of other replies (stale output), overlong lines, byte flips, insertions, deletions and arbitrary read
 * boundaries. The decoder runs with a 64 KB limit, so the 24 KB RIDES reply fits and overlong lines stay cheap.
 */
class FrameDecoderProperties {

    private static final int MAX_FRAME = 64 * 1024;

    /** Every valid checksummed line of the fixtures, each ending with its line feed. */
    private static final List<byte[]> FRAMES = validFrameLines();

    // ---- properties

    @Property(tries = 1000)
    void intactFramesEmbeddedInNoiseAreFoundWithTheirExactText(@ForAll("streams") List<Piece> pieces,
            @ForAll("chunkings") List<Integer> chunks) {
        Stream stream = Stream.of(pieces);

        Decoded decoded = decode(stream.bytes, chunks);

        Statistics.label("frames expected").collect(bucket(stream.expectedTexts().size()));
        Statistics.label("found behind noise on their line")
                .collect(decoded.frames.stream()
                        .anyMatch(f -> f.crcStatus() == CrcStatus.VALID && f.noiseLength() > 0));
        Statistics.label("overflows").collect(decoded.overflows > 0);
        decoded.assertInvariants();
        assertContainsInOrder(decoded.validTexts(), stream.expectedTexts());
    }

    private static String bucket(int n) {
        return n == 0 ? "0" : n < 3 ? "1-2" : n < 6 ? "3-5" : "6+";
    }

    @Property(tries = 500)
    void framesUntouchedByLinePreservingMutationsAreStillFound(@ForAll("streams") List<Piece> pieces,
            @ForAll("mutations") List<Mutation> mutations, @ForAll("chunkings") List<Integer> chunks) {
        Stream stream = Stream.of(pieces);
        Mutated mutated = Mutated.apply(stream, mutations, true);

        Decoded decoded = decode(mutated.bytes(), chunks);

        decoded.assertInvariants();
        assertContainsInOrder(decoded.validTexts(), mutated.intactFrameTexts());
    }

    @Property(tries = 1000)
    void arbitraryMutationsNeverBreakTheDecoderOrForgeAValidFrame(@ForAll("streams") List<Piece> pieces,
            @ForAll("mutations") List<Mutation> mutations, @ForAll("chunkings") List<Integer> chunks) {
        byte[] bytes = Mutated.apply(Stream.of(pieces), mutations, false).bytes();

        Decoded chunked = decode(bytes, chunks);
        Decoded whole = decode(bytes, List.of(Integer.MAX_VALUE));

        chunked.assertInvariants();
        whole.assertInvariants();
        // Read boundaries never change what is decoded.
        assertThat(FrameDecoderTest.describe(chunked.frames)).isEqualTo(FrameDecoderTest.describe(whole.frames));
        assertThat(chunked.overflows).isEqualTo(whole.overflows);
    }

    @Property(tries = 200)
    void eachOverlongLineOverflowsOnceAndDecodingResumesAfterIt(
            @ForAll("framesAndOverlongLines") List<Piece> pieces, @ForAll("chunkings") List<Integer> chunks) {
        Stream stream = Stream.of(pieces);
        long overlong = pieces.stream().filter(p -> p instanceof OverlongLine o && o.length() > MAX_FRAME).count();

        Decoded decoded = decode(stream.bytes, chunks);

        decoded.assertInvariants();
        assertThat(decoded.overflows).isEqualTo(overlong);
        assertThat(decoded.validTexts()).isEqualTo(stream.expectedTexts());
    }

    // ---- generators

    @Provide
    Arbitrary<List<Piece>> streams() {
        Arbitrary<Piece> frame = Combinators.combine(frameIndex(), prefixNoise()).as(FramePiece::new);
        Arbitrary<Piece> noiseLine = noise(true).map(NoiseLine::new);
        Arbitrary<Piece> overlong = overlongLine();
        // Long lines that still fit: after a stray "{" they push pretty-JSON joining up to the limit.
        Arbitrary<Piece> longLine = Combinators
                .combine(Arbitraries.integers().between(MAX_FRAME / 2, MAX_FRAME),
                        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64))
                .as((length, pattern) -> new OverlongLine(length, withoutLineFeeds(pattern)));
        return Arbitraries
                .frequencyOf(Tuple.of(6, frame), Tuple.of(3, noiseLine), Tuple.of(1, overlong), Tuple.of(1, longLine))
                .list()
                .ofMinSize(1)
                .ofMaxSize(12);
    }

    @Provide
    Arbitrary<List<Piece>> framesAndOverlongLines() {
        Arbitrary<Piece> frame = frameIndex().map(i -> new FramePiece(i, new byte[0]));
        return Arbitraries.frequencyOf(Tuple.of(3, frame), Tuple.of(1, overlongLine()))
                .list()
                .ofMinSize(1)
                .ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Integer>> chunkings() {
        Arbitrary<List<Integer>> fixed = Arbitraries.of(1, 7, 64, 4096).map(List::of);
        Arbitrary<List<Integer>> random = Arbitraries.integers().between(1, 9000).list().ofMinSize(1).ofMaxSize(40);
        return Arbitraries.oneOf(fixed, random);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> flip = Combinators
                .combine(Arbitraries.integers().greaterOrEqual(0), Arbitraries.integers().between(0, 7))
                .as((at, bit) -> new Mutation(Mutation.Kind.FLIP, at, (byte) (1 << bit), 1));
        Arbitrary<Mutation> insert = Combinators
                .combine(Arbitraries.integers().greaterOrEqual(0), interestingByte(), Arbitraries.integers()
                        .between(1, 16))
                .as((at, value, count) -> new Mutation(Mutation.Kind.INSERT, at, value, count));
        Arbitrary<Mutation> delete = Combinators
                .combine(Arbitraries.integers().greaterOrEqual(0), Arbitraries.integers().between(1, 64))
                .as((at, count) -> new Mutation(Mutation.Kind.DELETE, at, (byte) 0, count));
        return Arbitraries.oneOf(flip, insert, delete).list().ofMinSize(1).ofMaxSize(20);
    }

    private static Arbitrary<Integer> frameIndex() {
        return Arbitraries.integers().between(0, FRAMES.size() - 1);
    }

    /** Bytes the device stream really contains around replies: line ends, JSON punctuation, hex digits, garbage. */
    private static Arbitrary<Byte> interestingByte() {
        return Arbitraries.oneOf(Arbitraries.of((byte) '\n', (byte) '\r', (byte) '{', (byte) '}', (byte) '[',
                (byte) ']', (byte) '"', (byte) '\\', (byte) '0', (byte) 'A', (byte) 'f', (byte) ' ', (byte) 0),
                Arbitraries.bytes());
    }

    /** Noise: random bytes, JSON-like soup, or a slice of a fixture reply (stale output from another command). */
    private static Arbitrary<byte[]> noise(boolean lineFeedsAllowed) {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
        Arbitrary<byte[]> soup = Arbitraries.strings()
                .withChars("{}[]\":,.-0123456789ABCDEFabcdefnai \r\t\n")
                .ofMaxLength(300)
                .map(s -> s.getBytes(StandardCharsets.US_ASCII));
        Arbitrary<byte[]> fragment = Combinators
                .combine(frameIndex(), Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 4000))
                .as((index, from, length) -> {
                    byte[] frame = FRAMES.get(index);
                    int start = (int) (from * frame.length);
                    return Arrays.copyOfRange(frame, start, Math.min(frame.length, start + length));
                });
        // A lone bracket line opens pretty-printed JSON (fw 0.54 print_memory); a cut-off one is stale noise too.
        Arbitrary<byte[]> bracket = Arbitraries.of("{", "[", "  {\t", "{\r")
                .map(s -> s.getBytes(StandardCharsets.US_ASCII));
        Arbitrary<byte[]> any = Arbitraries.frequencyOf(Tuple.of(3, random), Tuple.of(3, soup), Tuple.of(3, fragment),
                Tuple.of(1, bracket));
        return lineFeedsAllowed ? any : any.map(FrameDecoderProperties::withoutLineFeeds);
    }

    private static Arbitrary<byte[]> prefixNoise() {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(new byte[0])), Tuple.of(2, noise(false)));
    }

    private static Arbitrary<Piece> overlongLine() {
        return Combinators
                .combine(Arbitraries.integers().between(MAX_FRAME + 1, MAX_FRAME + 20_000),
                        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64))
                .as((length, pattern) -> new OverlongLine(length, withoutLineFeeds(pattern)));
    }

    private static byte[] withoutLineFeeds(byte[] bytes) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == '\n') {
                out[i] = 'x';
            }
        }
        return out;
    }

    // ---- model of a stream

    sealed interface Piece permits FramePiece, NoiseLine, OverlongLine {
    }

    /** A fixture frame, possibly with noise (no line feed) in front of it on the same line. */
    record FramePiece(int index, byte[] prefix) implements Piece {

        @Override
        public String toString() {
            return "Frame#" + index + "(" + FRAMES.get(index).length + " B, prefix " + printable(prefix) + ")";
        }
    }

    /** Noise that may contain line feeds and always ends with one. */
    record NoiseLine(byte[] bytes) implements Piece {

        @Override
        public String toString() {
            return "Noise(" + printable(bytes) + "\\n)";
        }
    }

    /** A long line: {@code pattern} repeated to {@code length} bytes (over or up to the limit), then a line feed. */
    record OverlongLine(int length, byte[] pattern) implements Piece {

        @Override
        public String toString() {
            return (length > MAX_FRAME ? "Overlong(" : "Long(") + length + " B of " + printable(pattern) + ")";
        }
    }

    /** The bytes of a stream and, per frame piece, where its frame sits. */
    record Stream(byte[] bytes, List<int[]> frameSpans, List<Integer> frameIndexes) {

        static Stream of(List<Piece> pieces) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<int[]> spans = new ArrayList<>();
            List<Integer> indexes = new ArrayList<>();
            for (Piece piece : pieces) {
                if (piece instanceof FramePiece f) {
                    out.writeBytes(f.prefix());
                    byte[] frame = FRAMES.get(f.index());
                    spans.add(new int[]{out.size(), out.size() + frame.length});
                    indexes.add(f.index());
                    out.writeBytes(frame);
                } else if (piece instanceof NoiseLine n) {
                    out.writeBytes(n.bytes());
                    out.write('\n');
                } else if (piece instanceof OverlongLine o) {
                    for (int written = 0; written < o.length(); written += o.pattern().length) {
                        out.write(o.pattern(), 0, Math.min(o.pattern().length, o.length() - written));
                    }
                    out.write('\n');
                }
            }
            return new Stream(out.toByteArray(), spans, indexes);
        }

        /** Texts of the frames that must be found: those whose whole line fits the decoder's limit. */
        List<String> expectedTexts() {
            List<String> texts = new ArrayList<>();
            for (int k = 0; k < frameSpans.size(); k++) {
                int[] span = frameSpans.get(k);
                if (lineFits(bytes, span[0], span[1])) {
                    texts.add(frameText(frameIndexes.get(k)));
                }
            }
            return texts;
        }
    }

    /** A mutation of a stream; positions wrap around the current length. */
    record Mutation(Kind kind, int at, byte value, int count) {

        enum Kind {
            FLIP,
            INSERT,
            DELETE
        }
    }

    /** A mutated stream that remembers, per byte, which original byte it is (-1 for inserted or flipped bytes). */
    record Mutated(byte[] bytes, int[] origin, Stream original) {

        static Mutated apply(Stream stream, List<Mutation> mutations, boolean keepLines) {
            byte[] data = stream.bytes().clone();
            int[] origin = new int[data.length];
            for (int i = 0; i < origin.length; i++) {
                origin[i] = i;
            }
            for (Mutation m : mutations) {
                int length = data.length;
                switch (m.kind()) {
                    case FLIP -> {
                        if (length == 0) {
                            continue;
                        }
                        int at = m.at() % length;
                        byte flipped = (byte) (data[at] ^ m.value());
                        if (keepLines && (data[at] == '\n' || flipped == '\n')) {
                            continue;
                        }
                        data[at] = flipped;
                        origin[at] = -1;
                    }
                    case INSERT -> {
                        int at = m.at() % (length + 1);
                        byte value = keepLines && m.value() == '\n' ? (byte) '{' : m.value();
                        byte[] grown = new byte[length + m.count()];
                        int[] grownOrigin = new int[length + m.count()];
                        System.arraycopy(data, 0, grown, 0, at);
                        System.arraycopy(origin, 0, grownOrigin, 0, at);
                        Arrays.fill(grown, at, at + m.count(), value);
                        Arrays.fill(grownOrigin, at, at + m.count(), -1);
                        System.arraycopy(data, at, grown, at + m.count(), length - at);
                        System.arraycopy(origin, at, grownOrigin, at + m.count(), length - at);
                        data = grown;
                        origin = grownOrigin;
                    }
                    case DELETE -> {
                        if (length == 0) {
                            continue;
                        }
                        int at = m.at() % length;
                        int end = Math.min(length, at + m.count());
                        byte[] kept = new byte[length];
                        int[] keptOrigin = new int[length];
                        int n = 0;
                        for (int i = 0; i < length; i++) {
                            boolean deleted = i >= at && i < end && !(keepLines && data[i] == '\n');
                            if (!deleted) {
                                kept[n] = data[i];
                                keptOrigin[n++] = origin[i];
                            }
                        }
                        data = Arrays.copyOf(kept, n);
                        origin = Arrays.copyOf(keptOrigin, n);
                    }
                    default -> throw new IllegalStateException(m.kind().toString());
                }
            }
            return new Mutated(data, origin, stream);
        }

        /** Frames whose bytes all survive, in place and consecutive, on a line that fits the limit. */
        List<String> intactFrameTexts() {
            int[] position = new int[original.bytes().length];
            Arrays.fill(position, -1);
            for (int i = 0; i < origin.length; i++) {
                if (origin[i] >= 0) {
                    position[origin[i]] = i;
                }
            }
            List<String> texts = new ArrayList<>();
            for (int k = 0; k < original.frameSpans().size(); k++) {
                int[] span = original.frameSpans().get(k);
                int start = position[span[0]];
                boolean intact = start >= 0;
                for (int j = span[0]; intact && j < span[1]; j++) {
                    intact = position[j] == start + (j - span[0]);
                }
                if (intact && lineFits(bytes, start, start + (span[1] - span[0]))) {
                    texts.add(frameText(original.frameIndexes().get(k)));
                }
            }
            return texts;
        }
    }

    // ---- decoding and checks

    static final class Decoded {

        final List<Frame> frames = new ArrayList<>();
        long overflows;
        int maxCapacity;
        int maxPending;

        List<String> validTexts() {
            return frames.stream().filter(f -> f.crcStatus() == CrcStatus.VALID).map(Frame::text).toList();
        }

        void assertInvariants() {
            assertThat(maxCapacity).isLessThanOrEqualTo(MAX_FRAME + 1);
            assertThat(maxPending).isLessThanOrEqualTo(MAX_FRAME);
            for (Frame frame : frames) {
                if (frame.kind() == Frame.Kind.LINE) {
                    assertThat(frame.crcStatus()).isEqualTo(CrcStatus.ABSENT);
                    continue;
                }
                byte[] text = frame.textBytes();
                CRC32 crc = new CRC32();
                crc.update(text, 0, text.length);
                long received = Long.parseLong(frame.receivedChecksum(), 16);
                String raw = new String(frame.raw(), StandardCharsets.ISO_8859_1);
                assertThat(raw).endsWith(frame.receivedChecksum());
                // No false positives: VALID means the checksum matches exactly the text handed on.
                if (frame.crcStatus() == CrcStatus.VALID) {
                    assertThat(crc.getValue()).as("VALID frame %s", frame).isEqualTo(received);
                } else {
                    assertThat(frame.crcStatus()).isEqualTo(CrcStatus.MISMATCH);
                    assertThat(crc.getValue()).as("MISMATCH frame %s", frame).isNotEqualTo(received);
                }
            }
        }
    }

    private static Decoded decode(byte[] bytes, List<Integer> chunks) {
        Decoded decoded = new Decoded();
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME, new FrameListener() {

            @Override
            public void onFrame(Frame frame) {
                decoded.frames.add(frame);
            }

            @Override
            public void onOverflow(FrameOverflow overflow) {
                decoded.overflows++;
            }
        });
        int at = 0;
        int read = 0;
        while (at < bytes.length) {
            int count = (int) Math.min(bytes.length - at, (long) chunks.get(read++ % chunks.size()));
            decoder.feed(bytes, at, count, read);
            at += count;
            decoded.maxCapacity = Math.max(decoded.maxCapacity, decoder.capacity());
            decoded.maxPending = Math.max(decoded.maxPending, decoder.pendingLength());
        }
        return decoded;
    }

    /** {@code expected} appears in {@code actual} in order; other (noise-made) frames may sit between. */
    private static void assertContainsInOrder(List<String> actual, List<String> expected) {
        int next = 0;
        for (String text : actual) {
            if (next < expected.size() && text.equals(expected.get(next))) {
                next++;
            }
        }
        assertThat(next).as("found %d of %d expected frames in order; decoded %d valid frames", next,
                expected.size(), actual.size()).isEqualTo(expected.size());
    }

    /** The line holding bytes [start, end) (end after its line feed) is at most the decoder's limit. */
    private static boolean lineFits(byte[] bytes, int start, int end) {
        int lineStart = start;
        while (lineStart > 0 && bytes[lineStart - 1] != '\n') {
            lineStart--;
        }
        return end - 1 - lineStart <= MAX_FRAME;
    }

    private static String frameText(int index) {
        byte[] frame = FRAMES.get(index);
        return new String(frame, 0, frame.length - Crc32Checksum.HEX_DIGITS - 1, StandardCharsets.UTF_8);
    }

    private static List<byte[]> validFrameLines() {
        List<byte[]> lines = new ArrayList<>();
        for (String path : Fixtures.rawFiles()) {
            for (Frame frame : RecordingListener.decodeWhole(Fixtures.bytes(path), MAX_FRAME).frames) {
                if (frame.crcStatus() == CrcStatus.VALID) {
                    lines.add(withLineFeed(frame.raw()));
                }
            }
        }
        lines.add(withLineFeed(Fixtures.concat(Fixtures.received("transcript-alert-prompt.json"))));
        // Zero-padded checksum (05898037).
        lines.add(Crc32Checksum.frame("{\"n\":8}").getBytes(StandardCharsets.US_ASCII));
        assertThat(lines).hasSize(12);
        return List.copyOf(lines);
    }

    private static byte[] withLineFeed(byte[] line) {
        if (line.length > 0 && line[line.length - 1] == '\n') {
            return line;
        }
        byte[] out = Arrays.copyOf(line, line.length + 1);
        out[line.length] = '\n';
        return out;
    }

    private static String printable(byte[] bytes) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(bytes.length, 40); i++) {
            int b = bytes[i] & 0xFF;
            sb.append(b >= 0x20 && b < 0x7F && b != '"' ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return sb.append(bytes.length > 40 ? "...\" (" + bytes.length + " B)" : "\"").toString();
    }
}
