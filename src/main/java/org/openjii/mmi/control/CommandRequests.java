package org.openjii.mmi.control;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.openjii.mmi.support.DeviceJson.kind;
import static org.openjii.mmi.topic.TopicTemplate.show;

/**
 * Reads a request from the command topic: {@code schemas/mmi-command-request.schema.json}, checked by hand so that
 * every refusal names the field and what is wrong with it in one sentence (a schema validator reports "must be valid
 * to one and only one schema" for a typo), and without a schema library at run time. The tests hold the two to the
 * same samples.
 * <p>
 * Strict on purpose: an unknown field, a duplicate key, trailing data or a field of another kind of request is a
 * {@link BadCommandRequestException}, because a remote operator's typo that is ignored runs something other than
 * what was asked. Numbers in a protocol keep their exact text ({@link DeviceJson}).
 */
public final class CommandRequests {

    /** AWS IoT Core's largest message; a larger request (from another broker) is not read. */
    public static final int MAX_REQUEST_BYTES = 128 * 1024;
    /** Device names ({@code multispeq-2}) and device ids ({@code 01:12:53:20}); nothing that could alter a URI. */
    public static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

    private static final String COMMAND = "command";
    private static final String PROTOCOL = "protocol";
    private static final String ACTION = "action";
    private static final String DEVICE_FIELD = "device";
    private static final String EXPERIMENT_ID = "experiment_id";
    private static final String PROTOCOL_ID = "protocol_id";
    private static final String ANSWERS = "answers";
    private static final String QUESTIONS = "questions";
    private static final List<String> KINDS = List.of(COMMAND, PROTOCOL, ACTION);
    /** The fields each kind of request takes, in the order the messages list them. */
    private static final Map<String, List<String>> FIELDS = Map.of(COMMAND, List.of(COMMAND, DEVICE_FIELD),
            PROTOCOL, List.of(PROTOCOL, EXPERIMENT_ID, PROTOCOL_ID, ANSWERS, QUESTIONS, DEVICE_FIELD),
            ACTION, List.of(ACTION, DEVICE_FIELD));
    private static final Set<String> ALL_FIELDS = Set.of(COMMAND, PROTOCOL, ACTION, DEVICE_FIELD, EXPERIMENT_ID,
            PROTOCOL_ID, ANSWERS, QUESTIONS);
    private static final List<String> QUESTION_FIELDS = List.of("question_label", "question_text",
            "question_answer");

    private static final ObjectReader READER = DeviceJson.mapper()
            .reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private CommandRequests() {
    }

    /**
     * Reads one request.
     *
     * @param payload the MQTT payload, UTF-8 JSON
     * @throws BadCommandRequestException saying what is wrong, for anything but a well-formed request
     */
    public static CommandRequest parse(byte[] payload) throws BadCommandRequestException {
        ObjectNode request = readObject(payload);
        String kind = kindOf(request);
        String device = device(request.get(DEVICE_FIELD));
        return switch (kind) {
            // Whether the command is allowed is CommandPolicy's call (denied), not a question of form.
            case COMMAND -> new CommandRequest.ConsoleCommand(text(COMMAND, request.get(COMMAND)), device);
            case PROTOCOL -> new CommandRequest.ProtocolRun(protocol(request.get(PROTOCOL)),
                    experimentId(request.get(EXPERIMENT_ID)), text(PROTOCOL_ID, request.get(PROTOCOL_ID)),
                    answers(request.get(ANSWERS)), questions(request.get(QUESTIONS)), device);
            default -> action(request.get(ACTION), device);
        };
    }

    private static ObjectNode readObject(byte[] payload) throws BadCommandRequestException {
        if (payload == null || payload.length == 0) {
            throw new BadCommandRequestException("The request is empty; send a JSON object such as"
                    + " {\"command\":\"battery\"}");
        }
        if (payload.length > MAX_REQUEST_BYTES) {
            throw new BadCommandRequestException("The request is " + payload.length + " bytes; at most "
                    + MAX_REQUEST_BYTES + " are read");
        }
        JsonNode root;
        try {
            root = READER.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new BadCommandRequestException("The request is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at " + e.getLocation().offsetDescription()), e);
        } catch (IOException e) {
            throw new BadCommandRequestException("The request is not readable as JSON: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new BadCommandRequestException("The request holds no JSON value");
        }
        if (!(root instanceof ObjectNode object)) {
            throw new BadCommandRequestException("The request must be a JSON object, got " + kind(root));
        }
        return object;
    }

    /** Which of command, protocol, action the request is; checks that every field belongs to that kind. */
    private static String kindOf(ObjectNode request) throws BadCommandRequestException {
        List<String> unknown = new ArrayList<>();
        request.fieldNames().forEachRemaining(name -> {
            if (!ALL_FIELDS.contains(name)) {
                unknown.add(show(name));
            }
        });
        if (!unknown.isEmpty()) {
            throw new BadCommandRequestException("Unknown field" + (unknown.size() == 1 ? " " : "s ")
                    + String.join(", ", unknown) + "; a request takes " + String.join(", ", ALL_FIELDS.stream()
                            .sorted()
                            .toList()));
        }
        List<String> kinds = KINDS.stream().filter(request::has).toList();
        if (kinds.isEmpty()) {
            throw new BadCommandRequestException("The request has none of command, protocol or action;"
                    + " send exactly one");
        }
        if (kinds.size() > 1) {
            throw new BadCommandRequestException("The request has both " + String.join(" and ", kinds)
                    + "; send exactly one of command, protocol or action");
        }
        String kind = kinds.get(0);
        List<String> fields = FIELDS.get(kind);
        for (String name : (Iterable<String>) request::fieldNames) {
            if (!fields.contains(name)) {
                throw new BadCommandRequestException(name + " belongs to a protocol request, not to "
                        + (COMMAND.equals(kind) ? "a command" : "an action") + "; " + kind + " takes "
                        + String.join(", ", fields));
            }
        }
        return kind;
    }

    private static String device(JsonNode value) throws BadCommandRequestException {
        if (value == null) {
            return null;
        }
        String device = string(DEVICE_FIELD, value);
        if (!DEVICE.matcher(device).matches()) {
            throw new BadCommandRequestException("device " + show(device) + " is not a device name or id:"
                    + " letters, digits and . _ : - only, at most 64 characters");
        }
        return device;
    }

    private static CommandRequest action(JsonNode value, String device) throws BadCommandRequestException {
        String action = string(ACTION, value);
        return switch (action) {
            case "cancel" -> new CommandRequest.Cancel(device);
            case "status" -> new CommandRequest.StatusQuery(device);
            default -> throw new BadCommandRequestException("action must be cancel or status, got " + show(action));
        };
    }

    private static MeasurementProtocol protocol(JsonNode value) throws BadCommandRequestException {
        if (!(value instanceof ArrayNode sets)) {
            throw new BadCommandRequestException("protocol must be an array of protocol sets (objects), got "
                    + kind(value) + (value.isObject() ? "; put a single set in [ ]" : ""));
        }
        if (sets.isEmpty()) {
            throw new BadCommandRequestException("protocol is an empty array; it needs at least one protocol set");
        }
        for (int i = 0; i < sets.size(); i++) {
            if (!sets.get(i).isObject()) {
                throw new BadCommandRequestException("protocol[" + i + "] is " + kind(sets.get(i))
                        + ", not an object (a protocol set)");
            }
        }
        try {
            return MeasurementProtocol.parse(DeviceJson.write(sets));
        } catch (IllegalArgumentException e) {
            throw new BadCommandRequestException(e.getMessage(), e);
        }
    }

    /** The experiment id becomes a level of the data topic: refused here rather than after the run. */
    private static String experimentId(JsonNode value) throws BadCommandRequestException {
        if (value == null) {
            return null;
        }
        String id = string(EXPERIMENT_ID, value);
        try {
            TopicTemplate.checkValue(EXPERIMENT_ID, id);
        } catch (InvalidTopicException e) {
            throw new BadCommandRequestException(e.getMessage(), e);
        }
        return id;
    }

    /**
     * The device reads an answer up to its {@code +} and runs whatever follows as the next console command, so a
     * {@code +} inside an answer ({@code 0+reboot}) would pass a command around {@link CommandPolicy}. Answers are
     * printable ASCII, as commands are, and no longer than a command the console reads.
     */
    private static List<String> answers(JsonNode value) throws BadCommandRequestException {
        if (value == null) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new BadCommandRequestException("answers must be an array of strings, got " + kind(value));
        }
        List<String> answers = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            String name = ANSWERS + "[" + i + "]";
            String answer = string(name, value.get(i));
            for (int at = 0; at < answer.length(); at++) {
                char c = answer.charAt(at);
                if (c == '+') {
                    throw new BadCommandRequestException(name + " contains '+', which ends an answer on the device"
                            + " and would run the rest as a console command");
                }
                if (c < 0x20 || c > 0x7E) {
                    throw new BadCommandRequestException(String.format(Locale.ROOT,
                            "%s contains a control or non-ASCII character (U+%04X) at position %d", name, (int) c,
                            at));
                }
            }
            if (answer.length() > CommandPolicy.MAX_COMMAND_LENGTH) {
                throw new BadCommandRequestException(name + " is longer than " + CommandPolicy.MAX_COMMAND_LENGTH
                        + " characters");
            }
            answers.add(answer);
        }
        return answers;
    }

    private static ArrayNode questions(JsonNode value) throws BadCommandRequestException {
        if (value == null) {
            return null;
        }
        if (!(value instanceof ArrayNode questions)) {
            throw new BadCommandRequestException("questions must be an array of objects, got " + kind(value));
        }
        for (int i = 0; i < questions.size(); i++) {
            String name = QUESTIONS + "[" + i + "]";
            if (!(questions.get(i) instanceof ObjectNode question)) {
                throw new BadCommandRequestException(name + " is " + kind(questions.get(i)) + ", not an object");
            }
            for (Map.Entry<String, JsonNode> field : question.properties()) {
                if (!QUESTION_FIELDS.contains(field.getKey())) {
                    throw new BadCommandRequestException(name + " has the unknown field " + show(field.getKey())
                            + "; a question takes " + String.join(", ", QUESTION_FIELDS));
                }
                string(name + "." + field.getKey(), field.getValue());
            }
        }
        return questions;
    }

    /** A string field that must say something; returned stripped. */
    private static String text(String name, JsonNode value) throws BadCommandRequestException {
        if (value == null) {
            return null;
        }
        String text = string(name, value).strip();
        if (text.isEmpty()) {
            throw new BadCommandRequestException(name + " is empty");
        }
        return text;
    }

    private static String string(String name, JsonNode value) throws BadCommandRequestException {
        if (!value.isTextual()) {
            throw new BadCommandRequestException(name + " must be a string, got " + kind(value));
        }
        return value.textValue();
    }
}
