package org.openjii.mmi.routes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Editing a YAML route while the bridge runs: the change takes effect without a restart, and the routes made in Java
 * (one per device, by the device route manager) keep working (camel.main.routes-reload-remove-all-routes=false).
 */
class HotReloadIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/2/01:12:53:20";
    private static Path routes;

    @BeforeAll
    static void copyOfTheRoutes() throws Exception {
        routes = Files.createTempDirectory("mmi-routes");
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        override("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        override("camel.main.routes-reload-enabled", "true");
        override("camel.main.routes-reload-directory", routes.toString());
        override("mmi.device.port", "sim");
        override("mmi.device.interval", "300ms");
        override("mmi.simulator.options", "run-time=0s,pause=0ms");
    }

    @Test
    void shouldApplyAnEditedRouteWithoutRestartAndKeepTheDeviceRoutes() throws Exception {
        await().atMost(WAIT).until(() -> !recorder.on(DATA).isEmpty());
        assertThat(DeviceJson.parse(recorder.on(DATA).get(0).payload()).has("_split")).isFalse();
        var device = context.getRoute("device-multispeq");

        // Split per sample from now on: write the edit next to the file, then move it in (an editor's atomic save).
        Path ingest = routes.resolve("ingest.camel.yaml");
        String edited = Files.readString(ingest, StandardCharsets.UTF_8)
                .replace("ref: splitMeasurement",
                        "ref: splitPerSample");
        assertThat(edited).contains("ref: splitPerSample");
        Path temp = routes.resolve("ingest.edit");
        Files.writeString(temp, edited, StandardCharsets.UTF_8);
        Files.move(temp, ingest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        await().atMost(WAIT).until(() -> recorder.on(DATA).stream().anyMatch(m -> split(m.payload())));
        assertThat(context.getRoute("device-multispeq")).isSameAs(device);
        assertThat(context.getRoute("dead-letter")).isNotNull();
        assertThat(context.getRouteController().getRouteStatus("device-multispeq").isStarted()).isTrue();
    }

    private static boolean split(String payload) {
        try {
            JsonNode node = DeviceJson.parse(payload);
            return node.has("_split");
        } catch (Exception e) {
            return false;
        }
    }
}
