package org.openjii.mmi.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.LatencyProxy;
import org.openjii.mmi.test.MosquittoBroker;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Chooses the MQTT client: bare Paho ({@link BarePahoPublisher}) against the bare HiveMQ MQTT client
 * ({@link BareHiveMqPublisher}), each in its own cold JVM, publishing the same outbox of PAR-size messages at QoS 1
 * to Mosquitto (Receive Maximum 100, as on AWS IoT Core): on loopback, and through a {@link LatencyProxy} that makes
 * a 100 ms round trip, with a window of 100 publishes in flight and with one (waiting for each PUBACK, as
 * camel-paho-mqtt5's producer does). Rates are publisher-side, first publish to last PUBACK; medians of
 * {@code rounds}. Arguments key=value: messages=2000 rtt-messages=500 sync-messages=50 rounds=3.
 */
public final class ClientBenchmark {

    private static final Pattern RESULT = Pattern.compile(": (\\d+) messages, (\\d+) ms first publish to last PUBACK,"
            + " window (\\d+), (\\d+) failed, publishing thread (\\d+) µs CPU per message");

    private final Map<String, String> config;
    private final Path work = Path.of("target/client-bench").toAbsolutePath();

    private ClientBenchmark(Map<String, String> config) {
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> config = new LinkedHashMap<>(Map.of("messages", "2000", "rtt-messages", "500",
                "sync-messages", "50", "rounds", "3"));
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 0 || !config.containsKey(arg.substring(0, eq))) {
                System.err.println("Unknown argument " + arg + "; known: " + config.keySet() + " as key=value");
                System.exit(2);
            }
            config.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        new ClientBenchmark(config).run();
        System.exit(0);
    }

    private void run() throws Exception {
        DeliveryBenchmark.deleteRecursively(work);
        Files.createDirectories(work);
        JsonNode golden = DeviceJson.mapper()
                .readTree(Path.of("src/test/resources/golden/par_fw2.3465.json").toFile());
        String topic = golden.get("topic").asText();
        byte[] payload = DeviceJson.write(golden.get("payload")).getBytes(StandardCharsets.UTF_8);
        int rounds = Integer.parseInt(config.get("rounds"));
        List<String[]> rows = new ArrayList<>();
        try (MosquittoBroker broker = MosquittoBroker.start(Files.createDirectories(work.resolve("broker")),
                "max_inflight_messages 100", "max_queued_messages 1000000", "log_type error");
                LatencyProxy far = LatencyProxy.start("127.0.0.1", broker.port(), Duration.ofMillis(50))) {
            String near = broker.url();
            String distant = "tcp://127.0.0.1:" + far.port();
            record Scenario(String name, String url, int messages, int window) {
            }
            List<Scenario> scenarios = List.of(
                    new Scenario("loopback, 100 in flight", near, integer("messages"), 100),
                    new Scenario("100 ms round trip, 100 in flight", distant, integer("rtt-messages"), 100),
                    new Scenario("100 ms round trip, 1 in flight (wait for each PUBACK)", distant,
                            integer("sync-messages"), 1));
            for (Scenario scenario : scenarios) {
                String[] row = new String[]{scenario.name(), "", ""};
                int column = 1;
                for (Class<?> client : List.of(BarePahoPublisher.class, BareHiveMqPublisher.class)) {
                    List<double[]> results = new ArrayList<>();
                    for (int round = 1; round <= rounds; round++) {
                        Path outbox = work.resolve(client.getSimpleName() + "-" + scenario.messages() + "-"
                                + scenario.window() + "-" + round + "-" + scenario.url().hashCode());
                        prefill(outbox, topic, payload, scenario.messages());
                        results.add(publish(client, scenario.url(), outbox, scenario.window()));
                    }
                    results.sort((a, b) -> Double.compare(a[0], b[0]));
                    double[] median = results.get(results.size() / 2);
                    row[column++] = String.format(Locale.ROOT, "%,.1f msg/s (%.0f µs CPU/msg)", median[0], median[1]);
                    System.out.printf(Locale.ROOT, "%s, %s: %s%n", scenario.name(), client.getSimpleName(),
                            row[column - 1]);
                }
                rows.add(row);
            }
        }
        System.out.println();
        System.out.printf("| Scenario (%s rounds, medians) | bare Paho 1.2.5 | bare HiveMQ MQTT client 1.4.2 |%n",
                rounds);
        System.out.println("|---|---|---|");
        for (String[] row : rows) {
            System.out.printf("| %s | %s | %s |%n", row[0], row[1], row[2]);
        }
        System.out.printf("%nLoad average: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private int integer(String key) {
        return Integer.parseInt(config.get(key));
    }

    private static void prefill(Path dir, String topic, byte[] payload, int messages) {
        try (Outbox outbox = Outbox.open(dir, 1L << 40, Outbox.FullPolicy.REJECT, Clock.systemUTC())) {
            for (int i = 0; i < messages; i++) {
                outbox.append(UUID.randomUUID().toString(), topic, payload, OutboxEntry.Kind.DATA, null);
            }
        }
    }

    /** Runs one bare publisher in its own JVM; returns messages per second and CPU µs per message. */
    private static double[] publish(Class<?> client, String url, Path outbox, int window)
            throws IOException, InterruptedException {
        Path log = outbox.resolveSibling(outbox.getFileName() + ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), client.getName(), url, outbox.toString(),
                Integer.toString(window)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(client.getSimpleName() + " did not finish; see " + log);
        }
        Matcher result = RESULT.matcher(Files.readString(log));
        if (!result.find() || !"0".equals(result.group(4))) {
            throw new IllegalStateException(client.getSimpleName() + " failed; see " + log);
        }
        double messages = Double.parseDouble(result.group(1));
        double millis = Double.parseDouble(result.group(2));
        return new double[]{messages * 1000 / millis, Double.parseDouble(result.group(5))};
    }
}
