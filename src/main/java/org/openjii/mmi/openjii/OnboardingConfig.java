package org.openjii.mmi.openjii;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * openJII's onboarding file ({@code {thingName}-config.json}), the device's whole desired state: where to connect, as
 * whom, and per experiment the topic prefix and the measurement plan. The shape is openJII's
 * {@code zDeviceOnboardingConfig}; a file is checked against {@link OnboardingSchema} before it becomes one of these.
 * Fields mmi does not use ({@code docsUrl}, {@code experimentName} aside) are ignored, as openJII's own parse ignores
 * unknown ones.
 *
 * @param endpoint the broker host (AWS IoT's ATS data endpoint), without scheme or port
 */
public record OnboardingConfig(String thingName, String deviceType, String endpoint, List<Experiment> experiments) {

    /** One experiment the device serves: where its data goes and what to run for it. */
    public record Experiment(String experimentId, String experimentName, String topicPrefix, Integer workbookVersion,
            List<Procedure> procedures) {

        /** The questions of the plan, in order. */
        public List<Question> questions() {
            List<Question> questions = new ArrayList<>();
            for (Procedure procedure : procedures) {
                if (procedure instanceof Question question) {
                    questions.add(question);
                }
            }
            return questions;
        }
    }

    /** One step of an experiment's plan, in execution order. */
    public sealed interface Procedure permits Protocol, Command, Question {
    }

    /** Run {@code code} on the instrument and publish the result with {@code protocol_id} = {@code protocolId}. */
    public record Protocol(String protocolId, String name, JsonNode code) implements Procedure {
    }

    /** Send {@code content} to the instrument as it is; {@code format} is string, json or yaml. */
    public record Command(String format, String content, String name) implements Procedure {
    }

    /**
     * Static metadata answered when the file was issued: {@code name} (the pipeline's column key), {@code text} and
     * {@code answer} go with every measurement of the experiment. {@code answer} is a string, a list of strings, or
     * null (unanswered).
     */
    public record Question(String id, String name, String kind, String text, JsonNode answer) implements Procedure {
    }

    /** The config as openJII wrote it, already validated against {@link OnboardingSchema}. */
    static OnboardingConfig fromValidated(JsonNode root) {
        List<Experiment> experiments = new ArrayList<>();
        for (JsonNode experiment : root.path("experiments")) {
            List<Procedure> procedures = new ArrayList<>();
            for (JsonNode procedure : experiment.path("procedures")) {
                procedures.add(procedure(procedure));
            }
            JsonNode workbookVersion = experiment.path("workbookVersion");
            experiments.add(new Experiment(experiment.path("experimentId").asText(),
                    experiment.path("experimentName").asText(), experiment.path("topicPrefix").asText(),
                    workbookVersion.isIntegralNumber() ? workbookVersion.intValue() : null, List.copyOf(procedures)));
        }
        return new OnboardingConfig(root.path("thingName").asText(), root.path("deviceType").asText(),
                root.path("endpoint").asText(), List.copyOf(experiments));
    }

    private static Procedure procedure(JsonNode node) {
        String type = node.path("type").asText();
        return switch (type) {
            case "protocol" -> new Protocol(node.path("protocolId").asText(), text(node, "name"), node.get("code"));
            case "command" -> new Command(node.path("format").asText(), node.path("content").asText(), text(node,
                    "name"));
            case "question" -> new Question(node.path("id").asText(), node.path("name").asText(), node.path("kind")
                    .asText(), node.path("text").asText(), node.get("answer"));
            default -> throw new IllegalArgumentException("unknown procedure type " + type);
        };
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
