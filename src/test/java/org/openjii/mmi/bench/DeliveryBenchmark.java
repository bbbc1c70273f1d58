package org.openjii.mmi.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.openjii.mmi.cli.MmiCommand;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.ingest.EnrichMeasurement;
import org.openjii.mmi.ingest.ParseMeasurement;
import org.openjii.mmi.ingest.SerializePayload;
import org.openjii.mmi.ingest.SplitMeasurement;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.MosquittoBroker;

import static org.awaitility.Awaitility.await;

/**
 * End-to-end delivery benchmark: simulator on a pty → bridge process ({@code mmi run}) → Mosquitto → subscriber, in
 * one run, printing one table. Run through {@code bench/delivery.sh}, not surefire (the class is not a test).
 * <ol>
 * <li><b>Latency</b>: the simulated MultispeQ on a socat pty, the bridge on that pty ({@code mmi.device.port}) with
 * the IoT Core profile, until {@code samples} measurements have arrived; then SIGTERM. The device's last byte →
 * PUBACK percentiles are the bridge's own meter ({@code mmi.delivery.latency}), read from its shutdown summary line;
 * as a cross-check, the subscriber computes last byte → arrival exactly from each payload's {@code timestamp} (the
 * last byte's time).</li>
 * <li><b>Drain</b>: a fresh outbox pre-filled (with {@link Outbox}) with {@code messages} copies of a message the
 * bridge published in step 1, each with its own message id; the bridge, started without a device, drains it with the
 * IoT Core profile, then {@code rounds} times without flow control (the window only): at start-up, and after an
 * outage (started while the broker is down, so it has been running for about 15 s when the broker comes back, as in
 * the field). The rate is measured at the subscriber from the first to the last arrival of the distinct
 * message ids, (n − 1) / span. For each unthrottled run, a bare Paho {@link MqttAsyncClient}
 * ({@link BarePahoPublisher}, its own JVM too) publishes a copy of the same outbox the same way, at once or after
 * idling {@code settle} seconds. A RIDES-size drain shows the 512 KiB/s byte limit binding.</li>
 * <li>The bridge's peak RSS ({@code VmHWM}, from {@code /proc}) and its drain thread's CPU time (from its thread
 * dump) are read just before each SIGTERM.</li>
 * </ol>
 * Arguments {@code key=value}: {@code messages} (2000), {@code rides-messages} (1000, 0 to skip), {@code samples}
 * (240), {@code interval} (250ms, the bridge's {@code mmi.device.interval}), {@code rounds} (3), {@code window} (100,
 * the bare client's), {@code settle} (5), {@code work} (target/delivery-bench). System properties:
 * {@code bench.bridge.classpath} (the bridge's runtime classpath), {@code bench.java.opts} (JVM options of the bridge
 * and the bare client).
 */
public final class DeliveryBenchmark {

    private static final String DATA_FILTER = "experiment/data_ingest/v1/#";
    private static final String CLIENT_ID = "mmi-bench";
    private static final Pattern SUMMARY = Pattern.compile("Delivery: (\\d+) published, (\\d+) retried, (\\d+) waiting"
            + " in the outbox; device to PUBACK latency p50 ([\\d.]+) ms, p99 ([\\d.]+) ms");
    private static final Pattern RETRY = Pattern.compile("not reachable \\(attempt \\d+: .*\\); retrying in (\\d+) s");
    private static final Pattern BARE_CPU = Pattern.compile("publishing thread (\\d+) µs CPU per message");
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":\"([^\"]+)\"");
    private static final double IOT_CORE_PUBLISHES = 100;
    private static final double IOT_CORE_BYTES = 512 * 1024;

    private final Map<String, String> config;
    private final Path work;
    private final Path root = Path.of("").toAbsolutePath();
    private final String bridgeClasspath;
    private final List<String> javaOpts;
    private MosquittoBroker broker;
    private Subscriber subscriber;
    private final List<Row> rows = new ArrayList<>();
    private final List<BridgeRun> bridgeRuns = new ArrayList<>();

    private DeliveryBenchmark(Map<String, String> config) {
        this.config = config;
        this.work = Path.of(config.get("work")).toAbsolutePath();
        this.bridgeClasspath = System.getProperty("bench.bridge.classpath", System.getProperty("java.class.path"));
        String opts = System.getProperty("bench.java.opts", "").strip();
        this.javaOpts = opts.isEmpty() ? List.of() : List.of(opts.split("\\s+"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> config = new LinkedHashMap<>(Map.of("messages", "2000", "rides-messages", "1000",
                "samples", "240", "interval", "250ms", "rounds", "3", "window", "100", "settle", "5",
                "work", "target/delivery-bench"));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0 || !config.containsKey(arg.substring(0, eq))) {
                System.err.println("Unknown argument " + arg + "; known: " + config.keySet() + " as key=value");
                System.exit(2);
            }
            config.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        int exit = 0;
        DeliveryBenchmark benchmark = new DeliveryBenchmark(config);
        try {
            benchmark.run();
        } catch (Exception e) {
            e.printStackTrace();
            exit = 1;
        } finally {
            benchmark.close();
        }
        System.exit(exit);
    }

    private int integer(String key) {
        return Integer.parseInt(config.get(key));
    }

    private void run() throws Exception {
        deleteRecursively(work);
        Files.createDirectories(work);
        String loadBefore = loadAverage();
        // Receive Maximum 100 like IoT Core; a subscriber that falls behind gets its messages queued, never dropped.
        broker = MosquittoBroker.start(Files.createDirectories(work.resolve("broker")), "max_inflight_messages 100",
                "max_queued_messages 1000000", "log_type error", "log_type warning");
        subscriber = new Subscriber(broker.url());
        log("Mosquitto on " + broker.url() + ", work folder " + work);

        Received template = latency();
        String topic = template.topic();
        byte[] par = template.payload().getBytes(StandardCharsets.UTF_8);
        int messages = integer("messages");
        Drained iotCore = drain("IoT Core profile", "iot-core", topic, par, messages);
        // Without a rate limit, 2,000 messages take about a second. At start-up, the JVM is still compiling (Camel's
        // start-up code, for the bridge); after an outage, the bridge has been running for a while, as in the field.
        Duration settle = Duration.ofSeconds(integer("settle"));
        Comparison atStart = new Comparison("at start-up", new ArrayList<>(), new ArrayList<>());
        Comparison afterOutage = new Comparison("after an outage", new ArrayList<>(), new ArrayList<>());
        for (int round = 1; round <= integer("rounds"); round++) {
            atStart.bare().add(bare("bare Paho, at start, round " + round, topic, par, messages, Duration.ZERO));
            atStart.bridge().add(drain("bridge, at start, round " + round, "off", topic, par, messages));
            String idle = "bare Paho, after " + settle.toSeconds() + " s idle, round " + round;
            afterOutage.bare().add(bare(idle, topic, par, messages, settle));
            afterOutage.bridge().add(drainAfterOutage("bridge, after an outage, round " + round, topic, par, messages));
        }
        Drained rides = null;
        if (integer("rides-messages") > 0) {
            rides = drain("IoT Core profile, RIDES", "iot-core", topic, ridesPayload(), integer("rides-messages"));
        }
        String loadAfter = loadAverage();
        report(template, iotCore, List.of(afterOutage, atStart), rides, loadBefore, loadAfter);
    }

    // ---- 1. latency -------------------------------------------------------------------------------------------

    private Received latency() throws Exception {
        int samples = integer("samples");
        Path link = work.resolve("ttyMultispeQ");
        subscriber.expectAny(samples);
        BridgeRun bridge;
        try (PtySimulator simulator = PtySimulator.start(link, SimulatorOptions.parse("max-run-time=0s"))) {
            log("Latency: simulated MultispeQ on " + link + ", bridge measuring every " + config.get("interval")
                    + " until " + samples + " messages arrived");
            bridge = startBridge("latency", Map.of("mmi.device.port", link.toString(),
                    "mmi.device.interval", config.get("interval"), "mmi.mqtt.flow-control", "iot-core",
                    "mmi.outbox.dir", work.resolve("outbox-latency").toString()));
            Duration timeout = Duration.ofSeconds(120)
                    .plus(parseMillis(config.get("interval")).multipliedBy(samples
                            * 3L));
            boolean complete = subscriber.await(timeout, bridge);
            bridge.stop();
            if (!complete) {
                throw new IllegalStateException("Only " + subscriber.received().size() + " of " + samples
                        + " messages arrived within " + timeout.toSeconds() + " s; see " + bridge.log);
            }
        }
        List<Received> received = subscriber.received();
        double[] millis = received.stream().mapToDouble(Received::latencyMillis).sorted().toArray();
        Matcher summary = bridge.summary();
        rows.add(new Row("device last byte → PUBACK, p50 (bridge meter, " + summary.group(1) + " msgs)", summary.group(
                4) + " ms", "—", null));
        rows.add(new Row("device last byte → PUBACK, p99 (bridge meter)", summary.group(5) + " ms", "—", null));
        rows.add(new Row("device last byte → subscriber, p50 / p99 / max (exact)", String.format(Locale.ROOT,
                "%.1f / %.1f / %.1f ms", percentile(millis, 0.50), percentile(millis, 0.99), millis[millis.length
                        - 1]),
                "—", null));
        return received.get(received.size() - 1);
    }

    // ---- 2. drain ---------------------------------------------------------------------------------------------

    /**
     * One drain: the distinct expected messages' arrival times at the subscriber, in seconds from the first.
     *
     * @param wireBytes topic + payload, what IoT Core's byte limit counts
     */
    private record Drained(String label, int stored, int payloadBytes, int wireBytes, double[] arrivals,
            int duplicates, BridgeRun process) {

        boolean complete() {
            return arrivals.length == stored;
        }

        /** Arrivals per second, (n − 1) / span, over arrivals {@code from} (inclusive) to {@code to} (exclusive). */
        double rate(int from, int to) {
            int last = Math.min(to, arrivals.length) - 1;
            return last - from < 1 ? Double.NaN : (last - from) / (arrivals[last] - arrivals[from]);
        }

        double rate() {
            return rate(0, arrivals.length);
        }

        /** The first arrival at or after {@code seconds}. */
        int firstAfter(double seconds) {
            int index = 0;
            while (index < arrivals.length && arrivals[index] < seconds) {
                index++;
            }
            return index;
        }
    }

    private Drained drain(String label, String flowControl, String topic, byte[] payload, int messages)
            throws Exception {
        String name = "drain-" + label.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
        Path outbox = work.resolve("outbox-" + name);
        subscriber.expect(prefill(outbox, topic, payload, messages));
        BridgeRun bridge = startBridge(name, Map.of("mmi.device.port", "", "mmi.mqtt.flow-control", flowControl,
                "mmi.outbox.dir", outbox.toString()));
        return measure(label, topic, payload, messages, bridge);
    }

    /**
     * The bridge started while the broker is down: it keeps retrying (1, 2, 4, 8 s apart). Right after the fourth
     * attempt fails, about 10 s after the start, the broker comes back (with a new subscriber), and the bridge drains
     * at its fifth, 6 to 8 s later, having run for about 15 s, as in the field. (Back just before an attempt, the
     * broker would take publishes before the subscriber is back.)
     */
    private Drained drainAfterOutage(String label, String topic, byte[] payload, int messages) throws Exception {
        String name = "drain-" + label.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
        Path outbox = work.resolve("outbox-" + name);
        List<String> ids = prefill(outbox, topic, payload, messages);
        subscriber.close();
        broker.stop();
        BridgeRun bridge = startBridge(name, Map.of("mmi.device.port", "", "mmi.mqtt.flow-control", "off",
                "mmi.outbox.dir", outbox.toString()));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .failFast("the bridge exited; see " + bridge.log, () -> !bridge.process.isAlive())
                .until(() -> bridge.retries(4) > 0);
        broker.restart();
        subscriber = new Subscriber(broker.url());
        subscriber.expect(ids);
        return measure(label, topic, payload, messages, bridge);
    }

    private Drained bare(String label, String topic, byte[] payload, int messages, Duration idle)
            throws Exception {
        String name = label.replaceAll("[^A-Za-z0-9]+", "-").toLowerCase(Locale.ROOT);
        Path outbox = work.resolve("outbox-" + name);
        subscriber.expect(prefill(outbox, topic, payload, messages));
        List<String> command = new ArrayList<>(List.of(java(), "-cp", bridgeClasspath + ":" + testClasses()));
        command.addAll(javaOpts);
        command.addAll(List.of(BarePahoPublisher.class.getName(), broker.url(), outbox.toString(), config.get(
                "window"), Long.toString(idle.toMillis())));
        return measure(label, topic, payload, messages, launch(name, command, false));
    }

    private Drained measure(String label, String topic, byte[] payload, int messages, BridgeRun process)
            throws Exception {
        Duration timeout = Duration.ofSeconds(60 + messages / 20);
        subscriber.await(timeout, process);
        process.stop();
        double[] arrivals = subscriber.arrivalSeconds();
        StringBuilder csv = new StringBuilder("seconds_since_first_arrival\n");
        for (double arrival : arrivals) {
            csv.append(String.format(Locale.ROOT, "%.6f%n", arrival));
        }
        Files.writeString(work.resolve(process.name + ".arrivals.csv"), csv);
        Drained drained = new Drained(label, messages, payload.length, topic.getBytes(StandardCharsets.UTF_8).length
                + payload.length, arrivals, subscriber.duplicates(), process);
        log(String.format(Locale.ROOT, "%s: %d of %d arrived in %.2f s, %.1f msg/s, %d duplicates%s", label,
                arrivals.length, messages, arrivals.length == 0 ? 0 : arrivals[arrivals.length - 1], drained.rate(),
                drained.duplicates(), process.bridge ? String.format(Locale.ROOT, ", peak RSS %.0f MB, drain thread"
                        + " %.0f µs CPU per message", process.peakRssMegabytes,
                        process.drainCpuSeconds * 1e6
                                / messages)
                        : ""));
        return drained;
    }

    private List<String> prefill(Path dir, String topic, byte[] payload, int messages) {
        List<String> ids = new ArrayList<>(messages);
        long started = System.nanoTime();
        try (Outbox outbox = Outbox.open(dir, 1L << 40, Outbox.FullPolicy.REJECT, Clock.systemUTC())) {
            for (int i = 0; i < messages; i++) {
                String id = UUID.randomUUID().toString();
                outbox.append(id, topic, payload, OutboxEntry.Kind.DATA, null);
                ids.add(id);
            }
        }
        log(String.format(Locale.ROOT, "Outbox %s: %d × %d B stored in %.1f s", dir.getFileName(), messages,
                payload.length, (System.nanoTime() - started) / 1e9));
        return ids;
    }

    /** A RIDES measurement (the 24 KB output, sample gzip+base64) as the ingest route turns it into a payload. */
    private static byte[] ridesPayload() throws Exception {
        String raw;
        try (InputStream in = DeliveryBenchmark.class.getResourceAsStream(
                "/fixtures/multispeq/synthetic/serial/measurement-rides-v2-reconstructed.raw")) {
            raw = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        CamelContext context = new DefaultCamelContext();
        context.start();
        try {
            Exchange exchange = new DefaultExchange(context);
            exchange.getMessage().setBody(raw.substring(0, raw.length() - 8));
            exchange.getMessage().setHeader(MultispeqConstants.LAST_BYTE_AT, Instant.now());
            new ParseMeasurement().process(exchange);
            new SplitMeasurement().process(exchange);
            List<?> parts = exchange.getMessage().getBody(List.class);
            Exchange part = new DefaultExchange(context);
            part.getMessage().setHeaders(exchange.getMessage().getHeaders());
            part.getMessage().setBody(parts.get(0));
            new EnrichMeasurement().process(part);
            new SerializePayload().process(part);
            return part.getMessage().getBody(String.class).getBytes(StandardCharsets.UTF_8);
        } finally {
            context.stop();
        }
    }

    // ---- processes --------------------------------------------------------------------------------------------

    private BridgeRun startBridge(String name, Map<String, String> settings) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", bridgeClasspath));
        command.addAll(javaOpts);
        command.addAll(List.of(MmiCommand.class.getName(), "run"));
        Map<String, String> all = new LinkedHashMap<>(Map.of("mmi.mqtt.broker-url", broker.url(),
                "mmi.mqtt.client-id", CLIENT_ID));
        all.putAll(settings);
        all.forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
        BridgeRun run = launch(name, command, true);
        bridgeRuns.add(run);
        return run;
    }

    private BridgeRun launch(String name, List<String> command, boolean bridge) throws IOException {
        Path log = work.resolve(name + ".log");
        Process process = new ProcessBuilder(command).directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new BridgeRun(name, process, log, bridge);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String testClasses() {
        return Arrays.stream(System.getProperty("java.class.path").split(":"))
                .filter(entry -> entry.endsWith("test-classes") || entry.endsWith("test-classes/"))
                .findFirst()
                .orElse("target/test-classes");
    }

    /** A bridge (or bare client) process and its log. */
    private static final class BridgeRun {

        final String name;
        final Process process;
        final Path log;
        /** The bridge, not the bare client. */
        final boolean bridge;
        double peakRssMegabytes = Double.NaN;
        /** CPU time of the bridge's drain thread (MmiOutboxPublisher[identity]), seconds. */
        double drainCpuSeconds = Double.NaN;

        BridgeRun(String name, Process process, Path log, boolean bridge) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.bridge = bridge;
        }

        /** Reads the peak RSS, then SIGTERM (the bridge logs its summary) and waits for the exit. */
        void stop() throws InterruptedException, IOException {
            if (process.isAlive()) {
                try {
                    peakRssMegabytes = vmHwmMegabytes(process.pid());
                    drainCpuSeconds = threadCpuSeconds(process.pid(), "MmiOutboxPublisher[");
                } catch (NoSuchFileException e) {
                    // Exited meanwhile (the bare client does when done): nothing left to read.
                }
                process.destroy();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(name + " did not stop within 60 s after SIGTERM; see " + log);
            }
        }

        Matcher summary() throws IOException {
            Matcher matcher = SUMMARY.matcher(Files.readString(log));
            if (!matcher.find()) {
                throw new IllegalStateException("No delivery summary line in " + log);
            }
            return matcher;
        }

        /** Failed connection attempts logged so far whose next attempt is at least {@code seconds} away. */
        int retries(int seconds) throws IOException {
            Matcher matcher = RETRY.matcher(Files.readString(log));
            int count = 0;
            while (matcher.find()) {
                count += Integer.parseInt(matcher.group(1)) >= seconds ? 1 : 0;
            }
            return count;
        }

        /** What the bare client says about its publishing thread. */
        String bareSummary() throws IOException {
            Matcher matcher = BARE_CPU.matcher(Files.readString(log));
            return matcher.find() ? "publishing thread " + matcher.group(1) + " µs CPU/msg" : "see " + log;
        }

        int warnings() throws IOException {
            try (Stream<String> lines = Files.lines(log)) {
                return (int) lines.filter(line -> line.contains("WARN") || line.contains("ERROR")).count();
            }
        }
    }

    /**
     * CPU time of the process's thread whose name contains {@code name}, from the JVM's own thread dump
     * ({@code jcmd <pid> Thread.print}, {@code cpu=…ms}): Camel names its threads {@code Camel (camel-1) thread #7 -
     * MmiOutboxPublisher[default]}, longer than the 15 characters {@code /proc} keeps.
     */
    private static double threadCpuSeconds(long pid, String name) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print").redirectErrorStream(
                true).start();
        String threads = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!dump.waitFor(30, TimeUnit.SECONDS)) {
            dump.destroyForcibly();
            throw new IOException("jcmd " + pid + " Thread.print did not exit within 30 s");
        }
        Matcher matcher = Pattern.compile("^\"[^\"]*" + Pattern.quote(name) + "[^\"]*\".*? cpu=([0-9.]+)ms",
                Pattern.MULTILINE).matcher(threads);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) / 1000 : Double.NaN;
    }

    private static double vmHwmMegabytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    // ---- the subscriber ---------------------------------------------------------------------------------------

    /** One data message as received, for the latency: arrival time and payload. */
    private record Received(String topic, String payload, Instant arrivedAt) {

        /** Last byte (the payload's timestamp) → arrival. */
        double latencyMillis() {
            Matcher matcher = TIMESTAMP.matcher(payload);
            if (!matcher.find()) {
                throw new IllegalStateException("No timestamp in " + payload);
            }
            Instant lastByte = OffsetDateTime.parse(matcher.group(1)).toInstant();
            return Duration.between(lastByte, arrivedAt).toNanos() / 1e6;
        }
    }

    /**
     * A QoS 1 subscriber to the data topics. Either records every message ({@link #expectAny}) or counts the first
     * arrival of each expected message id, by its {@code message-id} user property ({@link #expect}).
     */
    private static final class Subscriber implements MqttCallback, AutoCloseable {

        private final MqttAsyncClient client;
        private Set<String> expected;
        private final Set<String> seen = new HashSet<>();
        private int wanted;
        private long[] arrivals = new long[0];
        private int arrived;
        private int duplicates;
        private final List<Received> received = new ArrayList<>();

        Subscriber(String brokerUrl) throws MqttException, MqttConfigurationException {
            client = new MqttAsyncClient(brokerUrl, "delivery-bench-subscriber", new MemoryPersistence());
            client.setCallback(this);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setSocketFactory(new NoDelaySocketFactory());
            client.connect(options).waitForCompletion(10_000);
            client.subscribe(new MqttSubscription[]{new MqttSubscription(DATA_FILTER, 1)}).waitForCompletion(10_000);
        }

        synchronized void expectAny(int count) {
            expected = null;
            wanted = count;
            reset();
        }

        synchronized void expect(List<String> ids) {
            expected = new HashSet<>(ids);
            wanted = ids.size();
            reset();
        }

        private void reset() {
            seen.clear();
            received.clear();
            arrivals = new long[wanted];
            arrived = 0;
            duplicates = 0;
        }

        @Override
        public synchronized void messageArrived(String topic, MqttMessage message) {
            long now = System.nanoTime();
            if (expected == null) {
                if (arrived < wanted) {
                    received.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8),
                            Instant.now()));
                    arrivals[arrived++] = now;
                    notifyAll();
                }
                return;
            }
            String id = null;
            for (UserProperty property : message.getProperties().getUserProperties()) {
                if ("message-id".equals(property.getKey())) {
                    id = property.getValue();
                }
            }
            if (id == null || !expected.contains(id)) {
                return;
            }
            if (!seen.add(id)) {
                duplicates++;
                return;
            }
            arrivals[arrived++] = now;
            if (arrived == wanted) {
                notifyAll();
            }
        }

        /** Waits until everything expected arrived; false after the timeout or when the process exits first. */
        synchronized boolean await(Duration timeout, BridgeRun run) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (arrived < wanted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                if (!run.process.isAlive()) {
                    // Exited (the bare client does when done): messages already on their way get a second.
                    wait(1000);
                    return arrived >= wanted;
                }
                wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
            }
            return true;
        }

        synchronized List<Received> received() {
            return List.copyOf(received);
        }

        /** Arrival times of the distinct expected messages, seconds from the first. */
        synchronized double[] arrivalSeconds() {
            double[] seconds = new double[arrived];
            for (int i = 0; i < arrived; i++) {
                seconds[i] = (arrivals[i] - arrivals[0]) / 1e9;
            }
            return seconds;
        }

        synchronized int duplicates() {
            return duplicates;
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            System.err.println("Subscriber disconnected: " + response);
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            System.err.println("Subscriber error: " + exception);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }

        @Override
        public void close() throws MqttException {
            client.disconnect().waitForCompletion(5000);
            client.close();
        }
    }

    // ---- the table --------------------------------------------------------------------------------------------

    private record Row(String metric, String value, String target, Boolean met) {
    }

    /** Unthrottled drains of the bridge and of bare Paho under the same conditions, round by round. */
    private record Comparison(String when, List<Drained> bridge, List<Drained> bare) {
    }

    private void report(Received template, Drained iotCore, List<Comparison> comparisons, Drained rides,
            String loadBefore, String loadAfter) throws IOException {
        int messages = iotCore.stored();
        int wire = iotCore.wireBytes();
        double rate = iotCore.rate();
        // The publish bucket holds one token: at most one publish above the rate over the whole drain.
        boolean withinCap = rate <= IOT_CORE_PUBLISHES * (1 + 1.0 / (messages - 1)) + 0.5;
        rows.add(new Row(String.format(Locale.ROOT, "drain %,d × %d B, IoT Core profile", messages, iotCore
                .payloadBytes()), String.format(Locale.ROOT, "%.1f msg/s", rate), String.format(Locale.ROOT,
                        "≥ 95 msg/s, ≤ 100 (512 KiB/s ÷ %d B = %,.0f)", wire, IOT_CORE_BYTES / wire),
                iotCore
                        .complete() && rate >= 95 && withinCap));
        for (Comparison comparison : comparisons) {
            compare(comparison);
        }
        if (rides != null) {
            // After the first second: the byte bucket starts full (one largest message, 128.5 KiB).
            int from = rides.firstAfter(1.0);
            double steady = rides.rate(from, rides.stored());
            double bytesPerSecond = steady * rides.wireBytes();
            double span = rides.arrivals()[rides.arrivals().length - 1] - rides.arrivals()[from];
            // What a token bucket of 512 KiB/s may pass: the rate plus, once, what it holds (128.5 KiB).
            double allowed = IOT_CORE_BYTES + (128 * 1024 + 512) / span;
            rows.add(new Row(String.format(Locale.ROOT, "drain %,d × %,d B (RIDES), IoT Core profile, after 1st s",
                    rides.stored(), rides.payloadBytes()),
                    String.format(Locale.ROOT, "%.1f msg/s = %.0f KiB/s",
                            steady, bytesPerSecond / 1024),
                    String.format(Locale.ROOT,
                            "95–100 %% of 512 KiB/s (%.1f msg/s)", IOT_CORE_BYTES / rides.wireBytes()),
                    rides
                            .complete() && bytesPerSecond >= 0.95 * IOT_CORE_BYTES
                            && bytesPerSecond <= allowed));
        }
        double peak = bridgeRuns.stream().mapToDouble(run -> run.peakRssMegabytes).max().orElse(Double.NaN);
        rows.add(new Row("bridge peak RSS (VmHWM), max of " + bridgeRuns.size() + " bridge runs", String.format(
                Locale.ROOT, "%.0f MB", peak), "≤ 256 MB", peak <= 256));

        System.out.println();
        System.out.printf("End-to-end delivery (simulated MultispeQ on a pty → bridge → Mosquitto → subscriber), %s;"
                + " Java %s, %d CPUs, load average before %s, after %s%n", Instant.now().toString().substring(0, 10),
                Runtime.version(), Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
        int metricWidth = rows.stream().mapToInt(row -> row.metric().length()).max().orElse(10);
        int valueWidth = rows.stream().mapToInt(row -> row.value().length()).max().orElse(10);
        int targetWidth = rows.stream().mapToInt(row -> row.target().length()).max().orElse(10);
        String format = "%-" + metricWidth + "s  %" + valueWidth + "s  %-" + targetWidth + "s  %s%n";
        System.out.printf(format, "metric", "value", "target", "met?");
        for (Row row : rows) {
            System.out.printf(format, row.metric(), row.value(), row.target(), row.met() == null ? ""
                    : row.met() ? "yes" : "NO");
        }
        System.out.println();
        System.out.printf("Payload %d B on %s (topic %d B); RIDES payload %s.%n", iotCore.payloadBytes(), template
                .topic(), wire - iotCore.payloadBytes(), rides == null ? "not run" : rides.payloadBytes() + " B");
        System.out.println("Runs (msg/s at the subscriber, first to last arrival):");
        List<Drained> all = new ArrayList<>(List.of(iotCore));
        for (Comparison comparison : comparisons) {
            for (int i = 0; i < comparison.bridge().size(); i++) {
                all.add(comparison.bare().get(i));
                all.add(comparison.bridge().get(i));
            }
        }
        if (rides != null) {
            all.add(rides);
        }
        for (Drained run : all) {
            BridgeRun process = run.process();
            String detail = process.bridge ? String.format(Locale.ROOT,
                    "peak RSS %.0f MB, drain thread %.0f µs CPU/msg,"
                            + " %d WARN/ERROR log lines",
                    process.peakRssMegabytes, process.drainCpuSeconds * 1e6 / run
                            .stored(),
                    process.warnings()) : process.bareSummary();
            System.out.printf(Locale.ROOT, "  %-38s %8.1f msg/s, %d duplicates%s; %s%n", run.label(), run.rate(), run
                    .duplicates(),
                    run.complete() ? ""
                            : ", INCOMPLETE: " + run.arrivals().length + " of " + run
                                    .stored(),
                    detail);
        }
        BridgeRun latency = bridgeRuns.get(0);
        System.out.printf(Locale.ROOT, "  %-38s peak RSS %.0f MB, %d WARN/ERROR log lines%n", "latency run",
                latency.peakRssMegabytes, latency.warnings());
        System.out.println("Logs and arrival times: " + work);
    }

    /** A row comparing the bridge with bare Paho: the ratio of the median rates over the rounds. */
    private void compare(Comparison comparison) {
        double bridgeRate = median(comparison.bridge());
        double bareRate = median(comparison.bare());
        double ratio = bridgeRate / bareRate;
        boolean complete = Stream.concat(comparison.bridge().stream(), comparison.bare().stream())
                .allMatch(Drained::complete);
        rows.add(new Row(String.format(Locale.ROOT, "drain %,d, no flow control, %s: bridge ÷ bare Paho (medians"
                + " of %d)", comparison.bridge().get(0).stored(), comparison.when(), comparison.bridge().size()),
                String.format(Locale.ROOT, "%,.0f ÷ %,.0f msg/s = %.0f %%", bridgeRate, bareRate, ratio * 100),
                "≥ 80 %", complete && ratio >= 0.8));
    }

    private static double median(List<Drained> runs) {
        double[] rates = runs.stream().mapToDouble(Drained::rate).sorted().toArray();
        int middle = rates.length / 2;
        return rates.length % 2 == 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
    }

    private static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static Duration parseMillis(String text) {
        Matcher matcher = Pattern.compile("(\\d+)(ms|s)").matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("interval must be like 250ms or 1s, was " + text);
        }
        long value = Long.parseLong(matcher.group(1));
        return "s".equals(matcher.group(2)) ? Duration.ofSeconds(value) : Duration.ofMillis(value);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void log(String text) {
        System.out.println("[" + Instant.now().toString().substring(11, 19) + "] " + text);
    }

    private void close() {
        try {
            if (subscriber != null) {
                subscriber.close();
            }
        } catch (MqttException e) {
            System.err.println("Closing the subscriber: " + e.getMessage());
        }
        for (BridgeRun run : bridgeRuns) {
            run.process.destroyForcibly();
        }
        try {
            if (broker != null) {
                broker.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(path);
            }
        }
    }
}
