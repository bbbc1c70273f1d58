package org.openjii.mmi.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.OpenJiiAsyncApi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.test.TestJson.json;

/**
 * {@code mmi backfill DIR} as a separate process against a real Mosquitto: every public fixture measurement arrives
 * (a run the device reported as failed arrives as a dead letter with the file's bytes), and a backfill killed with
 * {@code kill -9} in the middle resumes and neither loses nor re-creates a message.
 */
class BackfillIT {

    private static final Path FIXTURES = Path.of("src/test/resources/fixtures/multispeq/public/measurements");

    @TempDir
    static Path dir;

    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        broker = MosquittoBroker.start(dir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static Process backfill(Path folder, Path outbox, String clientId, Path output) throws IOException {
        return backfill(folder, outbox, clientId, output, List.of());
    }

    /** {@code mmi backfill} in its own JVM of at most 256 MB heap, with the production logging configuration. */
    private static Process backfill(Path folder, Path outbox, String clientId, Path output, List<String> options)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2.xml").toAbsolutePath(),
                MmiCommand.class.getName(), "backfill", folder.toString(), "--experiment", "backfill-it", "--set",
                "mmi.mqtt.broker-url=" + broker.url(), "--set", "mmi.mqtt.client-id=" + clientId, "--set",
                "mmi.outbox.dir=" + outbox));
        command.addAll(options);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /** Runs a backfill to its end; returns its console output, and checks its exit code. */
    private static String backfillToTheEnd(Path folder, String name, int exitCode) throws Exception {
        Path output = dir.resolve(name + ".log");
        Process process = backfill(folder, dir.resolve(name + "-outbox"), name, output);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(log).isEqualTo(exitCode);
        return log;
    }

    /** True when some object in the tree has a field "error": the device reported the run as failed. */
    private static boolean reportsAnError(JsonNode node) {
        if (node.isObject() && node.has("error")) {
            return true;
        }
        for (JsonNode child : node) {
            if (reportsAnError(child)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldPublishEveryPublicFixtureMeasurement() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("public"));
        Map<String, JsonNode> fixtures = new HashMap<>();
        try (Stream<Path> files = Files.list(FIXTURES)) {
            for (Path file : files.toList()) {
                Files.copy(file, folder.resolve(file.getFileName()));
                fixtures.put(file.getFileName().toString(), DeviceJson.parse(Files.readString(file)));
            }
        }
        long failedRuns = fixtures.values().stream().filter(BackfillIT::reportsAnError).count();
        long goodRuns = fixtures.size() - failedRuns;
        assertThat(goodRuns).as("public fixtures with data").isPositive();

        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "backfill-public-watcher",
                "experiment/data_ingest/v1/backfill-it/#", "mmi/dlq/#")) {
            Path output = dir.resolve("public.log");
            Process process = backfill(folder, dir.resolve("public-outbox"), "backfill-public", output);
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(output, StandardCharsets.UTF_8);
            // Exit 1: the failed run was refused, as a dead letter.
            assertThat(process.exitValue()).as(log).isEqualTo(failedRuns > 0 ? 1 : 0);
            assertThat(log).contains(fixtures.size() + " file(s): " + goodRuns + " message(s) stored, " + failedRuns
                    + " refused, 0 done before");

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> recorder.on("experiment/").size() == goodRuns
                            && recorder.on("mmi/dlq/").size() == failedRuns);
            // Each data message carries the device id of one fixture that has data.
            Set<String> expectedDevices = new HashSet<>();
            fixtures.values()
                    .stream()
                    .filter(fixture -> !reportsAnError(fixture))
                    .forEach(fixture -> expectedDevices.add(fixture.path("device_id").asText()));
            Set<String> publishedDevices = new HashSet<>();
            recorder.on("experiment/")
                    .forEach(message -> publishedDevices.add(json(message.payload())
                            .path("device_id")
                            .asText()));
            assertThat(publishedDevices).isEqualTo(expectedDevices);
            recorder.on("experiment/")
                    .forEach(message -> OpenJiiAsyncApi.assertDataMessage(message.topic(),
                            message.payload()));
            recorder.on("mmi/dlq/").forEach(message -> assertThat(message.topic()).endsWith("/device-error"));
        }
    }

    @Test
    void shouldResumeAfterKillMinusNineWithoutLosingOrRecreatingAMessage() throws Exception {
        // Many distinct runs: one PAR output, each copy measured a second later (the app-saved "time").
        int copies = 400;
        long firstRun = Instant.parse("2026-06-01T08:00:00Z").toEpochMilli();
        ObjectNode par = (ObjectNode) DeviceJson.parse(Files.readString(FIXTURES.resolve("par_fw2.3465.json")));
        Path folder = Files.createDirectories(dir.resolve("many"));
        for (int i = 0; i < copies; i++) {
            par.put("time", firstRun + i * 1000L);
            Files.writeString(folder.resolve(String.format("run-%04d.json", i)), par.toString());
        }
        Path outbox = dir.resolve("many-outbox");

        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "backfill-many-watcher",
                "experiment/data_ingest/v1/backfill-it/#")) {
            Process first = backfill(folder, outbox, "backfill-many", dir.resolve("first.log"));
            Path done = outbox.resolve(BackfillCommand.DONE_FILE);
            // Killed in the middle: some files done, others not yet.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> Files.exists(done) && Files.readAllLines(done).size() >= copies / 4);
            first.destroyForcibly();
            assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
            int doneWhenKilled = Files.readAllLines(done).size();
            assertThat(doneWhenKilled).as("killed before the end").isLessThan(copies);

            Process second = backfill(folder, outbox, "backfill-many", dir.resolve("second.log"));
            assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String log = Files.readString(dir.resolve("second.log"));
            assertThat(second.exitValue()).as(log).isZero();
            assertThat(log).contains("done before");

            // Every run arrives; each run under one message id only (the resumed run made no second message of a
            // run the first one had stored). The same id twice would be MQTT's redelivery of an unacknowledged
            // publish at the kill: counted and reported, not a re-created message.
            await().atMost(Duration.ofSeconds(60)).until(() -> runs(recorder).size() == copies);
            Map<Instant, Set<String>> idsByRun = runs(recorder);
            assertThat(idsByRun).allSatisfy((run, ids) -> assertThat(ids).as("message ids of run %s", run).hasSize(1));
            // A resumed backfill and a redelivery alike: the payload's _client_id is the message id it arrived under.
            assertThat(recorder.on("experiment/")).allSatisfy(m -> assertThat(json(m.payload()).path("_client_id")
                    .asText()).isEqualTo(m.userProperties().get("message-id")));
            long redelivered = recorder.on("experiment/").size() - copies;
            System.out.printf("backfill resume: %d of %d files done at the kill, %d redelivered%n", doneWhenKilled,
                    copies, redelivered);
        }
    }

    /**
     * A symbolic link in the folder to a private key outside it: the key must never reach the broker (it used to
     * arrive as an invalid-json dead letter with its bytes). A link to a folder outside is not followed either.
     */
    @Test
    void shouldNeverPublishAFileASymbolicLinkPointsTo() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        String secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw-secret-bytes\n"
                + "-----END PRIVATE KEY-----\n";
        Path key = Files.writeString(outside.resolve("private.pem.key"), secret);
        Files.writeString(outside.resolve("hidden.json"),
                Files.readString(FIXTURES.resolve("spad-calibration-prompts_fw2.011.json")));
        Path folder = Files.createDirectories(dir.resolve("with-links"));
        Files.copy(FIXTURES.resolve("par_fw2.3465.json"), folder.resolve("par.json"));
        Files.createSymbolicLink(folder.resolve("secrets.json"), key);
        Files.createSymbolicLink(folder.resolve("more"), outside);

        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "backfill-links-watcher", "#")) {
            String log = backfillToTheEnd(folder, "backfill-links", 1);

            assertThat(log).contains("skipped " + folder.toRealPath().resolve("secrets.json") + ": a symbolic link (to "
                    + key + ")")
                    .contains("skipped " + folder.toRealPath().resolve("more") + ": a symbolic link")
                    .contains("1 file(s): 1 message(s) stored, 0 refused, 0 done before, 2 skipped")
                    .doesNotContain("secret-bytes");
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.on("experiment/").size() == 1);
            assertThat(recorder.on("mmi/dlq/")).isEmpty();
            assertThat(recorder.messages()).noneSatisfy(m -> assertThat(m.payload()).contains("secret-bytes"));
        }
    }

    /**
     * A 1 GB file (sparse: it costs no disk) is skipped with one line, in a JVM of 256 MB heap, and the rest of the
     * folder arrives.
     */
    @Test
    void shouldSkipAOneGigabyteFileWithOneLineAndProcessTheRest() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("with-huge"));
        Files.copy(FIXTURES.resolve("par_fw2.3465.json"), folder.resolve("a-par.json"));
        Files.copy(FIXTURES.resolve("rides_fw2.21.json"), folder.resolve("c-rides.json"));
        Path huge = folder.resolve("b-huge.json");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(1L << 30);
        }

        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "backfill-huge-watcher",
                "experiment/data_ingest/v1/backfill-it/#", "mmi/dlq/#")) {
            String log = backfillToTheEnd(folder, "backfill-huge", 1);

            assertThat(log.lines().filter(line -> line.contains("b-huge.json"))).singleElement()
                    .isEqualTo(
                            "mmi backfill: skipped " + huge.toRealPath() + ": 1024.0 MB, more than --max-file-mb 64");
            assertThat(log).contains("2 file(s): 2 message(s) stored, 0 refused, 0 done before, 1 skipped");
            await().atMost(Duration.ofSeconds(30)).until(() -> recorder.on("experiment/").size() == 2);
            assertThat(recorder.on("mmi/dlq/")).isEmpty();
        }
    }

    /**
     * An export of three runs, the middle one failed on the device: two arrive as data, and the dead letter carries
     * the failed run only, not the whole export.
     */
    @Test
    void shouldDeadLetterOnlyTheFailedRunOfAnExport() throws Exception {
        ObjectNode good = (ObjectNode) DeviceJson.parse(Files.readString(FIXTURES.resolve("par_fw2.3465.json")));
        JsonNode failed = DeviceJson.parse(Files.readString(FIXTURES.resolve(
                "par-sensor-calibration-battery-low_fw2.21.json")));
        ObjectNode later = good.deepCopy();
        later.put("time", 1_780_000_000_000L);
        String export = "[" + good + ",\n" + failed + ",\n" + later + "]";
        Path folder = Files.createDirectories(dir.resolve("export"));
        Files.writeString(folder.resolve("export.json"), export);

        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "backfill-export-watcher",
                "experiment/data_ingest/v1/backfill-it/#", "mmi/dlq/#")) {
            String log = backfillToTheEnd(folder, "backfill-export", 1);

            assertThat(log).contains("1 file(s): 2 message(s) stored, 1 refused, 0 done before, 0 skipped")
                    .contains("export.json run 1: ");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> recorder.on("experiment/").size() == 2 && recorder.on("mmi/dlq/").size() == 1);
            JsonNode deadLetter = json(recorder.on("mmi/dlq/").get(0).payload());
            assertThat(deadLetter.get("reason").asText()).isEqualTo("device-error");
            assertThat(json(deadLetter.get("raw").asText())).isEqualTo(failed);
        }
    }

    /**
     * A device id with a line break and a terminal escape, in a saved run the device reported as failed: its dead
     * letter's log line and the summary show them escaped, so no forged line appears in the console.
     */
    @Test
    void shouldNotLetADeviceIdForgeAConsoleLine() throws Exception {
        String forged = "23:59:59.999 INFO  [main                    ] o.o.m.Forged                     all is well";
        ObjectNode run = (ObjectNode) DeviceJson.parse(Files.readString(FIXTURES.resolve(
                "par-sensor-calibration-battery-low_fw2.21.json")));
        run.put("device_id", "ff:ff:ff:ff\n" + forged + "\u001b[2K");
        Path folder = Files.createDirectories(dir.resolve("forging"));
        Files.writeString(folder.resolve("forging.json"), run.toString());

        String log = backfillToTheEnd(folder, "backfill-forging", 1);

        // (The level's colour is the layout's own escape sequence; the device's is "erase line".)
        assertThat(log.lines()).noneMatch(line -> line.startsWith(forged) || line.contains("\u001b[2K"));
        assertThat(log).contains("ff:ff:ff:ff\\n" + forged)
                .contains("ff:ff:ff:ff\\u000A" + forged);
    }

    /** Received runs (by their timestamp) and the message ids each arrived under. */
    private static Map<Instant, Set<String>> runs(MqttRecorder recorder) {
        Map<Instant, Set<String>> runs = new HashMap<>();
        for (MqttRecorder.Received message : recorder.on("experiment/")) {
            Instant run = OffsetDateTime.parse(json(message.payload()).path("timestamp").asText())
                    .toInstant();
            runs.computeIfAbsent(run, key -> new HashSet<>()).add(message.userProperties().get("message-id"));
        }
        return runs;
    }
}
