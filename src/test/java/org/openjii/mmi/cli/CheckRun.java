package org.openjii.mmi.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** {@code mmi check} run in-process as the command line runs it, with its output captured. */
record CheckRun(int exitCode, String out, String err) {

    static CheckRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> line = new ArrayList<>(List.of("check"));
        line.addAll(Arrays.asList(args));
        String[] arguments = line.toArray(String[]::new);
        int exitCode = MmiCommand.commandLine(arguments)
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute(arguments);
        return new CheckRun(exitCode, out.toString(), err.toString());
    }

    /** The line of one step ({@code "TLS handshake"}), without its mark. */
    String line(String step) {
        return out.lines()
                .filter(text -> text.substring(text.indexOf(' ') + 1).startsWith(step + ": "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line for step '" + step + "' in:\n" + out + err));
    }

    /** The first failed step's line, mark included. */
    String failure() {
        return out.lines()
                .filter(text -> text.startsWith("✘ "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failed step in:\n" + out + err));
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n" + out + err;
    }
}
