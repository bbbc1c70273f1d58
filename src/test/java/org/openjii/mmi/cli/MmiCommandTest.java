package org.openjii.mmi.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a whole: which subcommands it builds, and failures no command expected. */
class MmiCommandTest {

    private final StringWriter err = new StringWriter();

    @Test
    void shouldBuildOnlyTheSubcommandThatIsInvokedAndAllForHelp() {
        assertThat(MmiCommand.commandLine("run", "--max-seconds", "1").getSubcommands()).containsOnlyKeys("run");
        assertThat(MmiCommand.commandLine("--help").getSubcommands()).containsOnlyKeys("run", "check", "ports",
                "measure", "send", "simulate", "backfill", "dead-letters", "shell");
        assertThat(MmiCommand.commandLine("no-such-command").getSubcommands()).hasSize(9);
    }

    @Test
    void shouldPrintOneLineWithEveryCauseForAnExceptionNoCommandExpected() {
        CommandLine line = new CommandLine(new Failing(new IllegalStateException("Cannot list the ports",
                new java.io.IOException("/dev/serial: permission denied")))).setErr(new PrintWriter(err))
                .setExecutionExceptionHandler(MmiCommand::unexpectedFailure);

        int exitCode = MmiCommand.execute(line);

        assertThat(exitCode).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("failing: Cannot list the ports\n  caused by: /dev/serial: permission"
                + " denied" + System.lineSeparator());
    }

    @Test
    void shouldExplainANativeLibraryThatCannotLoadInsteadOfAStackTrace() {
        CommandLine line = new CommandLine(new Failing(new UnsatisfiedLinkError(
                "/tmp/jSerialComm/libjSerialComm.so: failed to map segment from shared object")))
                .setErr(new PrintWriter(err))
                .setExecutionExceptionHandler(MmiCommand::unexpectedFailure);

        int exitCode = MmiCommand.execute(line);

        assertThat(exitCode).isEqualTo(1);
        assertThat(err.toString()).startsWith("mmi: /tmp/jSerialComm/libjSerialComm.so: failed to map segment")
                .contains("java.io.tmpdir", "MMI_JAVA_OPTS=-Djava.io.tmpdir=DIR")
                .doesNotContain("\tat ");
    }

    @Command(name = "failing")
    static final class Failing implements Callable<Integer> {

        private final Throwable failure;

        Failing(Throwable failure) {
            this.failure = failure;
        }

        @Override
        public Integer call() throws Exception {
            if (failure instanceof Error error) {
                throw error;
            }
            throw (Exception) failure;
        }
    }
}
