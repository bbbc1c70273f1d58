package org.openjii.mmi.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.BridgeProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A route editor's first change: a {@code log} step in the ingest route. It prints at INFO with the production
 * logging configuration, whatever logger name Camel gives it; the output carries no colour codes when it is not a
 * terminal; and the settings summary shows the client id while it masks a real secret.
 */
class RouteLogStepIT {

    @TempDir
    Path dir;

    @Test
    void shouldPrintALogStepAddedToACopyOfTheIngestRoute() throws Exception {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).toList()) {
                Files.copy(file, routes.resolve(file.getFileName()));
            }
        }
        Path ingest = routes.resolve("ingest.camel.yaml");
        String parse = """
                        - bean:
                            id: parse
                            ref: parseMeasurement
                """;
        String route = Files.readString(ingest);
        assertThat(route).contains(parse);
        Files.writeString(ingest, route.replace(parse, parse + """
                        - log: "route-editor-probe from ${header.CamelMultispeqDeviceId}"
                """));

        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("bridge.log"), Map.of(
                "camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml",
                "mmi.mqtt.broker-url", "log", "mmi.mqtt.client-id", "lab-3-bridge",
                "camel.component.http.proxy-auth-password", "hunter2", "mmi.device.interval", "1s",
                "mmi.outbox.dir", dir.resolve("outbox").toString()))) {
            String deviceId = SimulatorOptions.defaults().deviceId();
            await("the log step's line").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        assertThat(bridge.isAlive()).as("running; output:%n%s", bridge.output()).isTrue();
                        return bridge.output().contains("route-editor-probe from " + deviceId);
                    });
            String output = bridge.output();
            assertThat(output).as("plain text when not on a terminal").doesNotContain("\u001B[");
            assertThat(output).contains("mmi.mqtt.client-id = lab-3-bridge")
                    .contains("camel.component.http.proxy-auth-password = xxxxxx")
                    .doesNotContain("hunter2");
        }
    }
}
