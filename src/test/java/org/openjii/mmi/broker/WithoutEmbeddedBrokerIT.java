package org.openjii.mmi.broker;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.cli.MmiCommand;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production image has no embedded broker (docs/containers.md). {@code mmi run} and {@code mmi check} with the
 * default {@code mmi.mqtt.broker-url=embedded} then say so in one line, without a stack trace: here in a JVM whose
 * class
 * path lacks HiveMQ CE's jar, as in the image.
 */
class WithoutEmbeddedBrokerIT {

    private static final String MESSAGE = "mmi.mqtt.broker-url is 'embedded', but this build has no embedded broker";

    @Test
    void shouldBePresentInTheDevelopmentBuild() {
        assertThat(EmbeddedBrokerPresence.present(new DefaultCamelContext())).isTrue();
    }

    @Test
    void shouldStopRunWithOneLineWhenTheBuildHasNoEmbeddedBroker() throws Exception {
        // --max-seconds: a bridge that started after all ends, and the test fails on its exit code.
        Result run = withoutHivemq("run", "--max-seconds", "30", "--set", "mmi.http.port=off");

        assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
        assertThat(run.output().lines().filter(line -> line.contains(MESSAGE)))
                .as(run.output())
                .containsExactly("mmi run: " + MESSAGE + " (the production image leaves it out): set"
                        + " mmi.mqtt.broker-url (MMI_MQTT_BROKER_URL) to your broker, e.g. tcp://mosquitto:1883 or"
                        + " ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883");
        assertThat(run.output()).as("no stack trace, no linkage error")
                .doesNotContain("\tat ")
                .doesNotContain("NoClassDefFoundError")
                .doesNotContain("ClassNotFoundException");
    }

    @Test
    void shouldFailTheCheckWithOneLineWhenTheBuildHasNoEmbeddedBroker() throws Exception {
        Result check = withoutHivemq("check");

        assertThat(check.exitCode()).as(check.output()).isNotZero();
        assertThat(check.output()).contains(MESSAGE).doesNotContain("\tat ").doesNotContain("NoClassDefFoundError");
    }

    private record Result(int exitCode, String output) {
    }

    /** {@code mmi <args>} in a JVM with this test's class path minus HiveMQ CE embedded, from the repository root. */
    private static Result withoutHivemq(String... args) throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("hivemq-community-edition"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath).as("the test's class path had HiveMQ CE")
                .isNotEqualTo(
                        System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "-cp", classPath, "-Dlog4j2.configurationFile="
                        + Path.of(
                                "src/main/resources/log4j2.xml").toAbsolutePath(),
                MmiCommand.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        return new Result(process.exitValue(), output);
    }
}
