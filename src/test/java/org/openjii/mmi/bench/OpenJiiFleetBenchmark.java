package org.openjii.mmi.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;
import org.openjii.mmi.test.openjii.OnboardingConfig.Procedure;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.Packaging;
import org.openjii.mmi.test.openjii.OpenJiiSite;
import org.openjii.mmi.test.openjii.OpenJiiThing;

import static org.awaitility.Awaitility.await;

/**
 * What one gateway pays per openJII Thing: a bridge in openJII mode ({@code mmi run --openjii DIR}, its own JVM) serves
 * N simulated MultispeQs on N ptys, each its own Thing with its own TLS connection and outbox, against the Mosquitto
 * that enforces openJII's policy. Per N it prints the time from start until every Thing has published, the data rate
 * at the broker over a steady window, the bridge's CPU over that window (from {@code /proc/<pid>/stat}), its resident
 * memory now and at peak ({@code VmRSS}, {@code VmHWM}) and its thread count. Run through {@code bench/openjii.sh},
 * not surefire (the class is not a test). Arguments key=value: {@code things=1,4,8 interval=500ms window=20s}.
 */
public final class OpenJiiFleetBenchmark {

    private static final String PAR = "[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]";
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private record Row(int things, double toAllPublishing, double messagesPerSecond, double cpuPercent, long rssMb,
            long peakRssMb, long threads) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> config = new LinkedHashMap<>(Map.of("things", "1,4,8", "interval", "500ms", "window",
                "20s"));
        for (String arg : args) {
            String[] pair = arg.split("=", 2);
            if (pair.length != 2 || !config.containsKey(pair[0])) {
                throw new IllegalArgumentException("Unknown argument " + arg + "; known: " + config.keySet());
            }
            config.put(pair[0], pair[1]);
        }
        Duration interval = Duration.ofMillis(millis(config.get("interval")));
        Duration window = Duration.ofMillis(millis(config.get("window")));
        Path root = Files.createDirectories(Path.of("target", "openjii-bench"));
        List<Row> rows = new ArrayList<>();
        for (String count : config.get("things").split(",")) {
            rows.add(run(Integer.parseInt(count.trim()), interval, window, Files.createTempDirectory(root, "n"
                    + count.trim() + "-")));
        }
        System.out.printf(Locale.ROOT, "%nopenJII mode, one bridge, N Things (measurement interval %d ms, window %d s)"
                + "%n%n", interval.toMillis(), window.toSeconds());
        System.out.println("| Things | until all publish (s) | messages/s at the broker | bridge CPU (% of one core)"
                + " | RSS (MB) | peak RSS (MB) | threads |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.0f | %d | %d | %d |%n", row.things(), row
                    .toAllPublishing(), row.messagesPerSecond(), row.cpuPercent(), row.rssMb(), row.peakRssMb(),
                    row
                            .threads());
        }
    }

    private static Row run(int things, Duration interval, Duration window, Path dir) throws Exception {
        OpenJiiSite site = OpenJiiSite.start(dir);
        List<PtySimulator> devices = new ArrayList<>();
        BridgeProcess bridge = null;
        try (MqttRecorder data = site.broker().recordData("openjii-ingest")) {
            List<OpenJiiThing> registered = new ArrayList<>();
            List<String> topics = new ArrayList<>();
            for (int i = 0; i < things; i++) {
                String serial = String.format(Locale.ROOT, "01:12:54:%02d", i);
                Experiment experiment = Experiment.of("multispeq", "Bench " + i, Procedure.protocol(UUID.randomUUID(),
                        "PAR", "multispeq", PAR));
                registered.add(site.downloads().register("multispeq", serial).onboard(experiment));
                topics.add(experiment.topic("2", serial));
                devices.add(PtySimulator.start(dir.resolve("tty" + i), SimulatorOptions.builder()
                        .deviceId(serial)
                        .runTime(Duration.ZERO)
                        .maxRunTime(Duration.ZERO)
                        .chunkPause(Duration.ZERO)
                        .build()));
            }
            site.downloads().writeGroupCredentials("Bench", Packaging.ZIP, registered.toArray(OpenJiiThing[]::new));
            site.downloads().writeGroupConfigs("Bench", Packaging.ZIP, registered.toArray(OpenJiiThing[]::new));
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("mmi.openjii.dir", site.downloads().dir().toString());
            settings.put("mmi.openjii.port", Integer.toString(site.broker().port()));
            settings.put("mmi.device.port", String.join(",", devices.stream()
                    .map(device -> device.hostLink().toString())
                    .toList()));
            settings.put("mmi.device.interval", interval.toMillis() + "ms");
            settings.put("mmi.outbox.dir", dir.resolve("outbox").toString());
            long started = System.nanoTime();
            bridge = BridgeProcess.start(dir.resolve("bridge.log"), settings);
            BridgeProcess running = bridge;
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!running.isAlive()) {
                            throw new IllegalStateException("The bridge stopped:\n" + running.output());
                        }
                        return topics.stream().allMatch(topic -> !data.on(topic).isEmpty());
                    });
            double toAll = (System.nanoTime() - started) / 1e9;
            long pid = bridge.process().pid();
            long cpuBefore = cpuTicks(pid);
            int messagesBefore = data.messages().size();
            long windowStarted = System.nanoTime();
            await().pollDelay(window).atMost(window.plusSeconds(5)).until(() -> true);
            double seconds = (System.nanoTime() - windowStarted) / 1e9;
            int messages = data.messages().size() - messagesBefore;
            double cpu = (cpuTicks(pid) - cpuBefore) / (double) CLOCK_TICKS_PER_SECOND / seconds * 100;
            Map<String, String> status = status(pid);
            return new Row(things, toAll, messages / seconds, cpu, kilobytes(status, "VmRSS") / 1024, kilobytes(
                    status, "VmHWM") / 1024, Long.parseLong(status.get("Threads").trim()));
        } finally {
            if (bridge != null) {
                bridge.close();
            }
            devices.forEach(PtySimulator::close);
            site.broker().close();
        }
    }

    /** utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/pid/stat). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static Map<String, String> status(long pid) throws IOException {
        Map<String, String> status = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                status.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return status;
    }

    private static long kilobytes(Map<String, String> status, String key) {
        return Long.parseLong(status.get(key).trim().split("\\s+")[0]);
    }

    private static long millis(String text) {
        return org.apache.camel.util.TimeUtils.toMilliSeconds(text);
    }
}
