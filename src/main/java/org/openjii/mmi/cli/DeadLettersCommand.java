package org.openjii.mmi.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.delivery.DeadLetterMode;
import org.openjii.mmi.delivery.DeliverySettings;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxBudget;
import org.openjii.mmi.delivery.OutboxException;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.support.DeviceJson;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmi dead-letters list|export|republish}: the outbox's quarantine of a stopped bridge (dead letters kept with
 * {@code mmi.dead-letters=local}, and messages the broker refused). It opens the outbox as the bridge does, so it
 * refuses with one line while a bridge holds the outbox's lock: the bridge's publisher and this command would
 * otherwise both write the same outbox. Docs: {@code docs/dead-letters.md}.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true, description = "The dead letters and refused messages"
        + " kept in a stopped bridge's outbox (its quarantine): list, export or republish them.", subcommands = {
                DeadLettersCommand.ListCommand.class, DeadLettersCommand.ExportCommand.class,
                DeadLettersRepublish.class})
final class DeadLettersCommand implements Runnable {

    static final String NAME = "mmi dead-letters";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The outbox folder the configuration names ({@code mmi.outbox.dir}) and its caps. */
    record Location(Path dir, OutboxBudget budget) {

        static Location of(ConfigurationOptions configuration) throws Exception {
            try (CamelContext context = MmiApplication.configuration(configuration.configFile(),
                    configuration.overrides)) {
                PropertiesComponent properties = context.getPropertiesComponent();
                return new Location(Path.of(properties.resolveProperty("mmi.outbox.dir").orElse("outbox").trim()),
                        DeliverySettings.outboxBudget(properties));
            }
        }

        /**
         * Opens the outbox of a stopped bridge.
         *
         * @throws IllegalStateException with the one line to print: no outbox there, or a bridge holds it
         */
        Outbox open() {
            if (!Files.isRegularFile(dir.resolve(Outbox.FILE_NAME))) {
                throw new IllegalStateException("no outbox in " + dir.toAbsolutePath() + " (mmi.outbox.dir): set it"
                        + " with --set mmi.outbox.dir=DIR");
            }
            try {
                // Its mode does not matter: this command stores no new dead letter.
                return Outbox.open(dir, budget, Outbox.FullPolicy.REJECT, DeadLetterMode.PUBLISH, Clock.systemUTC());
            } catch (OutboxException e) {
                throw new IllegalStateException(inUse(e, dir), e);
            }
        }
    }

    /** The line for an outbox a running bridge holds, else the failure's own. */
    static String inUse(Throwable failure, Path dir) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof OutboxException e && OutboxException.OUTBOX_IN_USE.equals(e.reason())) {
                String holder;
                try {
                    holder = "mmi process " + Files.readString(dir.resolve(Outbox.LOCK_FILE_NAME)).strip();
                } catch (IOException unreadable) {
                    holder = "another mmi";
                }
                return "the outbox " + dir.toAbsolutePath() + " is in use by " + holder + " (a running bridge): stop"
                        + " it first; dead letters are read from a stopped bridge's outbox";
            }
        }
        return Failures.describe(failure);
    }

    /** The messages these ids name, in the quarantine's order; every id given must be there. */
    static List<QuarantinedMessage> select(Outbox outbox, List<Long> ids) {
        Map<Long, QuarantinedMessage> all = new LinkedHashMap<>();
        outbox.quarantine().list().forEach(entry -> all.put(entry.seq(), new QuarantinedMessage(entry)));
        if (ids == null || ids.isEmpty()) {
            return new ArrayList<>(all.values());
        }
        List<Long> unknown = ids.stream().filter(id -> !all.containsKey(id)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no message " + unknown.stream()
                    .map(id -> "#" + id)
                    .toList()
                    .toString()
                    .replaceAll("[\\[\\]]", "") + " in the quarantine of " + outbox.file()
                    + " (mmi dead-letters list shows the ids)");
        }
        return all.values().stream().filter(m -> ids.contains(m.id())).toList();
    }

    /** {@code mmi dead-letters list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per quarantined message: id,"
            + " when it was kept, what it is, its reason, the data topic it was going to, its size.")
    static final class ListCommand extends ConfiguredCommand {

        @Override
        public Integer call() throws Exception {
            if (configurationProblem("dead-letters list")) {
                return 2;
            }
            Location location = Location.of(configuration);
            try (Outbox outbox = location.open()) {
                List<QuarantinedMessage> messages = select(outbox, List.of());
                if (messages.isEmpty()) {
                    out.println("Nothing in the quarantine of " + outbox.file());
                    return 0;
                }
                String format = "%-6s %-20s %-19s %-24s %-7s %s%n";
                out.printf(Locale.ROOT, format, "ID", "KEPT AT (UTC)", "WHAT", "REASON", "BYTES", "ORIGINAL TOPIC");
                long bytes = 0;
                for (QuarantinedMessage message : messages) {
                    bytes += message.entry().payload().length;
                    out.printf(Locale.ROOT, format, message.id(), message.keptAt(), message.what().label,
                            BackfillCommand.printable(message.reason()),
                            message.entry().payload().length,
                            message.originalTopic().isEmpty() ? "-"
                                    : BackfillCommand.printable(message
                                            .originalTopic()));
                }
                out.printf(Locale.ROOT, "%d message(s), %d bytes, in the quarantine of %s%n", messages.size(), bytes,
                        outbox.file());
                return 0;
            } catch (IllegalStateException e) {
                err.println(NAME + " list: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code mmi dead-letters export}. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write quarantined messages as JSON lines"
            + " (one object each: id, what, reason, original topic, the whole payload or envelope, the raw input"
            + " kept); they stay unless --delete.")
    static final class ExportCommand extends ConfiguredCommand {

        @Parameters(paramLabel = "ID", arity = "0..*", description = "The ids to export (default: all).")
        List<Long> ids = new ArrayList<>();

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to this file (default:"
                + " standard output); an existing file is refused.")
        Path output;

        @Option(names = "--delete", description = "Remove the exported messages from the quarantine once they are"
                + " written (and the file is synced).")
        boolean delete;

        @Override
        public Integer call() throws Exception {
            if (configurationProblem("dead-letters export")) {
                return 2;
            }
            if (output != null && Files.exists(output)) {
                err.println(NAME + " export: " + output + " exists already; name a new file");
                return 2;
            }
            Location location = Location.of(configuration);
            try (Outbox outbox = location.open()) {
                List<QuarantinedMessage> messages;
                try {
                    messages = select(outbox, ids);
                } catch (IllegalArgumentException e) {
                    err.println(NAME + " export: " + e.getMessage());
                    return 2;
                }
                StringBuilder lines = new StringBuilder();
                for (QuarantinedMessage message : messages) {
                    lines.append(DeviceJson.write(message.toJson(outbox.quarantine()
                            .rawInput(message.entry()
                                    .messageId()))))
                            .append('\n');
                }
                byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
                if (output != null) {
                    try (FileChannel file = FileChannel.open(output, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE); OutputStream stream = Channels.newOutputStream(file)) {
                        stream.write(bytes);
                        stream.flush();
                        file.force(true);
                    }
                } else {
                    out.write(bytes);
                    out.flush();
                    if (out.checkError()) {
                        err.println(NAME + " export: writing to standard output failed; nothing was deleted");
                        return 1;
                    }
                }
                String where = output == null ? "standard output" : output.toString();
                if (delete) {
                    int removed = outbox.quarantine().remove(messages.stream().map(QuarantinedMessage::id).toList());
                    err.println("Exported " + messages.size() + " message(s) to " + where + " and removed " + removed
                            + " from the quarantine of " + outbox.file());
                } else {
                    err.println("Exported " + messages.size() + " message(s) to " + where + "; they stay in the"
                            + " quarantine of " + outbox.file() + " (--delete removes them)");
                }
                return 0;
            } catch (IllegalStateException e) {
                err.println(NAME + " export: " + e.getMessage());
                return 1;
            }
        }
    }
}
