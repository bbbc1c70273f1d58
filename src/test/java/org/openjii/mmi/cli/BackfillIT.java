package org.openjii.mmi.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.openjii.mmi.device.DeviceJson;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2.xml").toAbsolutePath(),
                MmiCommand.class.getName(), "backfill", folder.toString(), "--experiment", "backfill-it", "--set",
                "mmi.mqtt.broker-url=" + broker.url(), "--set", "mmi.mqtt.client-id=" + clientId, "--set",
                "mmi.outbox.dir=" + outbox));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
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
            long redelivered = recorder.on("experiment/").size() - copies;
            System.out.printf("backfill resume: %d of %d files done at the kill, %d redelivered%n", doneWhenKilled,
                    copies, redelivered);
        }
    }

    private static JsonNode json(String text) {
        try {
            return DeviceJson.parse(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
