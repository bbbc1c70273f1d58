package org.openjii.mmi.control;

import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 */
public final class CommandTopics {

    public static final String DEFAULT_COMMAND_TOPIC = "mmi/v1/{clientId}/command";
    public static final String DEFAULT_RESPONSE_TOPIC = "mmi/v1/{clientId}/response";
    public static final String DEFAULT_STATUS_TOPIC = "mmi/v1/{clientId}/status";

    private static final String CLIENT_ID = "clientId";
    private static final List<String> PLACEHOLDERS = List.of(CLIENT_ID);

    private final String command;
    private final String response;
    private final String status;

    private CommandTopics(String command, String response, String status) {
        this.command = command;
        this.response = response;
        this.status = status;
    }

    /** The default topics for a client id. */
    public static CommandTopics defaults(String clientId) {
        return of(clientId, DEFAULT_COMMAND_TOPIC, DEFAULT_RESPONSE_TOPIC, DEFAULT_STATUS_TOPIC);
    }

    /**
     * The topics from their templates.
     *
     * @throws IllegalArgumentException naming the template or the client id that cannot work
     */
    public static CommandTopics of(String clientId, String commandTemplate, String responseTemplate,
            String statusTemplate) {
        checkClientId(clientId);
        String command = render("command topic", commandTemplate, clientId);
        String response = render("response topic", responseTemplate, clientId);
        String status = render("status topic", statusTemplate, clientId);
        if (command.equals(response) || command.equals(status) || response.equals(status)) {
            throw new IllegalArgumentException("The command, response and status topics must differ, were "
                    + command + ", " + response + " and " + status
                    + "; a response on the command topic would come back as a request");
        }
        return new CommandTopics(command, response, status);
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
     * A response topic is the sender's choice, so it meets the same rules as a configured one, and may not be the
     * command topic (the response would come back as a request) or the status topic (a request must not be able to
     * write the Thing's status).
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
        return TopicTemplate.topicProblem(requested);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommandTopics other && command.equals(other.command) && response.equals(other.response)
                && status.equals(other.status);
    }

    @Override
    public int hashCode() {
        return Objects.hash(command, response, status);
    }

    @Override
    public String toString() {
        return "command " + command + ", response " + response + ", status " + status;
    }
}
