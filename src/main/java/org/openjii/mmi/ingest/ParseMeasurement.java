package org.openjii.mmi.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.JsonSanitizer;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.openjii.mmi.support.DeviceJson.kind;

/**
 * First ingest step: device output text (a {@code String} or UTF-8 {@code byte[]} body) in, a {@link Measurement} out.
 * <ul>
 * <li>{@code nan}, {@code inf}, {@code nil} become {@code null} ({@link JsonSanitizer}): openJII's Gold layer rejects
 * anything but strict JSON.</li>
 * <li>The PhotosynQ app's {@code sample: [[...]]} is unwrapped to a flat array. Each inner array is one run's samples,
 * so {@code [[a],[b]]} is two runs.</li>
 * <li>A JSON <em>array</em> of runs (PhotosynQ and JII exports, for a backfill) is accepted too.</li>
 * <li>Device errors are refused ({@code device-error}): a top-level {@code {"error":...}}, also when followed by
 * garbage as fw 1.x prints it, and any sample object or {@code set} entry with an {@code error} field.</li>
 * </ul>
 * The body becomes one {@link Measurement}, or a {@code List<Measurement>} when the input held several runs;
 * {@link SplitMeasurement} takes both. One bad run rejects the whole input: the dead letter then keeps the file as it
 * came, and nothing of it is half-published.
 * <p>
 * When the run finished: the header {@code CamelMultispeqLastByteAt} (an {@link Instant}, or epoch milliseconds) for a
 * single run, else the run's own {@code time} (epoch ms, as app-saved files carry it; for {@code [[a],[b]]} the first
 * sample's {@code time}), else the header, else now. The run id: the header {@value IngestHeaders#RUN_ID} for a single
 * run, else a new UUID per run. The header is set to the run's id, and removed when there are several runs (each part
 * then carries its own).
 * <p>
 * A reply the component marks {@code CamelMultispeqCrcStatus=ABSENT} (no checksum: fw 1.x builds without
 * {@code Serial_Print_CRC()}) is published by default; with {@link #setCrcAbsent(String) crcAbsent} {@code dead-letter}
 * it is refused ({@code crc-absent}). Input without that header (a backfilled file) is not affected.
 * <p>
 * A device's own reply (compact, one run) is read without building the tree of its samples: {@link CompactSample} finds
 * them, and their bytes become the {@link SampleArray}'s text. Everything else, and every doubt, takes the tree path;
 * both give the same measurement.
 */
public class ParseMeasurement implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ParseMeasurement.class);
    private static final String CRC_ABSENT = "ABSENT";

    /** What {@link #setCrcAbsent(String)} accepts. */
    public static final String CRC_ABSENT_PUBLISH = "publish";
    public static final String CRC_ABSENT_DEAD_LETTER = "dead-letter";

    private Clock clock = Clock.systemUTC();
    private boolean deadLetterWithoutChecksum;

    public String getCrcAbsent() {
        return deadLetterWithoutChecksum ? CRC_ABSENT_DEAD_LETTER : CRC_ABSENT_PUBLISH;
    }

    /**
     * What becomes of a device reply without checksum: {@code publish} (the default: fw 1.x firmware itself left the
     * checksum out, and the JSON is still validated) or {@code dead-letter}.
     *
     * @throws IllegalArgumentException naming the knob for any other value
     */
    public void setCrcAbsent(String value) {
        String v = Knobs.blankToNull(value);
        if (v == null || CRC_ABSENT_PUBLISH.equals(v)) {
            deadLetterWithoutChecksum = false;
        } else if (CRC_ABSENT_DEAD_LETTER.equals(v)) {
            deadLetterWithoutChecksum = true;
        } else {
            throw new IllegalArgumentException("crcAbsent must be publish or dead-letter, was '" + value + "'");
        }
    }

    public Clock getClock() {
        return clock;
    }

    /** Where "now" comes from when neither the header nor the output says when the run finished (tests set it). */
    public void setClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void process(Exchange exchange) throws IngestException {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        byte[] bytes;
        String rawText;
        if (body instanceof byte[] b) {
            bytes = b;
            rawText = new String(b, StandardCharsets.UTF_8);
        } else {
            rawText = body instanceof String s ? s : in.getBody(String.class);
            if (rawText == null) {
                throw new IngestException(FailureReason.INVALID_JSON, body == null ? "The message body is empty"
                        : "A body of type " + body.getClass().getSimpleName() + " is not text", null);
            }
            bytes = rawText.getBytes(StandardCharsets.UTF_8);
        }
        if (deadLetterWithoutChecksum && CRC_ABSENT.equals(in.getHeader(MultispeqConstants.CRC_STATUS))) {
            throw new IngestException(FailureReason.CRC_ABSENT, "The device reply has no checksum (crc: absent) and"
                    + " crc-absent is dead-letter");
        }
        Object header = in.getHeader(MultispeqConstants.LAST_BYTE_AT);
        Instant lastByteAt = instant(header);
        if (header != null && lastByteAt == null) {
            LOG.warn("Ignoring the unreadable header {}={}", MultispeqConstants.LAST_BYTE_AT, header);
        }
        List<Measurement> runs = parse(bytes, rawText, lastByteAt, in.getHeader(IngestHeaders.RUN_ID, String.class));
        if (runs.size() == 1) {
            in.setBody(runs.get(0));
            in.setHeader(IngestHeaders.RUN_ID, runs.get(0).runId());
        } else {
            in.setBody(runs);
            in.removeHeader(IngestHeaders.RUN_ID);
        }
    }

    /**
     * The step without Camel.
     *
     * @param json the device output (or an array of them), UTF-8
     * @param rawText the same as received, kept in each {@link Measurement} for dead letters
     * @param lastByteAt when the reply finished, or {@code null}
     * @param runId the run id to use for a single run, or {@code null} for a new one
     * @return the runs, at least one
     */
    public List<Measurement> parse(byte[] json, String rawText, Instant lastByteAt, String runId)
            throws IngestException {
        // A nan/inf/nil token stops the compact read (it is not JSON), so where that read succeeds on the bytes as they
        // came there was nothing to sanitize: clean device output is read in one pass.
        List<Run> runs = compactRun(json, 0, json.length);
        if (runs == null) {
            JsonSanitizer.Result clean = JsonSanitizer.sanitize(json, 0, json.length);
            if (clean.changed()) {
                LOG.debug("Replaced {} nan/inf/nil token(s) by null", clean.replacements());
                runs = compactRun(clean.bytes(), clean.offset(), clean.length());
            }
            if (runs == null) {
                runs = treeRuns(clean);
            }
        }
        boolean single = runs.size() == 1;
        Instant now = null;
        List<Measurement> measurements = new ArrayList<>(runs.size());
        for (Run run : runs) {
            Instant finishedAt = single && lastByteAt != null ? lastByteAt : run.time();
            if (finishedAt == null) {
                finishedAt = lastByteAt;
            }
            if (finishedAt == null) {
                now = now == null ? clock.instant() : now;
                finishedAt = now;
            }
            String id = single && runId != null && !runId.isBlank() ? runId : UUID.randomUUID().toString();
            measurements.add(new Measurement(run.output(), run.sample(), finishedAt, id, rawText));
        }
        return measurements;
    }

    /** One run found in the input, before it gets its time and id. */
    private record Run(ObjectNode output, SampleArray sample, Instant time) {
    }

    /**
     * The one run of a compact device output in {@code bytes[offset, offset + length)} ({@link CompactSample}): only
     * the fields around the sample are parsed, the sample's bytes are kept as its JSON text. {@code null} when the
     * output is not of that kind.
     */
    private static List<Run> compactRun(byte[] bytes, int offset, int length) throws IngestException {
        CompactSample.Span span = CompactSample.find(bytes, offset, length);
        if (span == null) {
            return null;
        }
        ObjectNode output = fieldsAround(bytes, offset, length, span);
        if (output == null) {
            return null;
        }
        DeviceErrors.checkTopLevel(output);
        SampleArray sample = SampleArray.ofCompactJson(span.samples(bytes));
        return List.of(new Run(output, sample, epochMillis(output.get("time"))));
    }

    /**
     * The output's fields but {@code sample}, parsed from the bytes around the sample with an empty array in its place;
     * {@code null} when they are not valid JSON (the tree path then reports where).
     */
    private static ObjectNode fieldsAround(byte[] bytes, int offset, int length, CompactSample.Span span) {
        int before = span.valueStart() - offset;
        int after = offset + length - span.valueEnd();
        byte[] around = new byte[before + 2 + after];
        System.arraycopy(bytes, offset, around, 0, before);
        around[before] = '[';
        around[before + 1] = ']';
        System.arraycopy(bytes, span.valueEnd(), around, before + 2, after);
        try {
            ObjectNode output = (ObjectNode) DeviceJson.parse(around, 0, around.length);
            output.remove("sample");
            return output;
        } catch (IOException e) {
            return null;
        }
    }

    /** The runs of any input, through the whole tree. */
    private static List<Run> treeRuns(JsonSanitizer.Result clean) throws IngestException {
        JsonNode root = readTree(clean);
        List<ObjectNode> objects = runObjects(root);
        List<Run> runs = new ArrayList<>();
        for (ObjectNode object : objects) {
            unwrapRuns(object, runs);
        }
        for (Run run : runs) {
            DeviceErrors.checkSamples(run.output(), run.sample().tree());
        }
        return runs;
    }

    /** Exactly one JSON value, strictly: trailing data is an error, except after a device error object. */
    private static JsonNode readTree(JsonSanitizer.Result clean) throws IngestException {
        ObjectMapper mapper = DeviceJson.mapper();
        try (JsonParser parser = mapper.getFactory().createParser(clean.bytes(), clean.offset(), clean.length())) {
            JsonNode root = mapper.readTree(parser);
            if (root == null || root.isMissingNode()) {
                throw new IngestException(FailureReason.INVALID_JSON, "The input holds no JSON value", null);
            }
            if (parser.nextToken() != null) {
                // fw 1.x: {"error":"JSON failure with:"}<json>} -- the device's error comes first.
                DeviceErrors.checkTopLevel(root);
                throw new IngestException(FailureReason.INVALID_JSON, "Unexpected data after the JSON value at "
                        + parser.currentTokenLocation().offsetDescription(), null);
            }
            return root;
        } catch (JsonProcessingException e) {
            // fw 1.x: {"error":"bad json protocol (braces or CRC)" <protocol> "} is broken JSON, but an error.
            String deviceError = DeviceErrors.leadingErrorField(clean);
            if (deviceError != null) {
                throw new IngestException(FailureReason.DEVICE_ERROR, "Device reported an error: " + deviceError);
            }
            String where = e.getLocation() == null ? "" : " at " + e.getLocation().offsetDescription();
            throw new IngestException(FailureReason.INVALID_JSON, "Not valid JSON even after sanitizing: "
                    + e.getOriginalMessage() + where, e);
        } catch (IOException e) {
            throw new IngestException(FailureReason.INVALID_JSON, "Not readable as JSON: " + e.getMessage(), e);
        }
    }

    private static List<ObjectNode> runObjects(JsonNode root) throws IngestException {
        if (root instanceof ObjectNode object) {
            return List.of(object);
        }
        if (!(root instanceof ArrayNode array)) {
            throw new IngestException(FailureReason.INVALID_MEASUREMENT,
                    "Expected a JSON object with a sample array, got "
                            + kind(root));
        }
        if (array.isEmpty()) {
            throw new IngestException(FailureReason.INVALID_MEASUREMENT, "An empty array holds no measurement runs");
        }
        List<ObjectNode> objects = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            if (!(array.get(i) instanceof ObjectNode object)) {
                throw new IngestException(FailureReason.INVALID_MEASUREMENT, "Element " + i
                        + " of the array of runs is " + kind(array.get(i)) + ", not an object");
            }
            objects.add(object);
        }
        return objects;
    }

    /**
     * Adds the runs one device output holds: itself, or one per inner array of a nested {@code sample}. The output
     * loses its {@code sample} field; the runs share what remains.
     */
    private static void unwrapRuns(ObjectNode output, List<Run> runs) throws IngestException {
        DeviceErrors.checkTopLevel(output);
        JsonNode sample = output.remove("sample");
        if (!(sample instanceof ArrayNode samples)) {
            throw new IngestException(FailureReason.INVALID_MEASUREMENT,
                    sample == null ? "The output has no sample field"
                            : "sample is " + kind(sample) + ", not an array");
        }
        int arrays = 0;
        for (JsonNode element : samples) {
            arrays += element.isArray() ? 1 : 0;
        }
        Instant outputTime = epochMillis(output.get("time"));
        if (arrays == 0) {
            runs.add(new Run(output, SampleArray.ofTree(samples), outputTime));
        } else if (arrays != samples.size()) {
            throw new IngestException(FailureReason.INVALID_MEASUREMENT, "sample mixes " + arrays + " arrays with "
                    + (samples.size() - arrays) + " other elements; expected objects, or arrays of them");
        } else if (samples.size() == 1) {
            runs.add(new Run(output, SampleArray.ofTree((ArrayNode) samples.get(0)), outputTime));
        } else {
            for (JsonNode inner : samples) {
                Instant time = inner.isEmpty() ? null : epochMillis(inner.get(0).get("time"));
                runs.add(new Run(output, SampleArray.ofTree((ArrayNode) inner), time != null ? time : outputTime));
            }
        }
    }

    /**
     * An app-saved {@code time}: epoch milliseconds as a number or as digits (some files quote it), or ISO-8601 text;
     * {@code null} when absent or unreadable.
     */
    static Instant epochMillis(JsonNode time) {
        if (time == null || time.isNull()) {
            return null;
        }
        if (time.isNumber()) {
            return Instant.ofEpochMilli(time.longValue());
        }
        Instant parsed = time.isTextual() ? instant(time.asText()) : null;
        if (parsed == null) {
            LOG.warn("Ignoring the unreadable time {} of a measurement", time);
        }
        return parsed;
    }

    /** A header or field value as an instant: an Instant, epoch milliseconds, a Date, or ISO-8601 text. */
    public static Instant instant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof Number millis) {
            return Instant.ofEpochMilli(millis.longValue());
        }
        if (value instanceof Date date) {
            return date.toInstant();
        }
        if (value instanceof TemporalAccessor temporal) {
            try {
                return Instant.from(temporal);
            } catch (RuntimeException e) {
                return null;
            }
        }
        String text = value.toString().trim();
        try {
            return text.matches("-?\\d{1,19}") ? Instant.ofEpochMilli(Long.parseLong(text))
                    : OffsetDateTime.parse(text).toInstant();
        } catch (NumberFormatException | DateTimeParseException e) {
            return null;
        }
    }
}
