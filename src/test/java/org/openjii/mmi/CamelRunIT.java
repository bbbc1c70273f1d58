package org.openjii.mmi;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.simulator.ToolAssumptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bridge under Camel JBang, as docs/routes.md shows it: from the repository root,
 * {@code bin/camel run routes/*.camel.yaml application.properties --dep=org.openjii:mmi:<version>} runs the same
 * pipeline as {@code ./mmi run} on the built-in simulator, with the embedded MQTT broker, which shows what it receives.
 * <p>
 * Runs in failsafe, after {@code package}: the pre-integration-test phase installed target/mmi.jar and its pom into
 * target/camel-run/repository. That is camel run's local repository here; its only remote is this build's local
 * repository (read as a {@code file:} repository), Maven Central switched off. So the test proves that the artifact's
 * pom brings everything mmi needs, uses the jar this build produced, needs no network and writes nothing to ~/.m2.
 * <p>
 * Those Maven settings reach camel run through its implicit {@code ~/.m2/settings.xml}, with {@code user.home} set to
 * target/camel-run/home: camel-jbang 4.17.0 ignores {@code --maven-settings} (MavenDownloaderImpl
 * .validateMavenSettingsLocations drops an existing file), and {@code --repos} would give the {@code file:} repository
 * a checksum policy that warns, with a stack trace, for every file a local repository keeps no checksum for.
 * <p>
 * The CLI itself ({@code bin/camel}) is built from Maven Central on first use. If that fails the test fails; only on a
 * developer machine (not {@code CI=true}) with Maven Central unreachable does it skip.
 */
class CamelRunIT {

    private static final Duration CLI_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    private static final String CENTRAL = "https://repo.maven.apache.org/maven2/";
    /** The line of the embedded broker (the default mmi.mqtt.broker-url) for a message of the simulator. */
    private static final String PUBLISH_LINE = "mmi\\.broker\\s*: experiment/data_ingest/v1/[^/\\s]+/multispeq/2/"
            + "01:12:53:20 \\(\\d+ bytes\\) device_id=01:12:53:20 timestamp=\\S+ message-id=[0-9a-f-]{36}";
    private static final String DEAD_LETTER_LINE = "mmi\\.(publish|dead-letter|broker)\\s*: (mmi/dlq/|Dead letter)";

    private final Path root = Path.of("").toAbsolutePath();
    private final Path scratch = root.resolve("target/camel-run");

    @Test
    void shouldRunThePipelineOnTheSimulatorUnderCamelRun() throws Exception {
        String version = property("mmi.version");
        Path repository = Path.of(property("camel-run.repository"));
        assertThat(repository.resolve("org/openjii/mmi/" + version + "/mmi-" + version + ".jar"))
                .as("installed by the pre-integration-test phase")
                .exists();
        assertThat(root.resolve("bin/camel")).as("run from the repository root").isExecutable();

        Run cli = run("camel-version.log", CLI_TIMEOUT, List.of("bin/camel", "--version"), "");
        if (cli.exitCode() != 0 && !ToolAssumptions.onCi()) {
            assumeTrue(centralReachable(), "Maven Central is unreachable, the Camel CLI cannot be built; skipping "
                    + "(this fails on CI)");
        }
        assertThat(cli.exitCode()).as("bin/camel --version:%n%s", cli.output()).isZero();
        assertThat(cli.output()).contains("4.17.0");

        Path home = scratch.resolve("home");
        writeSettings(home.resolve(".m2/settings.xml"), repository, Path.of(property("camel-run.dependencies")));
        List<String> command = new ArrayList<>(List.of("bin/camel", "run"));
        command.addAll(routeFiles()); // what the shell makes of routes/*.camel.yaml
        command.addAll(List.of("application.properties",
                "--dep=org.openjii:mmi:" + version,
                "--maven-central-enabled=false",
                "--maven-apache-snapshot-enabled=false",
                // Stop once the first measurement has gone through; the seconds are only a safety net.
                "--max-messages=1",
                "--max-seconds=60",
                "--logging-color=false"));
        // Relative to the repository root, where camel run starts: no blanks for the launcher to split.
        Run camel = run("camel-run.log", RUN_TIMEOUT, command, "-Duser.home=" + root.relativize(home));

        String output = camel.output();
        assertThat(output).as("camel run output:%n%s", output)
                .contains("Device route device-multispeq for sim added")
                .containsPattern(PUBLISH_LINE)
                .doesNotContainPattern(DEAD_LETTER_LINE)
                // HiveMQ read the embedded broker's config.xml (loopback only) instead of falling back to its defaults.
                .doesNotContain("Using default config");
        assertThat(camel.exitCode()).as("exit code of camel run; output:%n%s", output).isZero();
        // mmi's own dependencies came with its pom, resolved into the scratch repository.
        assertThat(repository.resolve("com/fazecast/jSerialComm")).isDirectory();
        assertThat(repository.resolve("com/hivemq/hivemq-mqtt-client")).isDirectory();
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            fail("System property " + name + " is not set: run this test through Maven (./mvnw verify)");
        }
        return value;
    }

    private List<String> routeFiles() throws IOException {
        List<String> files = new ArrayList<>();
        try (DirectoryStream<Path> routes = Files.newDirectoryStream(root.resolve("routes"), "*.camel.yaml")) {
            routes.forEach(file -> files.add("routes/" + file.getFileName()));
        }
        assertThat(files).isNotEmpty();
        files.sort(null);
        return files;
    }

    /**
     * Maven settings for camel run: the scratch local repository, and this build's local repository as the one remote
     * (checksums ignored: a local repository keeps none for many files, and Maven verified them when it downloaded).
     */
    private static void writeSettings(Path file, Path localRepository, Path dependencies) throws IOException {
        String xml = """
                <settings>
                  <localRepository>%s</localRepository>
                  <profiles>
                    <profile>
                      <id>this-build</id>
                      <activation><activeByDefault>true</activeByDefault></activation>
                      <repositories>
                        <repository>
                          <id>this-build</id>
                          <url>%s</url>
                          <releases><checksumPolicy>ignore</checksumPolicy></releases>
                          <snapshots><enabled>false</enabled></snapshots>
                        </repository>
                      </repositories>
                    </profile>
                  </profiles>
                </settings>
                """.formatted(localRepository.toAbsolutePath(), dependencies.toAbsolutePath().toUri());
        Files.createDirectories(file.getParent());
        Files.writeString(file, xml, StandardCharsets.UTF_8);
    }

    private record Run(int exitCode, String output) {
    }

    /**
     * Runs a command from the repository root with {@code CAMEL_JAVA_OPTS} (bin/camel's java options), its output
     * (stdout and stderr) in target/camel-run/{@code log}.
     */
    private Run run(String log, Duration timeout, List<String> command, String javaOptions) throws Exception {
        Path output = scratch.resolve(log);
        Files.createDirectories(scratch);
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("CAMEL_JAVA_OPTS", javaOptions);
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            fail(String.join(" ", command) + " did not finish within " + timeout + "; output:%n%s",
                    Files.readString(output, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    private static boolean centralReachable() {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(CENTRAL).toURL().openConnection();
            connection.setRequestMethod("HEAD");
            connection.setConnectTimeout(5_000);
            connection.setReadTimeout(5_000);
            return connection.getResponseCode() < 500;
        } catch (IOException e) {
            return false;
        }
    }
}
