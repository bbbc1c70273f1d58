package org.openjii.mmi.component.multispeq.integration;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a public measurement fixture: its sample in raw device shape (the app-saved [[...]] nesting flattened) and
 * the answers recorded in its message arrays, so a run can reproduce it exactly.
 */
public final class SimulatorFixtureAnswers {

    private SimulatorFixtureAnswers() {
    }

    public static JsonNode fixture(String name) throws IOException {
        try (InputStream in = SimulatorFixtureAnswers.class.getResourceAsStream(
                "/fixtures/multispeq/public/measurements/" + name + ".json")) {
            if (in == null) {
                throw new IOException("No fixture " + name);
            }
            return DeviceJson.mapper().readTree(in);
        }
    }

    /** The fixture's sample as the device prints it: {@code [{...}]}. */
    public static JsonNode flatSample(JsonNode fixture) {
        return DeviceJson.flattenSample(fixture.get("sample"));
    }

    /**
     * The answers the operator gave to prompts and confirms, in order, from every
     * {@code message: [type, text, answer]}; alerts take no answer (use acknowledgeAlerts).
     */
    public static List<String> recordedAnswers(JsonNode fixture) {
        List<String> answers = new ArrayList<>();
        collect(flatSample(fixture), answers);
        return answers;
    }

    private static void collect(JsonNode node, List<String> answers) {
        if (node.isObject()) {
            JsonNode message = node.get("message");
            if (message != null && message.isArray() && message.size() >= 3) {
                if (!"alert".equals(message.get(0).asText())) {
                    answers.add(message.get(2).asText());
                }
            }
            node.forEach(child -> collect(child, answers));
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, answers));
        }
    }
}
