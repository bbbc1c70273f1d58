package org.openjii.mmi.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.processor.idempotent.FileIdempotentRepository;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.message.Failures;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmi backfill DIR}: saved measurement files (PhotosynQ and JII exports, the Python tool's {@code dump/*.json},
 * a device's own JSON) through the bridge's ingest route and outbox, resumable. A file is marked done (in the outbox
 * directory) only when all its messages are on disk; message ids are derived from the file's content, and the ids
 * already stored are remembered (Camel's FileIdempotentRepository), so a run interrupted in the middle of a file
 * resumes without storing any of its messages twice.
 * <p>
 * Confined to what the user pointed at: only regular files under DIR are read; a symbolic link is skipped with a line
 * (its target may be a key or a secrets file, which would otherwise leave as a dead letter with its bytes), and so is
 * a file larger than {@code --max-file-mb}. Files are read streaming, one run at a time ({@link BackfillFile}), so a
 * failed run's dead letter carries that run, and a file that is not JSON at all is one dead letter with the file once.
 * Docs: {@code docs/hardening.md}.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true, description = "Publish saved measurement files (*.json"
        + " under DIR: PhotosynQ/JII exports, the Python tool's dump/*.json) through the bridge's pipeline; resumable.", exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every file published (or queued, see --wait)",
                "1:some runs were refused (each is a dead letter with its bytes), some files were skipped (symbolic"
                        + " links, too large, unreadable), or the bridge did not start",
                "2:usage error", "3:messages still wait in the outbox after --wait"})
final class BackfillCommand extends ConfiguredCommand {

    /** In the outbox directory: the SHA-256 and path of every file done, one per line. */
    static final String DONE_FILE = "backfill-done.txt";
    /** In the outbox directory: the ids of the messages stored so far (FileIdempotentRepository's file). */
    static final String STORED_IDS_FILE = "backfill-stored-ids.txt";
    private static final int MAX_REMEMBERED_IDS = 1_000_000;

    @Parameters(index = "0", paramLabel = "DIR", description = "The folder with the saved files (searched"
            + " recursively for *.json).")
    Path directory;

    @Option(names = "--experiment", description = "The openJII experiment id of the data (default:"
            + " mmi.experiment-id).")
    String experiment;

    @Option(names = "--max-file-mb", paramLabel = "MB", defaultValue = "64", description = "Skip a file larger than"
            + " this (default: ${DEFAULT-VALUE}); it is read one run at a time, but a single run must fit in memory.")
    long maxFileMegabytes;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120", description = "How long to wait for the"
            + " broker to acknowledge everything before exiting (default: ${DEFAULT-VALUE}); what is left stays in"
            + " the outbox for the next mmi run.")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(directory)) {
            err.println("mmi backfill: " + directory + ": no such folder");
            return 2;
        }
        if (configurationProblem("backfill")) {
            return 2;
        }
        if (maxFileMegabytes < 1) {
            err.println("mmi backfill: --max-file-mb must be at least 1, was " + maxFileMegabytes);
            return 2;
        }
        List<Path> files = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Path root = directory.toRealPath();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted().toList()) {
                String outcome = skipReason(path);
                if (outcome == null) {
                    files.add(path);
                } else if (!outcome.isEmpty()) {
                    skipped.add(path + ": " + outcome);
                }
            }
        }
        if (experiment != null) {
            configuration.overrides.put("mmi.experiment-id", experiment);
        }
        Pipeline pipeline;
        try {
            pipeline = Pipeline.start(configuration);
        } catch (Exception e) {
            err.println("mmi backfill: " + Failures.describe(e));
            return 1;
        }
        try (pipeline) {
            return backfill(pipeline, files, skipped);
        }
    }

    /**
     * Why a path found under DIR is not read ({@code ""}: it is not a candidate at all, such as a folder), or
     * {@code null} when it is a regular {@code *.json} file within the size limit.
     */
    private String skipReason(Path path) throws IOException {
        if (Files.isSymbolicLink(path)) {
            return "a symbolic link (to " + Files.readSymbolicLink(path) + "); backfill reads only files inside the"
                    + " folder, copy the file in to send it";
        }
        if (!path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return "";
        }
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "" : "not a regular file";
        }
        long size = Files.size(path);
        if (size > maxFileMegabytes * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB, more than --max-file-mb %d", size / 1048576.0,
                    maxFileMegabytes);
        }
        return null;
    }

    private int backfill(Pipeline pipeline, List<Path> files, List<String> skipped) throws Exception {
        Delivery delivery = pipeline.delivery();
        Path state = delivery != null ? delivery.outbox().file().getParent() : directory;
        Path doneFile = state.resolve(DONE_FILE);
        Set<String> done = readDone(doneFile);
        FileIdempotentRepository stored = (FileIdempotentRepository) FileIdempotentRepository.fileIdempotentRepository(
                state.resolve(STORED_IDS_FILE).toFile(), MAX_REMEMBERED_IDS);
        stored.start();
        ProducerTemplate template = pipeline.context().createProducerTemplate();
        skipped.forEach(line -> err.println("mmi backfill: skipped " + printable(line)));
        Progress progress = new Progress(files.size());
        List<String> refused = new ArrayList<>();
        int doneBefore = 0;
        int messages = 0;
        try {
            for (Path file : files) {
                FileOutcome outcome;
                try (BackfillFile saved = BackfillFile.open(file)) {
                    if (done.contains(saved.sha256())) {
                        doneBefore++;
                        progress.step(file, "done before");
                        continue;
                    }
                    outcome = send(template, saved, stored, file, refused);
                    if (outcome == null) {
                        return 1;
                    }
                    // Every message of the file is on disk now (or a dead letter that keeps its run's bytes).
                    Files.writeString(doneFile, saved.sha256() + "  " + file + System.lineSeparator(),
                            StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                            StandardOpenOption.SYNC);
                } catch (IOException | UncheckedIOException e) {
                    skipped.add(file + ": cannot be read (" + e.getMessage() + ")");
                    progress.step(file, "skipped: cannot be read (" + printable(String.valueOf(e.getMessage()))
                            + ")");
                    continue;
                }
                messages += outcome.messages();
                progress.step(file, outcome.describe());
            }
        } finally {
            stored.stop();
        }
        progress.finish();
        out.printf(Locale.ROOT, "%d file(s): %d message(s) stored, %d refused, %d done before, %d skipped%n",
                files.size(), messages, refused.size(), doneBefore, skipped.size());
        refused.forEach(line -> out.println("  refused: " + printable(line)));
        long waiting = pipeline.awaitDelivered(Duration.ofSeconds(waitSeconds));
        if (delivery != null) {
            if (waiting > 0) {
                out.println(waiting + " message(s) not yet acknowledged by " + pipeline.broker() + "; they stay in"
                        + " the outbox " + delivery.outbox().file() + " for the next mmi run or backfill");
                return 3;
            }
            out.println("Everything acknowledged by " + pipeline.broker());
        }
        return refused.isEmpty() && skipped.isEmpty() ? 0 : 1;
    }

    /** What became of one file's inputs. */
    private record FileOutcome(int messages, int refused, boolean arrayOfRuns) {

        String describe() {
            if (!arrayOfRuns && refused > 0) {
                return "refused (dead letter)";
            }
            return messages + " message(s)" + (refused > 0 ? ", " + refused + " run(s) refused (dead letters)" : "");
        }
    }

    /**
     * Sends each input of a file through the ingest route: each run of an array on its own, under message ids seeded
     * by the file's hash and the run's place in it.
     *
     * @return what became of them, or {@code null} when the outbox refused one (it was not stored at all)
     */
    private FileOutcome send(ProducerTemplate template, BackfillFile saved, FileIdempotentRepository stored,
            Path file, List<String> refused) {
        int messages = 0;
        int refusedRuns = 0;
        for (BackfillFile.Input input : saved.inputs()) {
            List<Object> ids = Collections.synchronizedList(new ArrayList<>());
            String seed = "backfill:" + saved.sha256() + (saved.isArrayOfRuns() ? "/" + input.index() : "");
            Exchange exchange = template.send("direct:ingest", e -> {
                e.getMessage().setBody(new String(input.bytes(), StandardCharsets.UTF_8));
                e.getMessage().setHeader(IngestHeaders.MESSAGE_ID_SEED, seed);
                e.setProperty(IotConstants.COLLECTED_MESSAGE_IDS, ids);
                e.setProperty(IotConstants.STORED_MESSAGE_IDS, stored);
            });
            if (exchange.getException() != null) {
                // Not stored at all (the outbox refused): not done, the next run tries again.
                err.println("mmi backfill: " + file + ": " + printable(Failures.describe(exchange.getException())));
                return null;
            }
            Throwable deadLettered = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            if (deadLettered != null) {
                refusedRuns++;
                refused.add(file + (saved.isArrayOfRuns() ? " run " + input.index() : "") + ": "
                        + deadLettered.getMessage());
            }
            messages += ids.size();
        }
        return new FileOutcome(messages, refusedRuns, saved.isArrayOfRuns());
    }

    /** A line for the terminal: device text (a device id with a newline) cannot start a line of its own. */
    static String printable(String text) {
        StringBuilder line = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                line.append(String.format(Locale.ROOT, "\\u%04X", c));
            } else {
                line.appendCodePoint(c);
            }
        });
        return line.toString();
    }

    private static Set<String> readDone(Path doneFile) throws IOException {
        if (!Files.exists(doneFile)) {
            return Set.of();
        }
        try (Stream<String> lines = Files.lines(doneFile, StandardCharsets.UTF_8)) {
            return lines.map(line -> line.split(" ", 2)[0]).filter(hash -> !hash.isBlank()).collect(Collectors.toSet());
        }
    }

    /**
     * {@code Backfill [########............] 12/30 files}: redrawn in place on a terminal, one line per file otherwise
     * (a log). Hand-written like mmi measure's: one line, no dependency for it.
     */
    private final class Progress {

        private final int total;
        private final boolean terminal = System.console() != null;
        private int done;

        Progress(int total) {
            this.total = total;
        }

        void step(Path file, String outcome) {
            done++;
            if (terminal) {
                int width = 20;
                int filled = total == 0 ? width : done * width / total;
                err.printf(Locale.ROOT, "\rBackfill [%s%s] %d/%d files", "#".repeat(filled),
                        ".".repeat(width - filled), done, total);
                err.flush();
            } else {
                err.printf(Locale.ROOT, "[%d/%d] %s: %s%n", done, total, file, outcome);
            }
        }

        void finish() {
            if (terminal) {
                err.println();
            }
        }
    }
}
