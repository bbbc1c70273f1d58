package org.openjii.mmi.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.OutboxException;
import org.openjii.mmi.delivery.OutboxQuarantine;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.message.ReasonCoded;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmi dead-letters republish}: quarantined messages back on their way, each as what it is. A refused data
 * message goes back into the outbox for its own topic (with its message id); the dead letter of a refused message
 * brings that message back the same way; a dead letter of device output goes through the ingest route again, as
 * {@code mmi backfill} sends a saved file. Every message gets one line saying what became of it. It runs the bridge's
 * pipeline as {@code mmi backfill} does (configuration, routes, outbox, MQTT connection, no devices), so it needs the
 * bridge stopped, and waits for the broker to acknowledge what it queued.
 */
@Command(name = "republish", mixinStandardHelpOptions = true, description = "Send quarantined messages again: a"
        + " refused data message back into the outbox for its topic, a dead letter of device output through the"
        + " ingest route (as mmi backfill does).", exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:every message named was republished (and acknowledged, see --wait)",
                "1:some were not (each line says why; they stay), or the bridge's pipeline did not start",
                "2:usage error (an id not in the quarantine)", "3:messages still wait in the outbox after --wait"})
final class DeadLettersRepublish extends ConfiguredCommand {

    @Parameters(paramLabel = "ID", arity = "0..*", description = "The ids to republish (mmi dead-letters list shows"
            + " them).")
    List<Long> ids = new ArrayList<>();

    @Option(names = "--all", description = "Republish everything in the quarantine.")
    boolean all;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60", description = "How long to wait for the"
            + " broker to acknowledge what was queued (default: ${DEFAULT-VALUE}); what is left stays in the outbox"
            + " for the next mmi run.")
    int waitSeconds;
    private static final String COMMAND = DeadLettersCommand.NAME + " republish";

    @Override
    public Integer call() throws Exception {
        if (configurationProblem("dead-letters republish")) {
            return 2;
        }
        if (ids.isEmpty() == !all) {
            err.println(COMMAND + ": name the ids to republish, or --all (not both)");
            return 2;
        }
        DeadLettersCommand.Location location = DeadLettersCommand.Location.of(configuration);
        List<Long> chosen;
        // The ids first, with the outbox alone: a wrong one is a usage error before anything connects.
        try (var outbox = location.open()) {
            chosen = DeadLettersCommand.select(outbox, all ? List.of() : ids)
                    .stream()
                    .map(QuarantinedMessage::id)
                    .toList();
        } catch (IllegalStateException e) {
            err.println(COMMAND + ": " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println(COMMAND + ": " + e.getMessage());
            return 2;
        }
        if (chosen.isEmpty()) {
            out.println("Nothing in the quarantine of " + location.dir().resolve("outbox.db"));
            return 0;
        }
        Pipeline pipeline;
        try {
            pipeline = Pipeline.start(configuration);
        } catch (Exception e) {
            err.println(COMMAND + ": " + DeadLettersCommand.inUse(e, location.dir()));
            return 1;
        }
        try (pipeline) {
            Delivery delivery = pipeline.delivery();
            if (delivery == null) {
                err.println(COMMAND + ": mmi.mqtt.broker-url=log has no outbox to republish into");
                return 1;
            }
            Run run = new Run(delivery, pipeline.context().createProducerTemplate());
            for (long id : chosen) {
                out.println(BackfillCommand.printable(run.republish(id)));
            }
            delivery.publisher().wakeUp();
            out.println(run.republished + " of " + chosen.size() + " republished");
            long waiting = pipeline.awaitDelivered(Duration.ofSeconds(waitSeconds));
            if (waiting > 0) {
                out.println(waiting + " message(s) not yet acknowledged by " + pipeline.broker() + "; they stay in"
                        + " the outbox " + delivery.outbox().file() + " for the next mmi run");
                return 3;
            }
            out.println("Everything acknowledged by " + pipeline.broker());
            return run.republished == chosen.size() ? 0 : 1;
        }
    }

    /**
     * A device reply as the device route hands it on: without the checksum the firmware prints after the JSON
     * text (a dead letter of the device route keeps the whole frame), checked as the device session checks it.
     *
     * @return the input to ingest, or {@code null} when its checksum does not match its text
     */
    static byte[] withoutChecksum(byte[] raw) {
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r' || raw[end - 1] == ' ')) {
            end--;
        }
        int json = end - Crc32Checksum.HEX_DIGITS;
        if (json < 1 || (raw[json - 1] != '}' && raw[json - 1] != ']')) {
            return raw;
        }
        long printed = Crc32Checksum.parseHex(raw, json);
        if (printed < 0) {
            return raw;
        }
        return printed == Crc32Checksum.compute(raw, 0, json) ? Arrays.copyOf(raw, json) : null;
    }

    /** One republish run over the pipeline's outbox: what became of each message, and of those it took along. */
    private static final class Run {

        private final Delivery delivery;
        private final OutboxQuarantine quarantine;
        private final ProducerTemplate template;
        /** Messages removed along with another (the dead letter of a refused message), with that one's id. */
        private final Map<Long, Long> removedWith = new HashMap<>();
        private int republished;

        Run(Delivery delivery, ProducerTemplate template) {
            this.delivery = delivery;
            this.quarantine = delivery.outbox().quarantine();
            this.template = template;
        }

        /** Republishes one message and says what happened, beginning with its id, what it is and its reason. */
        String republish(long id) {
            if (removedWith.containsKey(id)) {
                republished++;
                return "#" + id + ": removed with #" + removedWith.get(id) + ", which it describes";
            }
            Optional<OutboxQuarantine.Entry> entry = quarantine.find(id);
            if (entry.isEmpty()) {
                return "#" + id + ": no longer in the quarantine";
            }
            QuarantinedMessage message = new QuarantinedMessage(entry.get());
            String head = "#" + id + " " + message.what().label + " " + message.reason() + ": ";
            try {
                return head + switch (message.what()) {
                    case REFUSED_DATA -> requeue(message);
                    case REFUSED_RESPONSE -> "not republished: a command response (its request is long over); it"
                            + " stays";
                    case DEAD_LETTER, REFUSED_DEAD_LETTER -> deadLetter(message);
                };
            } catch (OutboxException e) {
                return head + "not republished: " + e.getMessage() + "; it stays";
            }
        }

        private String deadLetter(QuarantinedMessage message) {
            Optional<String> refusedId = message.refusedMessageId();
            if (refusedId.isPresent()) {
                return refusedMessage(message, refusedId.get());
            }
            if (!message.ofDeviceOutput()) {
                return "not republished: it holds a command request, not device output (export shows it); it stays";
            }
            return reingest(message);
        }

        /** A refused data message back into the outbox, and the dead letters that describe it out of the way. */
        private String requeue(QuarantinedMessage refused) {
            long seq = quarantine.requeue(refused.id());
            List<Long> letters = new ArrayList<>();
            for (OutboxQuarantine.Entry entry : quarantine.list()) {
                QuarantinedMessage other = new QuarantinedMessage(entry);
                if (other.refusedMessageId().filter(refused.entry().messageId()::equals).isPresent()) {
                    letters.add(other.id());
                    removedWith.put(other.id(), refused.id());
                }
            }
            quarantine.remove(letters);
            republished++;
            return "back in the outbox for " + refused.originalTopic() + " (outbox #" + seq + ")" + (letters.isEmpty()
                    ? ""
                    : "; its dead letter " + describe(letters) + " removed with it");
        }

        /** The dead letter of a refused message: that message again, from the quarantine or the letter's copy. */
        private String refusedMessage(QuarantinedMessage letter, String refusedId) {
            for (OutboxQuarantine.Entry entry : quarantine.list()) {
                if (entry.kind() == OutboxEntry.Kind.DATA && entry.messageId().equals(refusedId)) {
                    return "refused message #" + entry.seq() + " " + requeue(new QuarantinedMessage(entry));
                }
            }
            Optional<byte[]> copy = letter.envelopeRaw();
            if (copy.isEmpty() || letter.rawTruncated() || letter.originalTopic().isEmpty()) {
                return "not republished: the refused message is no longer in the quarantine and this dead letter"
                        + " carries no complete copy of it; it stays";
            }
            delivery.store(refusedId, letter.originalTopic(), copy.get(), OutboxEntry.Kind.DATA, null, null, null);
            quarantine.remove(List.of(letter.id()));
            republished++;
            return "its copy of refused message " + refusedId + " is back in the outbox for " + letter.originalTopic()
                    + "; removed from the quarantine";
        }

        /** Device output through the ingest route again, as mmi backfill sends a saved run. */
        private String reingest(QuarantinedMessage letter) {
            Optional<byte[]> raw = letter.rawTruncated() ? quarantine.rawInput(letter.entry().messageId())
                    : letter.envelopeRaw();
            if (raw.isEmpty()) {
                return letter.rawTruncated()
                        ? "not republished: its envelope holds only the start of the input, and the complete input is"
                                + " no longer kept (mmi.outbox.raw-input-max-age); it stays"
                        : "not republished: its envelope carries no input; it stays";
            }
            byte[] input = DeadLettersRepublish.withoutChecksum(raw.get());
            if (input == null) {
                return "not republished: the checksum the device printed does not match its text (the data was"
                        + " damaged on the way); it stays";
            }
            Map<Object, Object> stored = Collections.synchronizedMap(new LinkedHashMap<>());
            Exchange exchange = template.send("direct:ingest", e -> {
                e.getMessage().setBody(text(input).map(Object.class::cast).orElse(input));
                // The same message ids every time this dead letter is republished.
                e.getMessage().setHeader(IngestHeaders.MESSAGE_ID_SEED, "dead-letter:" + letter.entry().messageId());
                e.setProperty(IotConstants.COLLECTED_TOPICS, stored);
            });
            if (exchange.getException() != null) {
                // Not stored at all (the outbox refused): the dead letter stays.
                return "not republished: " + Failures.describe(exchange.getException()) + "; it stays";
            }
            quarantine.remove(List.of(letter.id()));
            Throwable again = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            if (again != null) {
                return "refused again (" + ReasonCoded.reasonOf(again).code() + ": " + again.getMessage() + "): a new"
                        + " dead letter takes its place; removed";
            }
            republished++;
            synchronized (stored) {
                return "re-ingested: " + stored.size() + " data message(s) stored for "
                        + String.join(", ", new LinkedHashSet<>(stored.values()
                                .stream()
                                .map(String::valueOf)
                                .toList()))
                        + "; removed from the quarantine";
            }
        }

        private static String describe(List<Long> ids) {
            return String.join(", ", ids.stream().map(id -> "#" + id).toList());
        }

        private static Optional<String> text(byte[] bytes) {
            try {
                return Optional.of(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                return Optional.empty();
            }
        }
    }
}
