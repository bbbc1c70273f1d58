package org.openjii.mmi.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.message.Failures;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE}, {@code --set key=value}, {@code --profile NAME} and {@code --verbose}: the bridge's
 * configuration as every command that starts the bridge or connects takes it (a picocli mixin). A relative path
 * resolves from the caller's working folder, as everywhere on the command line ({@code ./mmi} runs there).
 */
final class ConfigurationOptions {

    /** The system property log4j2.xml reads to let Camel's own report of a failed start through. */
    static final String VERBOSE_PROPERTY = "mmi.verbose";

    @Option(names = "--config", paramLabel = "FILE", description = "An extra properties file; its keys win over"
            + " application.properties and the profile's file.")
    Path config;

    /** --set and --profile, in the order given; setters rather than fields, so neither replaces the other's. */
    final Map<String, String> overrides = new LinkedHashMap<>();

    boolean verbose;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set"
            + " mmi.device.port=auto (repeatable).")
    void set(Map<String, String> values) {
        overrides.putAll(values);
    }

    @Option(names = "--profile", paramLabel = "NAME", description = "dev (the default: simulator and embedded broker)"
            + " or aws (every MultispeQ attached, to AWS IoT Core; application-aws.properties over"
            + " application.properties); the same as MMI_PROFILE.")
    void profile(String name) {
        overrides.put(MmiApplication.PROFILE_KEY, name);
    }

    @Option(names = "--verbose", description = "When something fails: the stack trace and Camel's own report too"
            + " (normally one line naming the key or file).")
    void verbose(boolean on) {
        verbose = on;
        if (on) {
            // Read by log4j2.xml when the first logger is made, which is after the command line is parsed.
            System.setProperty(VERBOSE_PROPERTY, "true");
        }
    }

    /** The --config file for MmiApplication, or null. */
    String configFile() {
        return config == null ? null : config.toString();
    }

    /**
     * Prints the usage error of a --config that names no file ({@code mmi <command>: --config X: no such file}) with
     * {@code err}.
     *
     * @return true when there is one: the command then exits with {@link CommandLine.ExitCode#USAGE}
     */
    boolean reportsProblem(String command, Consumer<String> err) {
        if (config == null || Files.isRegularFile(config)) {
            return false;
        }
        err.accept("mmi " + command + ": --config " + config.toAbsolutePath() + ": no such file");
        return true;
    }

    /** A failure for the terminal: one line, or with --verbose the stack trace after it. */
    String describe(Throwable failure) {
        if (!verbose) {
            return Failures.describe(failure);
        }
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        return Failures.describe(failure) + System.lineSeparator() + trace;
    }
}
