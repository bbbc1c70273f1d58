package org.openjii.mmi.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/**
 * A command that takes the bridge's configuration ({@link ConfigurationOptions}) and prints to the terminal: the
 * options, the two streams, and the usage error of a {@code --config} that names no file.
 */
abstract class ConfiguredCommand implements Callable<Integer> {

    @Mixin
    ConfigurationOptions configuration = new ConfigurationOptions();

    final PrintStream out = System.out;
    final PrintStream err = System.err;

    /**
     * Prints the {@code --config} problem, if any, as {@code mmi <command>: ...}.
     *
     * @return true when there is one: the command then exits with {@link CommandLine.ExitCode#USAGE}
     */
    final boolean configurationProblem(String command) {
        return configuration.reportsProblem(command, err::println);
    }
}
