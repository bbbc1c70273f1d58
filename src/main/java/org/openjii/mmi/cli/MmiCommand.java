package org.openjii.mmi.cli;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.apache.camel.main.Main;
import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.openjii.OpenJiiMode;
import org.slf4j.LoggerFactory;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code mmi} command line. */
@Command(name = "mmi", mixinStandardHelpOptions = true, versionProvider = MmiCommand.Version.class, description = "MultispeQ MQTT Interface: bridges MultispeQ meters on USB serial to MQTT.")
public final class MmiCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The subcommands, in the order {@code mmi --help} lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> subcommands = new LinkedHashMap<>();
        subcommands.put("run", Run::new);
        subcommands.put("check", CheckCommand::new);
        subcommands.put("ports", PortsCommand::new);
        subcommands.put("measure", MeasureCommand::new);
        subcommands.put("send", SendCommand::new);
        subcommands.put("simulate", SimulateCommand::new);
        subcommands.put("backfill", BackfillCommand::new);
        subcommands.put("dead-letters", DeadLettersCommand::new);
        subcommands.put("shell", ShellCommand::new);
        return Collections.unmodifiableMap(subcommands);
    }

    /**
     * The command line for these arguments: with only the subcommand they name, else with all. picocli reflects over
     * every subcommand it is given, and their options, as it builds the command line (about 0.2 s at start-up, before
     * {@code mmi run} can begin), while one invocation runs one.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine line = new CommandLine(new MmiCommand());
        if (args.length > 0 && SUBCOMMANDS.containsKey(args[0])) {
            line.addSubcommand(args[0], SUBCOMMANDS.get(args[0]).get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> line.addSubcommand(name, command.get()));
        }
        // Set after the subcommands: picocli applies it to those added so far.
        return line.setExecutionExceptionHandler(MmiCommand::unexpectedFailure);
    }

    /**
     * A failure no command expected (a native library that cannot load without a writable temp folder, say): one
     * line naming the command and every cause, exit code 1, instead of picocli's stack trace. The stack trace goes to
     * the log at debug level ({@code MMI_LOG_LEVEL=DEBUG}).
     */
    static int unexpectedFailure(Exception failure, CommandLine command, CommandLine.ParseResult parsed) {
        command.getErr().println(command.getCommandName() + ": " + Failures.describe(failure));
        command.getErr().flush();
        LoggerFactory.getLogger(MmiCommand.class).debug("{} failed", command.getCommandName(), failure);
        return 1;
    }

    public static void main(String[] args) {
        if (args.length == 0 || !"run".equals(args[0])) {
            // Before any logger exists: one-shot commands print results, not Camel's start-up chatter.
            System.setProperty("mmi.cli.log.level", "WARN");
        }
        System.exit(execute(commandLine(args), args));
    }

    /**
     * Runs the command line; an {@link Error} picocli lets through (it handles exceptions only) gets one line too. A
     * {@link LinkageError} is almost always a native library (jSerialComm's, SQLite's) that could not be unpacked.
     */
    static int execute(CommandLine line, String... args) {
        try {
            return line.execute(args);
        } catch (LinkageError e) {
            line.getErr()
                    .println("mmi: " + Failures.describe(e) + "\n  jSerialComm and SQLite unpack their native"
                            + " libraries into java.io.tmpdir (" + System.getProperty("java.io.tmpdir")
                            + "), which must be"
                            + " writable: mount one there, or set MMI_JAVA_OPTS=-Djava.io.tmpdir=DIR");
            line.getErr().flush();
            return 1;
        }
    }

    /** {@code mmi run}: the bridge. */
    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the bridge (the routes in routes/ with application.properties).")
    static final class Run implements Callable<Integer> {

        @Mixin
        ConfigurationOptions configuration = new ConfigurationOptions();

        @Option(names = "--openjii", paramLabel = "DIR", description = "openJII mode: the folder with openJII's"
                + " downloads (the credential zips and onboarding files, as downloaded); the same as MMI_OPENJII_DIR."
                + " Each attached MultispeQ then publishes as its own Thing.")
        Path openJii;

        @Option(names = "--max-seconds", description = "Stop after this many seconds (0 = run until stopped).")
        int maxSeconds;

        @Option(names = "--log-format", description = "text (readable, the default) or json (one ECS JSON object per"
                + " line); the same as MMI_LOG_FORMAT.")
        String logFormat;

        @Override
        public Integer call() throws Exception {
            if (configuration.reportsProblem("run", System.err::println)) {
                return 2;
            }
            if (logFormat != null) {
                if (!logFormat.equals("text") && !logFormat.equals("json")) {
                    System.err.println("mmi run: --log-format must be text or json, was '" + logFormat + "'");
                    return 2;
                }
                // Read by log4j2.xml when the first logger is made, which is after this (Camel Main's).
                System.setProperty("mmi.log.format", logFormat);
            }
            if (openJii != null) {
                configuration.overrides.put(OpenJiiMode.DIR_SETTING, openJii.toString());
            }
            Main main;
            try {
                main = MmiApplication.create(configuration.configFile(), configuration.overrides);
            } catch (IllegalArgumentException e) {
                System.err.println("mmi run: " + e.getMessage());
                return 2;
            }
            if (maxSeconds > 0) {
                main.configure().setDurationMaxSeconds(maxSeconds);
            }
            // SIGTERM stops the bridge gracefully and the process exits with 0 (not the JVM's 143).
            Sigterm.stopGracefully(main::completed);
            try {
                main.run();
            } catch (Exception e) {
                // Marks the run as over, so that Camel's shutdown hook does not report the exit as a SIGTERM.
                main.completed();
                System.err.println("mmi run: " + configuration.describe(e));
                return 1;
            }
            return main.getExitCode();
        }
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {

        @Override
        public String[] getVersion() {
            String v = MmiCommand.class.getPackage().getImplementationVersion();
            return new String[]{"mmi " + (v == null ? "development build" : v)};
        }
    }
}
