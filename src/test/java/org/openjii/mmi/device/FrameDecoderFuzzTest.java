package org.openjii.mmi.device;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded randomized fuzz test (plain JUnit) of {@link FrameDecoder}: streams built from the fixture frames with noise
 * lines, noise on the frame's own line, fragments of other replies (stale output), overlong lines, byte flips,
 * insertions, deletions and arbitrary read boundaries. The decoder runs with a 64 KB limit, so the 24 KB RIDES reply
 * fits and overlong lines stay cheap.
 * <p>
 * Every try draws its input from its own {@link SplittableRandom}, seeded from the base seed, the test's name and the
 * try number, so a run is reproducible and any single try can be replayed. System properties:
 * <ul>
 * <li>{@code fuzz.seed}: base seed (decimal or {@code 0x} hex), default {@value #DEFAULT_SEED} so CI is
 * reproducible;</li>
 * <li>{@code fuzz.scale}: multiplies every test's number of tries, default 1 (e.g. {@code -Dfuzz.scale=20} for a long
 * run);</li>
 * <li>{@code fuzz.try}: runs only that try (1-based), to replay a failure.</li>
 * </ul>
 * A failure names the base seed, the try and the generated input (pieces, chunking, mutations), e.g.
 * {@code ./mvnw test -Dtest=FrameDecoderFuzzTest -Dfuzz.seed=42 -Dfuzz.try=17}. There is no shrinking: the input is
 * reported as generated.
 */
class FrameDecoderFuzzTest {

    private static final int MAX_FRAME = 64 * 1024;

    private static final long DEFAULT_SEED = 20_240_611L;
    private static final long BASE_SEED = Long.decode(System.getProperty("fuzz.seed", Long.toString(DEFAULT_SEED)));
    private static final double SCALE = Double.parseDouble(System.getProperty("fuzz.scale", "1"));
    private static final String ONLY_TRY = System.getProperty("fuzz.try", "");

    /** Every valid checksummed line of the fixtures, each ending with its line feed. */
    private static final List<byte[]> FRAMES = validFrameLines();

    // ---- properties

    @Test
    void intactFramesEmbeddedInNoiseAreFoundWithTheirExactText(TestInfo test) {
        // No statistics report in plain JUnit: check instead that the generator really produces the interesting cases.
        int[] behindNoise = {0};
        int[] overflowing = {0};
        int[] manyFrames = {0};
        int tries = forAll(test, 1000, g -> new Input(streams(g), List.of(), chunkings(g)), input -> {
            Stream stream = Stream.of(input.pieces());

            Decoded decoded = decode(stream.bytes, input.chunks());

            decoded.assertInvariants();
            assertContainsInOrder(decoded.validTexts(), stream.expectedTexts());
            behindNoise[0] += decoded.frames.stream()
                    .anyMatch(f -> f.crcStatus() == CrcStatus.VALID && f.noiseLength() > 0) ? 1 : 0;
            overflowing[0] += decoded.overflows > 0 ? 1 : 0;
            manyFrames[0] += stream.expectedTexts().size() >= 6 ? 1 : 0;
        });
        if (tries >= 100) {
            assertThat(behindNoise[0]).as("tries with a frame found behind noise on its line").isGreaterThan(tries / 5);
            assertThat(overflowing[0]).as("tries with an overflow").isGreaterThan(tries / 10);
            assertThat(manyFrames[0]).as("tries with 6 or more expected frames").isGreaterThan(tries / 20);
        }
    }

    @Test
    void framesUntouchedByLinePreservingMutationsAreStillFound(TestInfo test) {
        forAll(test, 500, g -> new Input(streams(g), mutations(g), chunkings(g)), input -> {
            Stream stream = Stream.of(input.pieces());
            Mutated mutated = Mutated.apply(stream, input.mutations(), true);

            Decoded decoded = decode(mutated.bytes(), input.chunks());

            decoded.assertInvariants();
            assertContainsInOrder(decoded.validTexts(), mutated.intactFrameTexts());
        });
    }

    @Test
    void arbitraryMutationsNeverBreakTheDecoderOrForgeAValidFrame(TestInfo test) {
        forAll(test, 1000, g -> new Input(streams(g), mutations(g), chunkings(g)), input -> {
            byte[] bytes = Mutated.apply(Stream.of(input.pieces()), input.mutations(), false).bytes();

            Decoded chunked = decode(bytes, input.chunks());
            Decoded whole = decode(bytes, List.of(Integer.MAX_VALUE));

            chunked.assertInvariants();
            whole.assertInvariants();
            // Read boundaries never change what is decoded.
            assertThat(FrameDecoderTest.describe(chunked.frames)).isEqualTo(FrameDecoderTest.describe(whole.frames));
            assertThat(chunked.overflows).isEqualTo(whole.overflows);
        });
    }

    @Test
    void eachOverlongLineOverflowsOnceAndDecodingResumesAfterIt(TestInfo test) {
        forAll(test, 200, g -> new Input(framesAndOverlongLines(g), List.of(), chunkings(g)), input -> {
            Stream stream = Stream.of(input.pieces());
            long overlong = input.pieces()
                    .stream()
                    .filter(p -> p instanceof OverlongLine o && o.length() > MAX_FRAME)
                    .count();

            Decoded decoded = decode(stream.bytes, input.chunks());

            decoded.assertInvariants();
            assertThat(decoded.overflows).isEqualTo(overlong);
            assertThat(decoded.validTexts()).isEqualTo(stream.expectedTexts());
        });
    }

    // ---- runner

    /** One generated case: the stream's pieces, the mutations applied to it (maybe none) and the read sizes. */
    record Input(List<Piece> pieces, List<Mutation> mutations, List<Integer> chunks) {

        @Override
        public String toString() {
            return "pieces " + pieces + "\n  chunking " + chunks
                    + (mutations.isEmpty() ? "" : "\n  mutations " + mutations);
        }
    }

    /**
     * Runs {@code property} on {@code baseTries} (times {@code fuzz.scale}) inputs drawn by {@code generator}, or only
     * on try {@code fuzz.try}; returns the number of tries run. The first failing try fails the test with everything
     * needed to replay it.
     */
    private static int forAll(TestInfo test, int baseTries, Function<Gen, Input> generator, Consumer<Input> property) {
        String name = test.getTestMethod().orElseThrow().getName();
        int tries = Math.max(1, (int) Math.round(baseTries * SCALE));
        int first = 1;
        int last = tries;
        if (!ONLY_TRY.isBlank()) {
            first = Integer.parseInt(ONLY_TRY.trim());
            last = first;
        }
        for (int t = first; t <= last; t++) {
            long seed = trySeed(name, t);
            Input input = generator.apply(new Gen(seed));
            try {
                property.accept(input);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(String.format(
                        "%s failed at try %d of %d (fuzz.seed=%d, try seed 0x%016x)%n"
                                + "  replay: -Dtest=%s#%s -Dfuzz.seed=%d -Dfuzz.try=%d%n  %s%n  failure: %s",
                        name, t, tries, BASE_SEED, seed, FrameDecoderFuzzTest.class.getSimpleName(), name, BASE_SEED, t,
                        input, e), e);
            }
        }
        return last - first + 1;
    }

    /** A seed per test and try, so tries are independent and any one can be replayed on its own. */
    private static long trySeed(String test, int tryNumber) {
        return mix(mix(BASE_SEED ^ test.hashCode()) + tryNumber);
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer (as in SplittableRandom). */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Random values for one try; bounds are inclusive. */
    static final class Gen {

        private final SplittableRandom random;

        Gen(long seed) {
            this.random = new SplittableRandom(seed);
        }

        int between(int min, int max) {
            return (int) random.nextLong(min, (long) max + 1);
        }

        int nonNegative() {
            return random.nextInt() & Integer.MAX_VALUE;
        }

        double unit() {
            return random.nextDouble();
        }

        byte anyByte() {
            return (byte) random.nextInt(256);
        }

        byte[] bytes(int minSize, int maxSize) {
            byte[] bytes = new byte[between(minSize, maxSize)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = anyByte();
            }
            return bytes;
        }

        @SafeVarargs
        final <T> T oneOf(T... values) {
            return values[random.nextInt(values.length)];
        }

        /** An index into {@code weights}, each chosen with probability proportional to its weight. */
        int weighted(int... weights) {
            int roll = random.nextInt(Arrays.stream(weights).sum());
            for (int i = 0; i < weights.length; i++) {
                roll -= weights[i];
                if (roll < 0) {
                    return i;
                }
            }
            throw new IllegalStateException();
        }

        <T> List<T> list(int minSize, int maxSize, Supplier<T> element) {
            int size = between(minSize, maxSize);
            List<T> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(element.get());
            }
            return List.copyOf(list);
        }
    }

    // ---- generators

    /** Frames (weight 6), noise lines (3), overlong lines (1) and long lines that still fit (1); 1 to 12 pieces. */
    private static List<Piece> streams(Gen g) {
        return g.list(1, 12, () -> switch (g.weighted(6, 3, 1, 1)) {
            case 0 -> new FramePiece(frameIndex(g), prefixNoise(g));
            case 1 -> new NoiseLine(noise(g, true));
            case 2 -> overlongLine(g);
            // Long lines that still fit: after a stray "{" they push pretty-JSON joining up to the limit.
            default -> new OverlongLine(g.between(MAX_FRAME / 2, MAX_FRAME), withoutLineFeeds(g.bytes(1, 64)));
        });
    }

    /** Frames without prefix (weight 3) and overlong lines (1); 1 to 8 pieces. */
    private static List<Piece> framesAndOverlongLines(Gen g) {
        return g.list(1, 8, () -> g.weighted(3, 1) == 0 ? new FramePiece(frameIndex(g), new byte[0]) : overlongLine(g));
    }

    /** Half the time one fixed read size, else 1 to 40 read sizes of 1 to 9000 bytes, used in turn. */
    private static List<Integer> chunkings(Gen g) {
        if (g.weighted(1, 1) == 0) {
            return List.of(g.oneOf(1, 7, 64, 4096));
        }
        return g.list(1, 40, () -> g.between(1, 9000));
    }

    /** 1 to 20 bit flips, insertions of 1 to 16 equal bytes, or deletions of 1 to 64 bytes, equally likely. */
    private static List<Mutation> mutations(Gen g) {
        return g.list(1, 20, () -> switch (g.weighted(1, 1, 1)) {
            case 0 -> new Mutation(Mutation.Kind.FLIP, g.nonNegative(), (byte) (1 << g.between(0, 7)), 1);
            case 1 -> new Mutation(Mutation.Kind.INSERT, g.nonNegative(), interestingByte(g), g.between(1, 16));
            default -> new Mutation(Mutation.Kind.DELETE, g.nonNegative(), (byte) 0, g.between(1, 64));
        });
    }

    private static int frameIndex(Gen g) {
        return g.between(0, FRAMES.size() - 1);
    }

    /** Bytes the device stream really contains around replies: line ends, JSON punctuation, hex digits, garbage. */
    private static byte interestingByte(Gen g) {
        if (g.weighted(1, 1) == 0) {
            return g.oneOf((byte) '\n', (byte) '\r', (byte) '{', (byte) '}', (byte) '[', (byte) ']', (byte) '"',
                    (byte) '\\', (byte) '0', (byte) 'A', (byte) 'f', (byte) ' ', (byte) 0);
        }
        return g.anyByte();
    }

    private static final String SOUP_CHARS = "{}[]\":,.-0123456789ABCDEFabcdefnai \r\t\n";

    /**
     * Noise: random bytes (weight 3), JSON-like soup (3), a slice of a fixture reply, i.e. stale output from another
     * command (3), or a bracket line (1).
     */
    private static byte[] noise(Gen g, boolean lineFeedsAllowed) {
        byte[] noise = switch (g.weighted(3, 3, 3, 1)) {
            case 0 -> g.bytes(0, 600);
            case 1 -> {
                byte[] soup = new byte[g.between(0, 300)];
                for (int i = 0; i < soup.length; i++) {
                    soup[i] = (byte) SOUP_CHARS.charAt(g.between(0, SOUP_CHARS.length() - 1));
                }
                yield soup;
            }
            case 2 -> {
                byte[] frame = FRAMES.get(frameIndex(g));
                int start = (int) (g.unit() * frame.length);
                int length = g.between(0, 4000);
                yield Arrays.copyOfRange(frame, start, Math.min(frame.length, start + length));
            }
            // A lone bracket line opens pretty-printed JSON (fw 0.54 print_memory); a cut-off one is stale noise too.
            default -> g.oneOf("{", "[", "  {\t", "{\r").getBytes(StandardCharsets.US_ASCII);
        };
        return lineFeedsAllowed ? noise : withoutLineFeeds(noise);
    }

    /** No noise before the frame (weight 1) or noise without line feeds (2). */
    private static byte[] prefixNoise(Gen g) {
        return g.weighted(1, 2) == 0 ? new byte[0] : noise(g, false);
    }

    private static Piece overlongLine(Gen g) {
        return new OverlongLine(g.between(MAX_FRAME + 1, MAX_FRAME + 20_000), withoutLineFeeds(g.bytes(1, 64)));
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

        @Override
        public String toString() {
            return switch (kind) {
                case FLIP -> String.format("flip@%d^0x%02x", at, value & 0xFF);
                case INSERT -> String.format("insert@%d %d*0x%02x", at, count, value & 0xFF);
                case DELETE -> String.format("delete@%d len %d", at, count);
            };
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
            assertThat(maxCapacity).as("decoder buffer capacity").isLessThanOrEqualTo(MAX_FRAME + 1);
            assertThat(maxPending).as("pending bytes").isLessThanOrEqualTo(MAX_FRAME);
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
                // Checked here rather than trusting crcStatus(), so a decoder that calls a bad reply VALID fails the
                // properties with a readable input instead of breaking this fixture selection.
                if (frame.kind() == Frame.Kind.CHECKSUMMED && checksumMatches(frame.raw())) {
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

    /** The whole line, up to its eight hexadecimal digits, has the CRC-32 those digits give. */
    private static boolean checksumMatches(byte[] line) {
        int textLength = line.length - Crc32Checksum.HEX_DIGITS;
        CRC32 crc = new CRC32();
        crc.update(line, 0, textLength);
        String hex = new String(line, textLength, Crc32Checksum.HEX_DIGITS, StandardCharsets.US_ASCII);
        return crc.getValue() == Long.parseLong(hex, 16);
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
