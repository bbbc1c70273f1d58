package org.openjii.mmi.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.Mounts;
import org.openjii.mmi.test.MqttRecorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.test.TestJson.json;

/**
 * An outbox that cannot store is loud: {@code mmi run} (its simulator measuring every 200 ms, a real Mosquitto) on a
 * tmpfs that fills up, on an outbox file that is read-only, and on a damaged file; each is reported by readiness
 * ({@code /observe/health/ready}) and the {@code mmi_outbox_store_failures_total} counter, with the real cause. What
 * was measured meanwhile is held in memory and delivered once there is room. Mounting needs root: without it these
 * tests skip on a laptop and fail under CI.
 */
class OutboxFaultsIT {

    private static final String DATA = "experiment/data_ingest/v1/faults-experiment/";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private MqttRecorder recorder;
    private final Mounts mounts = new Mounts();
    private BridgeProcess bridge;
    private int port;

    @BeforeEach
    void startBroker() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        broker = MosquittoBroker.start(Files.createDirectories(dir.resolve("broker")));
        recorder = MqttRecorder.subscribe(broker.url(), "faults-recorder", DATA + "#");
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        mounts.close();
        if (recorder != null) {
            recorder.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private BridgeProcess startBridge(Path outbox, String name) throws IOException {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Map<String, String> settings = new HashMap<>(Map.of("mmi.mqtt.broker-url", broker.url(),
                "mmi.mqtt.client-id", "mmi-faults-" + name, "mmi.experiment-id", "faults-experiment",
                "mmi.outbox.dir", outbox.toString(), "mmi.device.port", "sim", "mmi.device.interval", "200ms",
                "mmi.simulator.options", "max-run-time=0s", "mmi.http.port", String.valueOf(port)));
        bridge = BridgeProcess.start(dir.resolve(name + ".log"), settings);
        return bridge;
    }

    /** SIGTERM, as systemd or Kubernetes stops it: the outbox is closed cleanly. */
    private void stopBridge() throws InterruptedException {
        bridge.process().destroy();
        assertThat(bridge.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shouldReportAFullDiskAndDeliverWhatWasMeasuredOnceThereIsRoom() throws Exception {
        Mounts.assumePrivileged();
        Path disk = mounts.tmpfs(dir.resolve("disk"), "2m");
        Path outbox = disk.resolve("outbox");
        startBridge(outbox, "disk-full");
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() >= 5);

        // Everything but 16 KiB taken: a few commits of the write-ahead log later, the disk is full.
        Path filler = disk.resolve("filler");
        try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long fill = Files.getFileStore(disk).getUsableSpace() - 16 * 1024;
            ByteBuffer block = ByteBuffer.allocate(64 * 1024);
            while (fill > 0) {
                block.clear().limit((int) Math.min(block.capacity(), fill));
                fill -= channel.write(block);
            }
        }
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> ready = get("/observe/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
            // (Camel escapes the message's slashes twice; the bridge's log below has the path as it is.)
            assertThat(ready.body()).contains("disk full at ");
        });
        String metrics = get("/observe/metrics").body();
        assertThat(value(metrics, "mmi_outbox_store_failures_total", "cause=\"disk-full\"").orElse(0)).isPositive();
        await().atMost(WAIT).until(() -> value(get("/observe/metrics").body(), "mmi_outbox_held", "").orElse(0) >= 5);
        assertThat(bridge.output()).contains("disk full at " + outbox.toRealPath())
                .doesNotContain("cannot commit - no transaction is active");

        Files.delete(filler);
        await().atMost(WAIT).until(() -> get("/observe/health/ready").statusCode() == 200);
        assertThat(value(get("/observe/metrics").body(), "mmi_outbox_held", "")).hasValue(0);
        assertThat(value(get("/observe/metrics").body(), "mmi_outbox_held_lost_total", "")).hasValue(0);
        // Nothing measured during the full disk is missing: the device's runs, 200 ms apart, arrive without a gap.
        int before = recorder.on(DATA).size();
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() >= before + 5);
        List<OffsetDateTime> times = recorder.on(DATA)
                .stream()
                .map(m -> OffsetDateTime.parse(json(m.payload()).path("timestamp").asText()))
                .sorted()
                .toList();
        for (int i = 1; i < times.size(); i++) {
            assertThat(Duration.between(times.get(i - 1), times.get(i))).as("between run %d and %d", i - 1, i)
                    .isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void shouldReportAReadOnlyOutbox() throws Exception {
        Mounts.assumePrivileged();
        Path outbox = mounts.tmpfs(dir.resolve("ro"), "16m").resolve("outbox");
        startBridge(outbox, "read-only-first");
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() >= 3);
        stopBridge();
        mounts.readOnly(outbox.resolve(Outbox.FILE_NAME));

        startBridge(outbox, "read-only");

        // (Until its HTTP server listens, the connection is refused.)
        await().atMost(WAIT).ignoreExceptionsInstanceOf(IOException.class).untilAsserted(() -> {
            assertThat(bridge.isAlive()).as(bridge.output()).isTrue();
            HttpResponse<String> ready = get("/observe/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
            assertThat(ready.body()).contains("is read-only");
        });
        String metrics = get("/observe/metrics").body();
        assertThat(value(metrics, "mmi_outbox_store_failures_total", "cause=\"read-only\"").orElse(0)).isPositive();
        assertThat(value(metrics, "mmi_outbox_held", "").orElse(0)).as("measurements held, not lost").isPositive();
    }

    @Test
    void shouldMoveADamagedOutboxAsideAtStartAndMeasureOn() throws Exception {
        Path outbox = dir.resolve("damaged");
        startBridge(outbox, "damaged-first");
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() >= 3);
        stopBridge();
        // Every page but the first (the header) overwritten: SQLite still sees a database, but a damaged one.
        Path file = outbox.resolve(Outbox.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        Arrays.fill(bytes, 4096, bytes.length, (byte) 0x5A);
        Files.write(file, bytes);
        int before = recorder.on(DATA).size();

        startBridge(outbox, "damaged");

        await().atMost(WAIT).until(() -> recorder.on(DATA).size() >= before + 3);
        try (var files = Files.list(outbox)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(name -> name.matches(
                    "outbox\\.db\\.corrupt-\\d{8}T\\d{6}Z"));
        }
        assertThat(bridge.output()).contains("is damaged").contains("moved it aside to outbox.db.corrupt-");
        assertThat(value(get("/observe/metrics").body(), "mmi_outbox_store_failures_total", "cause=\"corrupt\""))
                .hasValue(1);
        assertThat(get("/observe/health/ready?exposureLevel=full&data=true").body()).contains("outbox.moved-aside");
    }

    /**
     * A page damaged while the outbox is open is found when it is read: the readiness check says so and the failure is
     * counted, until the next start moves the file aside. (On real files; the bridge's own reads would find it the
     * same way once the page is not in SQLite's cache.)
     */
    @Test
    void shouldReportAPageDamagedWhileRunning() throws Exception {
        Path outbox = dir.resolve("page");
        Clock clock = Clock.systemUTC();
        try (Outbox filling = Outbox.open(outbox, 100_000_000, Outbox.FullPolicy.REJECT, clock)) {
            for (int i = 0; i < 3000; i++) {
                filling.append("m" + i, "t/m", new byte[4000], OutboxEntry.Kind.DATA, null);
            }
        }
        try (Outbox open = Outbox.open(outbox, 100_000_000, Outbox.FullPolicy.REJECT, clock)) {
            // The first megabytes: read at open, long out of SQLite's 2 MB page cache since.
            try (FileChannel channel = FileChannel.open(outbox.resolve(Outbox.FILE_NAME), StandardOpenOption.WRITE)) {
                byte[] garbage = new byte[3 * 1024 * 1024];
                Arrays.fill(garbage, (byte) 0x5A);
                channel.write(ByteBuffer.wrap(garbage), 1024 * 1024);
            }
            OutboxSpill spill = new OutboxSpill(open, "default", clock);
            OutboxHealthCheck check = new OutboxHealthCheck("default", open, spill);
            check.setCamelContext(new DefaultCamelContext());

            assertThatThrownBy(() -> open.after(0, 3000)).isInstanceOf(OutboxException.class)
                    .hasMessageContaining("is damaged");
            HealthCheck.Result result = check.call(Map.of());
            assertThat(result.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(result.getMessage()).hasValueSatisfying(message -> assertThat(message).contains("is damaged"));
            assertThat(open.faults().count(OutboxFault.CORRUPT)).isPositive();
            // A write that goes through does not make it well: the damage stays until the next start.
            open.append("after", "t/m", new byte[10], OutboxEntry.Kind.DATA, null);
            assertThat(check.call(Map.of()).getState()).isEqualTo(HealthCheck.State.DOWN);
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The value of a Prometheus sample {@code name{labels} value} whose labels contain {@code label}. */
    private static OptionalDouble value(String exposition, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(exposition);
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(label)) {
                return OptionalDouble.of(Double.parseDouble(m.group(2)));
            }
        }
        return OptionalDouble.empty();
    }
}
