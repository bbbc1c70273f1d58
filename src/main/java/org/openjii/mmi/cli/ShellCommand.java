package org.openjii.mmi.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.shell.jline3.PicocliCommands;

/**
 * {@code mmi shell}: an interactive console with the Python tool's commands (connect, disconnect, status, config,
 * set_topic, connect_device, publish, continuous publish, help, exit) on the bridge's own parts: the
 * {@code multispeq:} component for the device, and the configuration, ingest route, outbox and MQTT connection of
 * {@code mmi run} for publishing. JLine gives it line editing, history ({@code ~/.mmi/shell_history}) and completion
 * from the picocli commands; with input that is not a terminal (a pipe, a test) it reads one command per line.
 */
@Command(name = "shell", mixinStandardHelpOptions = true, description = "An interactive console: connect,"
        + " disconnect, status, config, set_topic, connect_device, publish, continuous publish, help, exit.")
final class ShellCommand implements Callable<Integer> {

    static final String PROMPT = "mmi> ";

    @Mixin
    ConfigurationOptions configuration = new ConfigurationOptions();

    static final String GREETING = "mmi shell: type help for the commands, exit to leave.";

    /**
     * Commands from a pipe or a file, one per line, each echoed after the prompt so the output reads as a session.
     * JLine is for terminals; its dumb fallback would still write terminal control sequences into the output.
     */
    int script(BufferedReader in, PrintWriter out) throws Exception {
        try (ShellSession session = new ShellSession(configuration, out)) {
            CommandLine commands = commands(session, out);
            out.println(GREETING);
            String line;
            while (!session.exitRequested() && (line = in.readLine()) != null) {
                out.println(PROMPT + line);
                execute(session, commands, line, out);
            }
        }
        out.flush();
        return 0;
    }

    private static CommandLine commands(ShellSession session, PrintWriter out) {
        return new CommandLine(new ShellCommands(session)).setOut(out).setErr(out);
    }

    private static void execute(ShellSession session, CommandLine commands, String line, PrintWriter out) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() && session.continuousRunning()) {
            // Enter ends a continuous publish, as in the Python tool.
            session.stopContinuous();
        } else if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
            commands.execute(trimmed.split("\\s+"));
        }
        out.flush();
    }

    @Override
    public Integer call() throws Exception {
        if (configuration.reportsProblem("shell", System.err::println)) {
            return 2;
        }
        if (System.console() == null) {
            return script(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
                    new PrintWriter(System.out, true, StandardCharsets.UTF_8));
        }
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            PrintWriter out = terminal.writer();
            ShellSession session = new ShellSession(configuration, out);
            CommandLine commands = commands(session, out);
            Path history = Path.of(System.getProperty("user.home"), ".mmi", "shell_history");
            Files.createDirectories(history.getParent());
            LineReader reader = LineReaderBuilder.builder()
                    .terminal(terminal)
                    .completer(new PicocliCommands(commands).compileCompleters())
                    .parser(new DefaultParser())
                    .variable(LineReader.HISTORY_FILE, history)
                    .build();
            out.println(GREETING);
            try {
                while (!session.exitRequested()) {
                    String line;
                    try {
                        line = reader.readLine(PROMPT);
                    } catch (UserInterruptException ctrlC) {
                        // Ctrl-C stops a continuous publish, as the Python tool's did, instead of leaving.
                        session.stopContinuous();
                        continue;
                    } catch (EndOfFileException endOfInput) {
                        break;
                    }
                    execute(session, commands, line, out);
                }
            } finally {
                session.close();
                out.flush();
            }
        }
        return 0;
    }
}
