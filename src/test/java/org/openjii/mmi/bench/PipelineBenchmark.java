package org.openjii.mmi.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.ingest.EnrichMeasurement;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.ingest.IngestTopic;
import org.openjii.mmi.ingest.MeasurementPart;
import org.openjii.mmi.ingest.ParseMeasurement;
import org.openjii.mmi.ingest.SampleEncoder;
import org.openjii.mmi.ingest.SerializePayload;
import org.openjii.mmi.ingest.SplitMeasurement;

/**
 * Ingest throughput for one device output, as the YAML route runs the steps: parse (with sanitize) → split → for
 * each part: enrich (with gzip+base64 above 8 KB) → topic → serialize. One operation turns one device output into its
 * payload string(s); the body text comes in as the consumer delivers it. Camel's own routing (the split EIP copying
 * exchanges, the route's error handler) is not measured, only the steps, each on a fresh exchange.
 * <p>
 * {@code rides}: the 24 KB RIDES reply (sample compressed); {@code par}: the 253 B PAR reply (sample as text);
 * {@code fluorescence}: the 66 KB detector-offsets calibration output (app-saved, nested sample). {@code level} is the
 * Deflater level of both split and enrich. Run through {@code bench/pipeline.sh}, not surefire.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PipelineBenchmark {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * The benchmark thread's own CPU time and the outputs it processed in it. Wall-clock throughput drops when other
     * work shares the cores; outputs per CPU-second ({@code outputs / cpuNanos}) is what one core can do. GC and JIT
     * threads are not included.
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Cpu {

        public long cpuNanos;
        public long outputs;

        @Setup(Level.Iteration)
        public void clear() {
            cpuNanos = 0;
            outputs = 0;
        }
    }

    private static final Instant FINISHED = Instant.parse("2026-03-09T09:30:00Z");

    @Param({"rides", "par", "fluorescence"})
    public String output;

    @Param({"1"})
    public int level;

    private String text;
    private CamelContext context;
    private ParseMeasurement parse;
    private SplitMeasurement split;
    private EnrichMeasurement enrich;
    private IngestTopic topic;
    private SerializePayload serialize;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        text = switch (output) {
            case "rides" -> withoutChecksum(resource("synthetic/serial/measurement-rides-v2-reconstructed.raw"));
            case "par" -> withoutChecksum(resource("synthetic/serial/measurement-par-v2.raw"));
            case "fluorescence" -> resource("public/measurements/fluorescence-detector-offsets_fw2.343_66KB.json");
            default -> throw new IllegalArgumentException("Unknown output " + output);
        };
        context = new DefaultCamelContext();
        context.start();
        parse = new ParseMeasurement();
        SampleEncoder encoder = new SampleEncoder(SampleEncoder.DEFAULT_COMPRESS_ABOVE_BYTES, level);
        split = new SplitMeasurement();
        split.setEncoder(encoder);
        enrich = new EnrichMeasurement();
        enrich.setEncoder(encoder);
        enrich.setTimezone("Europe/Amsterdam");
        enrich.setProtocolId("3fa85f64-5717-4562-b3fc-2c963f66afa6");
        topic = new IngestTopic();
        topic.setExperimentId("6f1c0d2e-0000-4000-8000-00000000e001");
        serialize = new SerializePayload();
        // Refuse to measure a path that does not work: one payload on the data topic.
        if (run(null) != 1) {
            throw new IllegalStateException(output + " did not become exactly one message");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        context.stop();
    }

    @Benchmark
    public int pipeline(Blackhole blackhole, Cpu cpu) throws Exception {
        long start = THREADS.getCurrentThreadCpuTime();
        int parts = run(blackhole);
        cpu.cpuNanos += THREADS.getCurrentThreadCpuTime() - start;
        cpu.outputs++;
        return parts;
    }

    /** The steps for one device output; returns how many payloads it became (blackhole null: just check). */
    private int run(Blackhole blackhole) throws Exception {
        Exchange exchange = new DefaultExchange(context);
        Message in = exchange.getMessage();
        in.setBody(text);
        in.setHeader(MultispeqConstants.LAST_BYTE_AT, FINISHED);
        parse.process(exchange);
        split.process(exchange);
        List<?> parts = in.getBody(List.class);
        for (Object part : parts) {
            Exchange sub = new DefaultExchange(context);
            sub.getMessage().setHeaders(in.getHeaders());
            sub.getMessage().setBody((MeasurementPart) part);
            enrich.process(sub);
            topic.process(sub);
            serialize.process(sub);
            if (blackhole != null) {
                blackhole.consume(sub.getMessage().getBody());
                blackhole.consume(sub.getMessage().getHeader(IngestHeaders.TOPIC));
            }
        }
        return parts.size();
    }

    private static String withoutChecksum(String line) {
        String stripped = line.strip();
        return stripped.substring(0, stripped.length() - 8);
    }

    private static String resource(String path) {
        try (InputStream in = PipelineBenchmark.class.getResourceAsStream("/fixtures/multispeq/" + path)) {
            if (in == null) {
                throw new IllegalStateException("Fixture " + path + " not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
