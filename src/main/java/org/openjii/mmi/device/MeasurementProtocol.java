package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * A measurement protocol as sent to the device: a JSON array of protocol sets, written compact on one line and ended
 * with CRLF (the firmware reads a protocol up to the first line break into a fixed buffer).
 */
public final class MeasurementProtocol {

    /**
     * Protocol keys that make the device stop and wait for the operator (docs/multispeq-protocol.md, "Interactive
     * protocols").
     */
    private static final List<String> INTERACTIVE_KEYS = List.of("alert", "prompt", "confirm", "message");
    private static final List<String> CLAMP_GATE_KEYS = List.of("par_led_start_on_open", "par_led_start_on_close",
            "start_on_open", "start_on_close", "open_close_start");

    /** One step where the device waits for an answer. */
    public record InteractiveStep(String type, String text) {
    }

    private final JsonNode tree;
    private final String compact;
    private final List<InteractiveStep> interactiveSteps;

    private MeasurementProtocol(JsonNode tree) {
        this.tree = tree;
        this.compact = DeviceJson.write(tree);
        this.interactiveSteps = List.copyOf(findInteractiveSteps(tree));
    }

    /**
     * Parses protocol JSON. A single protocol set (an object) is wrapped into an array, as the firmware only treats
     * input starting with {@code [} as a protocol.
     *
     * @throws IllegalArgumentException with the parser's explanation when the text is not a JSON array or object
     */
    public static MeasurementProtocol parse(String json) {
        JsonNode tree;
        try {
            tree = DeviceJson.parse(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The measurement protocol is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? ""
                            : " at " + e.getLocation()
                                    .offsetDescription()),
                    e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new IllegalArgumentException("The measurement protocol is empty");
        }
        if (tree.isObject()) {
            ArrayNode wrapped = DeviceJson.mapper().createArrayNode();
            wrapped.add(tree);
            tree = wrapped;
        }
        if (!tree.isArray() || tree.isEmpty()) {
            throw new IllegalArgumentException(
                    "A measurement protocol must be a non-empty JSON array of protocol sets, got: " + abbreviate(json));
        }
        return new MeasurementProtocol(tree);
    }

    public JsonNode tree() {
        return tree;
    }

    /** Compact JSON, one line, as sent. */
    public String compact() {
        return compact;
    }

    /** The bytes written to the device: compact JSON and CRLF. */
    public byte[] commandBytes() {
        return (compact + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    public Duration estimatedDuration() {
        return Duration.ofMillis(ProtocolTimeoutEstimator.estimateMillis(tree));
    }

    public Duration defaultTimeout() {
        return ProtocolTimeoutEstimator.timeoutFor(tree);
    }

    /** Alerts, prompts and confirms, in protocol order (once per block, not multiplied by repeats). */
    public List<InteractiveStep> interactiveSteps() {
        return interactiveSteps;
    }

    /** True when the run waits for the leaf clamp to open or close. */
    public boolean waitsForClamp() {
        for (JsonNode set : tree) {
            if (hasAnyKey(set, CLAMP_GATE_KEYS)) {
                return true;
            }
            for (JsonNode block : set.path("_protocol_set_")) {
                if (hasAnyKey(block, CLAMP_GATE_KEYS)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * True when any object anywhere in the protocol holds {@code key}, e.g. {@code save} (writes EEPROM): the
     * firmware's JSON reader is not bound to the two levels of sets and blocks.
     */
    public boolean usesKey(String key) {
        return tree.findValue(key) != null;
    }

    private static List<InteractiveStep> findInteractiveSteps(JsonNode protocol) {
        List<InteractiveStep> steps = new ArrayList<>();
        for (JsonNode set : protocol) {
            addSteps(set, steps);
            for (JsonNode block : set.path("_protocol_set_")) {
                addSteps(block, steps);
            }
        }
        return steps;
    }

    private static void addSteps(JsonNode node, List<InteractiveStep> steps) {
        if (!node.isObject()) {
            return;
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!INTERACTIVE_KEYS.contains(field.getKey())) {
                continue;
            }
            JsonNode value = field.getValue();
            if ("message".equals(field.getKey()) && value.isArray() && value.size() >= 2) {
                steps.add(new InteractiveStep(value.get(0).asText(), value.get(1).asText()));
            } else {
                steps.add(new InteractiveStep(field.getKey(), value.isTextual() ? value.asText() : value.toString()));
            }
        }
    }

    private static boolean hasAnyKey(JsonNode node, List<String> keys) {
        for (String key : keys) {
            if (node.has(key)) {
                return true;
            }
        }
        return false;
    }

    private static String abbreviate(String text) {
        String t = text.strip();
        return t.length() > 60 ? t.substring(0, 57) + "..." : t;
    }

    @Override
    public String toString() {
        return abbreviate(compact);
    }
}
