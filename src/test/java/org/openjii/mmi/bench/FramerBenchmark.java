package org.openjii.mmi.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.device.CrcStatus;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.Frame;
import org.openjii.mmi.device.FrameDecoder;
import org.openjii.mmi.device.FrameListener;
import org.openjii.mmi.device.JsonSanitizer;
import org.openjii.mmi.support.DeviceJson;

/**
 * Receive-path throughput over real device outputs, fed in USB-sized reads: how many bytes per second one core turns
 * into checked frames ({@code framer}: FrameDecoder + CRC-32), sanitized text ({@code sanitize}: + JsonSanitizer),
 * validated JSON ({@code validate}: sanitize + DeviceJson.validate), a parsed tree ({@code parse}: sanitize +
 * DeviceJson.parse, what the producer returns) and the session's receive path ({@code full}: sanitize +
 * DeviceJson.scan, which validates and reads the device header in one pass, + the body text the consumer delivers).
 * <p>
 * One operation decodes one whole device output; the {@code bytes} counter reports the same work in bytes per second,
 * which {@code bench/framer.sh} prints as MB/s. Run through that script, not surefire (the class is not a test).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FramerBenchmark {

    /** Large enough for the 66 KB fluorescence output, as a session would configure it. */
    private static final int MAX_FRAME = 1 << 20;

    /**
     * {@code rides}: the 24 KB RIDES reply; {@code par}: the 253 B PAR reply; {@code fluorescence}: the 66 KB
     * detector-offsets calibration output, framed with a CRC computed here.
     */
    @Param({"rides", "par", "fluorescence"})
    public String output;

    /** Bytes per read: 64 (one USB full-speed packet) or 4096 (a large read of buffered data). */
    @Param({"64", "4096"})
    public int chunk;

    private byte[] stream;
    private FrameDecoder decoder;
    private Frame last;
    private long readTime;

    /** Bytes decoded, reported by JMH per second next to the operations. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {

        public long bytes;

        @Setup(Level.Iteration)
        public void clear() {
            bytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void load() throws IOException {
        stream = switch (output) {
            case "rides" -> resource("synthetic/serial/measurement-rides-v2-reconstructed.raw");
            case "par" -> resource("synthetic/serial/measurement-par-v2.raw");
            case "fluorescence" -> {
                String json = new String(
                        resource("public/measurements/fluorescence-detector-offsets_fw2.343_66KB.json"),
                        StandardCharsets.UTF_8).strip();
                yield Crc32Checksum.frame(json).getBytes(StandardCharsets.UTF_8);
            }
            default -> throw new IllegalArgumentException("Unknown output " + output);
        };
        decoder = new FrameDecoder(MAX_FRAME, new FrameListener() {

            @Override
            public void onFrame(Frame frame) {
                last = frame;
            }
        });
        // Refuse to measure a path that does not work: the output must decode to one valid, parseable frame.
        Frame frame = decode();
        if (frame == null || frame.crcStatus() != CrcStatus.VALID) {
            throw new IllegalStateException(output + " did not decode to a VALID frame: " + frame);
        }
        // parse() itself refuses invalid JSON and a header without device_id.
        parse(frame);
    }

    @Benchmark
    public Frame framer(Bytes counter) {
        Frame frame = decode();
        counter.bytes += stream.length;
        return frame;
    }

    @Benchmark
    public JsonSanitizer.Result sanitize(Bytes counter) {
        Frame frame = decode();
        byte[] text = frame.textBytes();
        JsonSanitizer.Result clean = JsonSanitizer.sanitize(text, 0, text.length);
        counter.bytes += stream.length;
        return clean;
    }

    @Benchmark
    public String validate(Bytes counter) {
        Frame frame = decode();
        byte[] text = frame.textBytes();
        JsonSanitizer.Result clean = JsonSanitizer.sanitize(text, 0, text.length);
        String problem = DeviceJson.validate(clean.bytes(), clean.offset(), clean.length());
        counter.bytes += stream.length;
        return problem;
    }

    @Benchmark
    public void parse(Bytes counter, Blackhole blackhole) throws IOException {
        Frame frame = decode();
        byte[] text = frame.textBytes();
        JsonSanitizer.Result clean = JsonSanitizer.sanitize(text, 0, text.length);
        blackhole.consume(DeviceJson.parse(clean.bytes(), clean.offset(), clean.length()));
        counter.bytes += stream.length;
    }

    @Benchmark
    public void full(Bytes counter, Blackhole blackhole) {
        blackhole.consume(parse(decode()));
        counter.bytes += stream.length;
    }

    /**
     * What a session does with a JSON reply (ReplyInterpreter, DeviceReply): sanitize, one scan that validates and
     * reads the top-level fields, the device header from them, and the body text.
     */
    private String parse(Frame frame) {
        byte[] text = frame.textBytes();
        JsonSanitizer.Result clean = JsonSanitizer.sanitize(text, 0, text.length);
        DeviceJson.Scan scan = DeviceJson.scan(clean.bytes(), clean.offset(), clean.length());
        if (!scan.valid()) {
            throw new IllegalStateException(scan.problem());
        }
        if (DeviceInfo.fromFields(scan.topLevel()).id() == null) {
            throw new IllegalStateException("no device_id in the header");
        }
        return clean.text();
    }

    /** Feeds the whole output in reads of {@code chunk} bytes; returns the frame it completes. */
    private Frame decode() {
        last = null;
        readTime++;
        for (int at = 0; at < stream.length; at += chunk) {
            decoder.feed(stream, at, Math.min(chunk, stream.length - at), readTime);
        }
        return last;
    }

    private static byte[] resource(String path) {
        try (InputStream in = FramerBenchmark.class.getResourceAsStream("/fixtures/multispeq/" + path)) {
            if (in == null) {
                throw new IllegalStateException("Fixture " + path + " not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
