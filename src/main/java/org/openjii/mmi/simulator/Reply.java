package org.openjii.mmi.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * What the device prints for one command or protocol, as a script the worker plays: text, pauses where a protocol
 * runs, stops where the operator must answer, and (for JSON replies) the CRC-32 of everything printed, then LF.
 */
final class Reply {

    /** What kind of output; decides which faults can apply. */
    enum Kind {
        /** Plain text or JSON without checksum (hello, battery, errors). */
        TEXT,
        /** JSON followed by its checksum (device_info, print_memory, stream frames, protocol errors). */
        CHECKSUMMED,
        /** A measurement: checksummed, with a sample that may hold numbers and questions. */
        MEASUREMENT
    }

    sealed interface Segment permits Text, Answer, Delay {
    }

    /** Printed as is; covered by the checksum. */
    record Text(byte[] bytes) implements Segment {
    }

    /**
     * The device stops until the host sends {@code <answer>+}, then prints {@code ok} for an alert, the answer for
     * a prompt, {@code ok} or {@code cancel} for a confirm; with {@code quoteWithAnswer} (fw 1.x) the opening quote
     * of that text is printed after the answer, not before the stop.
     */
    record Answer(String type, boolean quoteWithAnswer) implements Segment {
    }

    /** The protocol runs: silence, during which {@code -1+} cancels. */
    record Delay(Duration duration) implements Segment {
    }

    private static final Set<String> QUESTION_TYPES = Set.of("alert", "prompt", "confirm");
    private static final String ANSWER_MARK = "~~mmi-sim-answer-";
    private static final String NAN_MARK = "~~mmi-sim-nan-";
    private static final String MARK_END = "~~";
    /**
     * What a fw 1.x {@code %f} or a v2 build prints for a value it has not got: the bare tokens, and the quoted forms
     * of fields the firmware prints as strings; JII's {@code REGEX_NIL_NAN} names {@code nil}, {@code NAN} and
     * {@code -NAN}, quoted or not.
     */
    private static final List<String> NAN_TOKENS = List.of("nan", "-nan", "inf", "nil", "NAN", "-NAN", "\"nan\"",
            "\"nil\"", "\"NAN\"", "\"-NAN\"");
    private static final double NAN_SHARE = 0.2;

    private final Kind kind;
    private final List<Segment> segments;

    private Reply(Kind kind, List<Segment> segments) {
        this.kind = kind;
        this.segments = Collections.unmodifiableList(segments);
    }

    static Reply text(String text) {
        return new Reply(Kind.TEXT, List.of(new Text(bytes(text))));
    }

    static Reply checksummed(String json) {
        return new Reply(Kind.CHECKSUMMED, List.of(new Text(bytes(json))));
    }

    /**
     * A measurement as the firmware streams it: the {@code device_*} header and {@code "sample":[} first, then the
     * run time, then the sample objects (stopping at each question), then {@code ]}}; the checksum follows.
     *
     * @param nanTokens replace some numbers of the sample with {@code nan}, {@code nil}, {@code NAN} and the like
     */
    static Reply measurement(SimulatorOptions o, ArrayNode sample, Duration runTime, boolean nanTokens,
            Random random) {
        String header = "{\"device_name\":\"" + o.deviceName() + "\",\"device_version\":\"" + o.deviceVersion()
                + "\",\"device_id\":\"" + o.deviceId() + "\",\"device_battery\":" + o.battery()
                + ",\"device_firmware\":" + o.firmware() + ",\"sample\":[";
        ArrayNode marked = sample.deepCopy();
        List<String> questions = new ArrayList<>();
        markQuestions(marked, questions);
        List<String> tokens = nanTokens ? markNumbers(marked, random) : List.of();
        String body = DeviceJson.write(marked);
        body = body.substring(1, body.length() - 1);
        for (int i = 0; i < tokens.size(); i++) {
            body = body.replace("\"" + NAN_MARK + i + MARK_END + "\"", tokens.get(i));
        }
        List<Segment> segments = new ArrayList<>();
        segments.add(new Text(bytes(header)));
        if (!runTime.isZero()) {
            segments.add(new Delay(runTime));
        }
        int from = 0;
        boolean quoteWithAnswer = o.profile().quoteComesWithTheAnswer();
        for (int i = 0; i < questions.size(); i++) {
            String mark = "\"" + ANSWER_MARK + i + MARK_END + "\"";
            int at = body.indexOf(mark, from);
            // fw 2.x prints up to the answer's opening quote and stops; fw 1.x stops before it.
            segments.add(new Text(bytes(body.substring(from, quoteWithAnswer ? at : at + 1))));
            segments.add(new Answer(questions.get(i), quoteWithAnswer));
            from = at + mark.length() - 1;
        }
        segments.add(new Text(bytes(body.substring(from) + "]}")));
        return new Reply(Kind.MEASUREMENT, segments);
    }

    /** Puts a mark where each question's answer goes; the device prints up to the opening quote and stops there. */
    private static void markQuestions(JsonNode node, List<String> questions) {
        if (node.isObject()) {
            JsonNode message = node.get("message");
            if (message != null && message.isArray() && message.size() >= 2 && message.get(0).isTextual()
                    && QUESTION_TYPES.contains(message.get(0).asText())) {
                ArrayNode array = (ArrayNode) message;
                TextNode mark = TextNode.valueOf(ANSWER_MARK + questions.size() + MARK_END);
                if (array.size() >= 3) {
                    array.set(2, mark);
                } else {
                    array.add(mark);
                }
                questions.add(message.get(0).asText());
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (!"message".equals(field.getKey())) {
                    markQuestions(field.getValue(), questions);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                markQuestions(element, questions);
            }
        }
    }

    /**
     * Marks some numeric fields of sample objects (at least one) for replacement by a non-JSON token, preferring
     * named values such as {@code light_intensity} over {@code data_raw} points, as fw 1.x prints {@code %f} fields.
     */
    private static List<String> markNumbers(ArrayNode sample, Random random) {
        List<Map.Entry<ObjectNode, String>> fields = new ArrayList<>();
        List<Map.Entry<ArrayNode, Integer>> elements = new ArrayList<>();
        collectNumbers(sample, fields, elements);
        List<String> tokens = new ArrayList<>();
        if (!fields.isEmpty()) {
            int forced = random.nextInt(fields.size());
            for (int i = 0; i < fields.size(); i++) {
                if (i == forced || random.nextDouble() < NAN_SHARE) {
                    Map.Entry<ObjectNode, String> field = fields.get(i);
                    field.getKey().set(field.getValue(), TextNode.valueOf(NAN_MARK + tokens.size() + MARK_END));
                    tokens.add(NAN_TOKENS.get(tokens.isEmpty() ? 0 : random.nextInt(NAN_TOKENS.size())));
                }
            }
        } else if (!elements.isEmpty()) {
            Map.Entry<ArrayNode, Integer> element = elements.get(random.nextInt(elements.size()));
            element.getKey().set(element.getValue(), TextNode.valueOf(NAN_MARK + 0 + MARK_END));
            tokens.add(NAN_TOKENS.get(0));
        }
        return tokens;
    }

    private static void collectNumbers(JsonNode node, List<Map.Entry<ObjectNode, String>> fields,
            List<Map.Entry<ArrayNode, Integer>> elements) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getValue().isNumber()) {
                    fields.add(Map.entry((ObjectNode) node, field.getKey()));
                } else {
                    collectNumbers(field.getValue(), fields, elements);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                if (node.get(i).isNumber()) {
                    elements.add(Map.entry((ArrayNode) node, i));
                } else {
                    collectNumbers(node.get(i), fields, elements);
                }
            }
        }
    }

    Kind kind() {
        return kind;
    }

    List<Segment> segments() {
        return segments;
    }

    boolean hasChecksum() {
        return kind != Kind.TEXT;
    }

    /** Bytes of all text segments (answers not included). */
    int textLength() {
        int length = 0;
        for (Segment segment : segments) {
            if (segment instanceof Text text) {
                length += text.bytes().length;
            }
        }
        return length;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
