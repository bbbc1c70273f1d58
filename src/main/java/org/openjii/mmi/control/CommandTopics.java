package org.openjii.mmi.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.ingest.IngestTopic;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

import static org.openjii.mmi.topic.TopicTemplate.show;

/**
 * The topics of remote control for one Thing, from templates with {@code {clientId}}: where requests arrive
 * ({@value #DEFAULT_COMMAND_TOPIC}), where responses go when a request names no MQTT 5 response topic
 * ({@value #DEFAULT_RESPONSE_TOPIC}), and the retained status ({@value #DEFAULT_STATUS_TOPIC}).
 * <p>
 * {@link TopicTemplate} enforces AWS IoT Core's rules: no wildcard, no {@code $} topic, no empty level, at most 7
 * slashes in the template, and a client id that is one safe level (no {@code /}, {@code +}, {@code #}, control
 * character or leading {@code $}), so the rendered topics cannot have more levels than their templates. The three
 * topics must differ: a response on the command topic would come back as a request, answered on the command topic,
 * and so on forever.
 * <p>
 * A response topic a request names is the sender's choice, so it must stay under
 * {@value #RESPONSE_TOPIC_FILTER_SETTING} ({@value #DEFAULT_RESPONSE_TOPIC_FILTER}), and may never have the shape of
 * the data, dead-letter, command or status topic of any Thing: a status reply must not arrive as a measurement, a dead
 * letter, or a request to another bridge. Docs: {@code docs/hardening.md}.
 */
public final class CommandTopics {

    public static final String DEFAULT_COMMAND_TOPIC = "mmi/v1/{clientId}/command";
    public static final String DEFAULT_RESPONSE_TOPIC = "mmi/v1/{clientId}/response";
    public static final String DEFAULT_STATUS_TOPIC = "mmi/v1/{clientId}/status";
    /** An MQTT topic filter ({@code +}, {@code #}) the requested response topics must match. */
    public static final String DEFAULT_RESPONSE_TOPIC_FILTER = "mmi/v1/{clientId}/response/#";
    public static final String RESPONSE_TOPIC_FILTER_SETTING = "mmi.commands.response-topic-filter";

    private static final String CLIENT_ID = "clientId";
    private static final List<String> PLACEHOLDERS = List.of(CLIENT_ID);

    private final String command;
    private final String response;
    private final String status;
    /** The response topic filter's levels. */
    private final List<String> responseFilter;
    /** Shapes no response may take, each placeholder standing for any level, and what they are. */
    private final Map<TopicTemplate, String> forbiddenShapes;

    private CommandTopics(String command, String response, String status, List<String> responseFilter,
            Map<TopicTemplate, String> forbiddenShapes) {
        this.command = command;
        this.response = response;
        this.status = status;
        this.responseFilter = responseFilter;
        this.forbiddenShapes = forbiddenShapes;
    }

    /** The default topics for a client id. */
    public static CommandTopics defaults(String clientId) {
        return of(clientId, DEFAULT_COMMAND_TOPIC, DEFAULT_RESPONSE_TOPIC, DEFAULT_STATUS_TOPIC);
    }

    /**
     * The topics configured by {@code mmi.commands.topic}, {@code response-topic}, {@code response-topic-filter},
     * {@code mmi.mqtt.status-topic}, {@code mmi.mqtt.topic}, {@code mmi.mqtt.dlq-topic} and
     * {@code mmi.mqtt.client-id}.
     *
     * @throws IllegalArgumentException naming the keys, for a topic that cannot work
     */
    public static CommandTopics fromProperties(PropertiesComponent properties) {
        String clientId = properties.resolveProperty("mmi.mqtt.client-id").orElse("mmi");
        try {
            return of(clientId, properties.resolveProperty("mmi.commands.topic").orElse(DEFAULT_COMMAND_TOPIC),
                    properties.resolveProperty("mmi.commands.response-topic").orElse(DEFAULT_RESPONSE_TOPIC),
                    properties.resolveProperty("mmi.mqtt.status-topic")
                            .map(String::trim)
                            .filter(topic -> !topic.isEmpty())
                            .orElse(DEFAULT_STATUS_TOPIC),
                    properties.resolveProperty(RESPONSE_TOPIC_FILTER_SETTING).orElse(DEFAULT_RESPONSE_TOPIC_FILTER),
                    properties.resolveProperty("mmi.mqtt.topic").orElse(IngestTopic.DEFAULT_TEMPLATE),
                    properties.resolveProperty("mmi.mqtt.dlq-topic").orElse(DeadLetterEnvelope.DEFAULT_PREFIX));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mmi.commands.topic / mmi.commands.response-topic / "
                    + RESPONSE_TOPIC_FILTER_SETTING + " / mmi.mqtt.status-topic with mmi.mqtt.client-id '" + clientId
                    + "': " + e.getMessage(), e);
        }
    }

    /**
     * The topics from their templates, with the default response topic filter, data topic and dead-letter prefix.
     *
     * @throws IllegalArgumentException naming the template or the client id that cannot work
     */
    public static CommandTopics of(String clientId, String commandTemplate, String responseTemplate,
            String statusTemplate) {
        return of(clientId, commandTemplate, responseTemplate, statusTemplate, DEFAULT_RESPONSE_TOPIC_FILTER,
                IngestTopic.DEFAULT_TEMPLATE, DeadLetterEnvelope.DEFAULT_PREFIX);
    }

    /**
     * The topics from their templates.
     *
     * @param responseFilter the topic filter requested response topics must match ({@code {clientId}} allowed)
     * @param dataTemplate the data topic template ({@code mmi.mqtt.topic})
     * @param deadLetterPrefix the dead-letter prefix ({@code mmi.mqtt.dlq-topic}); the reason follows as one level
     * @throws IllegalArgumentException naming the template or the client id that cannot work
     */
    public static CommandTopics of(String clientId, String commandTemplate, String responseTemplate,
            String statusTemplate, String responseFilter, String dataTemplate, String deadLetterPrefix) {
        checkClientId(clientId);
        String command = render("command topic", commandTemplate, clientId);
        String response = render("response topic", responseTemplate, clientId);
        String status = render("status topic", statusTemplate, clientId);
        if (command.equals(response) || command.equals(status) || response.equals(status)) {
            throw new IllegalArgumentException("The command, response and status topics must differ, were "
                    + command + ", " + response + " and " + status
                    + "; a response on the command topic would come back as a request");
        }
        Map<TopicTemplate, String> forbidden = new LinkedHashMap<>();
        forbidden.put(TopicTemplate.parse(dataTemplate), "the data topic (mmi.mqtt.topic)");
        forbidden.put(TopicTemplate.parse(deadLetterPrefix + "/{reason}"), "a dead-letter topic (mmi.mqtt.dlq-topic)");
        forbidden.put(TopicTemplate.parse(commandTemplate), "a command topic (mmi.commands.topic)");
        forbidden.put(TopicTemplate.parse(statusTemplate), "a status topic (mmi.mqtt.status-topic)");
        for (Map.Entry<TopicTemplate, String> shape : forbidden.entrySet()) {
            if (shape.getKey().matches(response)) {
                throw new IllegalArgumentException("The response topic " + response + " has the shape of "
                        + shape.getValue() + ": a response there would be read as one");
            }
        }
        return new CommandTopics(command, response, status, filterLevels(responseFilter, clientId),
                Collections.unmodifiableMap(forbidden));
    }

    /**
     * The levels of a topic filter with {@code {clientId}} filled in, checked: {@code +} and {@code #} only as whole
     * levels, {@code #} only last.
     */
    private static List<String> filterLevels(String filter, String clientId) {
        String rendered = Objects.requireNonNull(filter, "filter").strip().replace("{clientId}", clientId);
        List<String> levels = List.of(rendered.split("/", -1));
        for (int i = 0; i < levels.size(); i++) {
            String level = levels.get(i);
            boolean wildcard = level.equals("+") || level.equals("#") && i == levels.size() - 1;
            String problem = wildcard ? null
                    : level.contains("+") || level.contains("#")
                            ? "has a wildcard that is not a whole level (or # that is not last)"
                            : TopicTemplate.topicProblem(level);
            if (problem != null) {
                throw new IllegalArgumentException("The response topic filter '" + filter + "' " + problem);
            }
        }
        return levels;
    }

    /** MQTT's matching of a topic name against a filter (MQTT 5.0, 4.7). */
    private static boolean filterMatches(List<String> filter, String topic) {
        String[] levels = topic.split("/", -1);
        for (int i = 0; i < filter.size(); i++) {
            String level = filter.get(i);
            if (level.equals("#")) {
                return true;
            }
            if (i >= levels.length || !level.equals("+") && !level.equals(levels[i])) {
                return false;
            }
        }
        return levels.length == filter.size();
    }

    /**
     * Checks that a client id (on AWS IoT Core the Thing name) can fill a topic level.
     *
     * @throws IllegalArgumentException saying why not
     */
    public static void checkClientId(String clientId) {
        try {
            TopicTemplate.checkValue("The client id", clientId);
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException(e.getMessage() + "; it names the command, response and status topics",
                    e);
        }
    }

    private static String render(String what, String template, String clientId) {
        try {
            return TopicTemplate.parse(template)
                    .requireKnown("Template", PLACEHOLDERS)
                    .render(Map.of(CLIENT_ID, clientId));
        } catch (IllegalArgumentException | InvalidTopicException e) {
            throw new IllegalArgumentException("The " + what + ": " + e.getMessage(), e);
        }
    }

    /** Where requests arrive: subscribe here (QoS 1). */
    public String command() {
        return command;
    }

    /** Where a response goes when its request names no response topic. */
    public String response() {
        return response;
    }

    /** The retained status of the Thing (online/offline, devices, outbox). */
    public String status() {
        return status;
    }

    /**
     * Where to answer a request: its MQTT 5 response topic, checked, or {@link #response()} when it names none.
     * A response topic is the sender's choice, so it meets the same rules as a configured one, may not be the
     * command topic (the response would come back as a request) or the status topic (a request must not be able to
     * write the Thing's status), must match the response topic filter, and may not have the shape of a data,
     * dead-letter, command or status topic.
     *
     * @param requested the request's response topic, or {@code null}
     * @throws BadCommandRequestException when the requested topic is not one to publish to; answer on
     *     {@link #response()} then
     */
    public String responseTopicFor(String requested) throws BadCommandRequestException {
        if (requested == null || requested.isEmpty()) {
            return response;
        }
        String problem = responseTopicProblem(requested);
        if (problem != null) {
            throw new BadCommandRequestException("The response topic " + show(requested) + " " + problem
                    + "; answered on " + response + " instead");
        }
        return requested;
    }

    private String responseTopicProblem(String requested) {
        if (requested.equals(command)) {
            return "is the command topic, where the response would come back as a request";
        }
        if (requested.equals(status)) {
            return "is the status topic";
        }
        String problem = TopicTemplate.topicProblem(requested);
        if (problem != null) {
            return problem;
        }
        for (Map.Entry<TopicTemplate, String> shape : forbiddenShapes.entrySet()) {
            if (shape.getKey().matches(requested)) {
                return "has the shape of " + shape.getValue();
            }
        }
        if (!filterMatches(responseFilter, requested)) {
            return "is not under " + String.join("/", responseFilter) + " (" + RESPONSE_TOPIC_FILTER_SETTING + ")";
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommandTopics other && command.equals(other.command) && response.equals(other.response)
                && status.equals(other.status) && responseFilter.equals(other.responseFilter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(command, response, status, responseFilter);
    }

    @Override
    public String toString() {
        return "command " + command + ", response " + response + ", status " + status;
    }
}
