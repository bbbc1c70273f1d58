package org.openjii.mmi.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.processor.idempotent.FileIdempotentRepository;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.ingest.IngestHeaders;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmi backfill DIR}: saved measurement files (PhotosynQ and JII exports, the Python tool's {@code dump/*.json},
 * a device's own JSON) through the bridge's ingest route and outbox, resumable. A file is marked done (in the outbox
 * directory) only when all its messages are on disk; message ids are derived from the file's content, and the ids
 * already stored are remembered (Camel's FileIdempotentRepository), so a run interrupted in the middle of a file
 * resumes without storing any of its messages twice.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true, description = "Publish saved measurement files (*.json"
        + " under DIR: PhotosynQ/JII exports, the Python tool's dump/*.json) through the bridge's pipeline; resumable.", exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every file published (or queued, see --wait)",
                "1:some files were refused (each is a dead letter with its bytes) or the bridge did not start",
                "2:usage error", "3:messages still wait in the outbox after --wait"})
final class BackfillCommand implements Callable<Integer> {

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

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120", description = "How long to wait for the"
            + " broker to acknowledge everything before exiting (default: ${DEFAULT-VALUE}); what is left stays in"
            + " the outbox for the next mmi run.")
    int waitSeconds;

    @Mixin
    ConfigurationOptions configuration = new ConfigurationOptions();

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(directory)) {
            err.println("mmi backfill: " + directory + ": no such folder");
            return 2;
        }
        if (configuration.problem("backfill") != null) {
            err.println(configuration.problem("backfill"));
            return 2;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(directory)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json"))
                    .sorted()
                    .toList();
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
            return backfill(pipeline, files);
        }
    }

    private int backfill(Pipeline pipeline, List<Path> files) throws Exception {
        Delivery delivery = pipeline.delivery();
        Path state = delivery != null ? delivery.outbox().file().getParent() : directory;
        Path doneFile = state.resolve(DONE_FILE);
        Set<String> done = readDone(doneFile);
        FileIdempotentRepository stored = (FileIdempotentRepository) FileIdempotentRepository.fileIdempotentRepository(
                state.resolve(STORED_IDS_FILE).toFile(), MAX_REMEMBERED_IDS);
        stored.start();
        ProducerTemplate template = pipeline.context().createProducerTemplate();
        Progress progress = new Progress(files.size());
        List<String> refused = new ArrayList<>();
        int skipped = 0;
        int messages = 0;
        try {
            for (Path file : files) {
                byte[] bytes = Files.readAllBytes(file);
                String hash = sha256(bytes);
                if (done.contains(hash)) {
                    skipped++;
                    progress.step(file, "done before");
                    continue;
                }
                List<Object> ids = Collections.synchronizedList(new ArrayList<>());
                Exchange exchange = template.send("direct:ingest", e -> {
                    e.getMessage().setBody(new String(bytes, StandardCharsets.UTF_8));
                    e.getMessage().setHeader(IngestHeaders.MESSAGE_ID_SEED, "backfill:" + hash);
                    e.setProperty(IotConstants.COLLECTED_MESSAGE_IDS, ids);
                    e.setProperty(IotConstants.STORED_MESSAGE_IDS, stored);
                });
                if (exchange.getException() != null) {
                    // Not stored at all (the outbox refused): not done, the next run tries again.
                    err.println("mmi backfill: " + file + ": " + Failures.describe(exchange.getException()));
                    return 1;
                }
                Throwable deadLettered = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
                if (deadLettered != null) {
                    refused.add(file + ": " + deadLettered.getMessage());
                }
                messages += ids.size();
                // Every message of the file is on disk now (or it is a dead letter that keeps its bytes).
                Files.writeString(doneFile, hash + "  " + file + System.lineSeparator(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
                progress.step(file, deadLettered != null ? "refused (dead letter)" : ids.size() + " message(s)");
            }
        } finally {
            stored.stop();
        }
        progress.finish();
        out.printf(Locale.ROOT, "%d file(s): %d message(s) stored, %d refused, %d done before%n", files.size(),
                messages, refused.size(), skipped);
        refused.forEach(line -> out.println("  refused: " + line));
        long waiting = pipeline.awaitDelivered(Duration.ofSeconds(waitSeconds));
        if (delivery != null) {
            if (waiting > 0) {
                out.println(waiting + " message(s) not yet acknowledged by " + pipeline.broker() + "; they stay in"
                        + " the outbox " + delivery.outbox().file() + " for the next mmi run or backfill");
                return 3;
            }
            out.println("Everything acknowledged by " + pipeline.broker());
        }
        return refused.isEmpty() ? 0 : 1;
    }

    private static Set<String> readDone(Path doneFile) throws IOException {
        if (!Files.exists(doneFile)) {
            return Set.of();
        }
        try (Stream<String> lines = Files.lines(doneFile, StandardCharsets.UTF_8)) {
            return lines.map(line -> line.split(" ", 2)[0]).filter(hash -> !hash.isBlank()).collect(Collectors.toSet());
        }
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
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
