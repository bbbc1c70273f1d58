package org.openjii.mmi.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./mmi}, the launcher, as a user runs it from a folder of their own: a path on the command line means what it
 * says there, while application.properties and routes/ still come from the checkout. Runs in failsafe, after
 * {@code package}, on the jar just built (the launcher would build it otherwise).
 */
class MmiScriptIT {

    private final Path checkout = Path.of("").toAbsolutePath();

    @TempDir
    Path site;

    /** {@code ./mmi check --config rel/site.properties} from another folder finds the file and uses its keys. */
    @Test
    void shouldFindARelativeConfigFileInTheCallersFolder() throws Exception {
        assertThat(checkout.resolve("target/mmi.jar")).as("packaged before the integration tests").exists();
        Path config = Files.createDirectories(site.resolve("rel")).resolve("site.properties");
        Files.writeString(config, "mmi.mqtt.client-id = site-7-bridge\n", StandardCharsets.UTF_8);

        Result check = run(List.of(checkout.resolve("mmi").toString(), "check", "--config", "rel/site.properties"));

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("✔ configuration: ", "client id 'site-7-bridge'")
                .contains("✔ publish: QoS 1 to mmi/v1/site-7-bridge/check");
    }

    /** A --config that names no file: the path as the caller's folder resolves it, one line, usage exit code. */
    @Test
    void shouldNameTheMissingConfigFileFromTheCallersFolder() throws Exception {
        Result check = run(List.of(checkout.resolve("mmi").toString(), "check", "--config", "rel/absent.properties"));

        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.output().strip()).isEqualTo("mmi check: --config " + site.resolve("rel/absent.properties")
                + ": no such file");
    }

    record Result(int exitCode, String output) {
    }

    private Result run(List<String> command) throws IOException, InterruptedException {
        Path output = site.resolve("output.txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(site.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("MMI_CDS", "off");
        builder.environment().remove("MMI_TEST_FIXTURES");
        Process process = builder.start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("./mmi finished").isTrue();
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
