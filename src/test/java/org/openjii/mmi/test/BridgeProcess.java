package org.openjii.mmi.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjii.mmi.cli.MmiCommand;

/**
 * The bridge as an operator runs it, {@code mmi run --set key=value ...}, in a separate JVM on the test's class path
 * and with the production logging configuration; its console output goes to a file.
 */
public final class BridgeProcess implements AutoCloseable {

    private final Process process;
    private final Path output;

    private BridgeProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts {@code mmi run} from the repository root with these settings. */
    public static BridgeProcess start(Path output, Map<String, String> settings) throws IOException {
        return start(output, settings, Map.of());
    }

    /** As {@link #start(Path, Map)}, with these environment variables added to the test's. */
    public static BridgeProcess start(Path output, Map<String, String> settings, Map<String, String> environment)
            throws IOException {
        return command(output, "run", settings, environment, List.of());
    }

    /** Starts {@code mmi run} from the repository root with these settings and options ({@code --verbose}, ...). */
    public static BridgeProcess start(Path output, Map<String, String> settings, List<String> options)
            throws IOException {
        return command(output, "run", settings, Map.of(), options);
    }

    /**
     * Starts {@code mmi <subcommand> --set key=value ...} (for example {@code check}), with these environment variables
     * added to the test's; {@link #process()} tells when it ended.
     */
    public static BridgeProcess command(Path output, String subcommand, Map<String, String> settings,
            Map<String, String> environment) throws IOException {
        return command(output, subcommand, settings, environment, List.of());
    }

    private static BridgeProcess command(Path output, String subcommand, Map<String, String> settings,
            Map<String, String> environment, List<String> options) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2.xml").toAbsolutePath(),
                MmiCommand.class.getName(), subcommand));
        // No HTTP server unless asked for: bridges of parallel tests must not compete for a port.
        if (subcommand.equals("run") && !settings.containsKey("mmi.http.port")) {
            command.addAll(List.of("--set", "mmi.http.port=off"));
        }
        settings.forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
        command.addAll(options);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        // The tests' own variable (surefire's): the bridge would warn that it names no key.
        builder.environment().remove("MMI_TEST_FIXTURES");
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new BridgeProcess(process, output);
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** What the process printed so far (log and error lines). */
    public String output() throws IOException {
        return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    }

    /** {@code kill -9}: no shutdown hook, no MQTT DISCONNECT, nothing flushed. */
    public void killHard() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The bridge did not die within 10 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the bridge to die", e);
        }
    }

    /** Stops the process as a service manager does (SIGTERM), so that its shutdown lines are written too. */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                killHard();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killHard();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            killHard();
        }
    }
}
