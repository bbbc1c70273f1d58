package org.openjii.mmi.routes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.TestResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an integration engineer does by editing YAML only: the shipped routes with their commented examples
 * uncommented, a {@code wireTap} to {@code file:} in the ingest route and a {@code file:} endpoint in the dead-letter
 * route. Every published message then also lands in a folder, and so does every dead letter.
 */
class YamlEditsIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";

    private static Path archive;
    private static Path deadLetters;

    @BeforeAll
    static void editTheShippedRoutes() throws IOException {
        Path work = Files.createTempDirectory("mmi-yaml-edits");
        Path routes = Files.createDirectories(work.resolve("routes"));
        archive = work.resolve("archive");
        deadLetters = work.resolve("dead-letters");
        try (Stream<Path> shipped = Files.list(Path.of("routes"))) {
            for (Path file : shipped.filter(f -> f.toString().endsWith(".camel.yaml")).toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        uncomment(routes.resolve("ingest.camel.yaml"), "Example: a second sink", "uri: file:archive",
                "uri: file:" + archive);
        uncomment(routes.resolve("errors.camel.yaml"), "Example: keep every dead letter in a folder",
                "uri: file:dead-letters", "uri: file:" + deadLetters);
        override("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
    }

    /**
     * Removes the {@code #} of the commented lines after the line holding {@code marker} (as an editor would), and
     * points the example's folder at one of the test's.
     */
    private static void uncomment(Path file, String marker, String folder, String testFolder) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(marker)) {
                start = i + 1;
            }
        }
        assertThat(start).as(marker + " in " + file).isPositive();
        for (int i = start; i < lines.size() && lines.get(i).trim().startsWith("# "); i++) {
            String line = lines.get(i);
            int hash = line.indexOf("# ");
            lines.set(i, (line.substring(0, hash) + line.substring(hash + 2)).replace(folder, testFolder));
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private void ingest(String output, Instant finishedAt) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(MultispeqConstants.LAST_BYTE_AT, finishedAt);
        headers.put(MultispeqConstants.PORT, "/dev/ttyTEST0");
        template.sendBodyAndHeaders("direct:ingest", output, headers);
    }

    private static Set<String> files(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return Set.of();
        }
        try (Stream<Path> found = Files.walk(folder)) {
            return found.filter(Files::isRegularFile).map(f -> {
                try {
                    return Files.readString(f, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).collect(Collectors.toSet());
        }
    }

    private static Set<String> payloads(List<MqttRecorder.Received> messages) {
        return messages.stream().map(MqttRecorder.Received::payload).collect(Collectors.toSet());
    }

    @Test
    void aWireTapToAFolderKeepsEveryPublishedMessage() throws Exception {
        String par = TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json");
        Instant day = Instant.parse("2026-03-09T00:00:00Z");
        for (int n = 0; n < 5; n++) {
            ingest(par, day.plusSeconds(n));
        }

        await().atMost(WAIT).until(() -> recorder.on(DATA).size() >= 5);
        await().atMost(WAIT).until(() -> files(archive).size() >= 5);
        assertThat(files(archive)).isEqualTo(payloads(recorder.on(DATA)));
    }

    @Test
    void deadLettersSentToAFolderLandThere() throws Exception {
        ingest("{\"device_name\":\"MultispeQ\",\"sample\":[", Instant.parse("2026-03-09T01:00:00Z"));

        await().atMost(WAIT).until(() -> !recorder.on("mmi/dlq/").isEmpty());
        await().atMost(WAIT).until(() -> !files(deadLetters).isEmpty());
        assertThat(files(deadLetters)).isEqualTo(payloads(recorder.on("mmi/dlq/")));
        try (Stream<Path> folders = Files.list(deadLetters)) {
            assertThat(folders.map(f -> f.getFileName().toString())).containsExactly("invalid-json");
        }
    }
}
