package org.openjii.mmi.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmi run} with the JSON log switch, as a Kubernetes pod runs it: every console line is one ECS JSON object,
 * and the lines of a device's measuring thread carry the device's name and id.
 */
class JsonLogIT {

    /** The switch as a system property (what MMI_LOG_FORMAT also sets) or as the command's option. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldLogOneEcsJsonObjectPerLineWithTheDeviceInTheMdc(boolean option) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=" + Path.of(
                        "src/main/resources/log4j2.xml").toAbsolutePath()));
        if (!option) {
            command.add("-Dmmi.log.format=json");
        }
        command.addAll(List.of(MmiCommand.class.getName(), "run", "--max-seconds", "6", "--set",
                "mmi.device.interval=1s", "--set", "mmi.http.port=off",
                // The publish lines of broker-url=log (no broker, no outbox): what this test reads.
                "--set", "mmi.mqtt.broker-url=log"));
        if (option) {
            command.addAll(List.of("--log-format", "json"));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();

        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            JsonNode node = DeviceJson.parse(line);
            assertThat(node.isObject()).as(line).isTrue();
            lines.add(node);
        }
        assertThat(lines).allSatisfy(line -> assertThat(line.has("@timestamp") && line.has("log.level")
                && line.has("message") && line.has("ecs.version")).isTrue());
        String simulatedId = SimulatorOptions.defaults().deviceId();
        assertThat(lines).anySatisfy(line -> {
            assertThat(line.path("log.logger").asText()).isEqualTo("mmi.publish");
            assertThat(line.path("mmi.device").asText()).isEqualTo("multispeq");
            assertThat(line.path("mmi.device_id").asText()).isEqualTo(simulatedId);
        });
    }
}
