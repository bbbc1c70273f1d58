package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * openJII's own MQTT contract, its {@code asyncapi.yaml} (in {@code src/test/resources/openjii/}, copied verbatim; the
 * README there says from which commit and how to refresh it), as a check for what mmi publishes: a data message's
 * payload against {@code components.messages.ExperimentDataMessage.payload} (AsyncAPI 2.0 payload schemas are JSON
 * Schema draft-07) and its topic against the data channel {@value #DATA_CHANNEL}, each channel parameter against its
 * schema.
 * <p>
 * In a test: {@code OpenJiiAsyncApi.assertDataMessage(topic, payload)}.
 */
public final class OpenJiiAsyncApi {

    /** The open-jii commit {@code asyncapi.yaml} was copied from. */
    public static final String SOURCE_COMMIT = "529d396f74090af1f4b1701dc7590edbae289383";
    /** The file's git blob id at that commit ({@code git hash-object}): the copy is verbatim when they are equal. */
    public static final String BLOB = "9a43ccace7f02c567535b46fd119b26c79bf65aa";
    /** Where the file is on the test class path. */
    public static final String RESOURCE = "/openjii/asyncapi.yaml";
    /**
     * The channel a device publishes measurements on, the lean shape openJII's device integration prescribes (the
     * legacy shape with a trailing {@code protocolId} is for fielded app builds only).
     */
    public static final String DATA_CHANNEL = "experiment/data_ingest/v1/{experimentId}/{sensorType}/{sensorVersion}"
            + "/{sensorId}";
    private static final String DATA_MESSAGE = "#/components/messages/ExperimentDataMessage";

    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final JsonNode DOCUMENT = load();
    private static final JsonSchemaFactory DRAFT_7 = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);
    private static final JsonSchema PAYLOAD = DRAFT_7.getSchema(DOCUMENT.at("/components/messages"
            + "/ExperimentDataMessage/payload"));
    private static final Channel DATA = Channel.of(DATA_CHANNEL, DOCUMENT.path("channels").path(DATA_CHANNEL));

    private OpenJiiAsyncApi() {
    }

    /** The whole document, as YAML parsed into a tree. */
    public static JsonNode document() {
        return DOCUMENT;
    }

    private static JsonNode load() {
        try (InputStream in = OpenJiiAsyncApi.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("No " + RESOURCE + " on the test class path");
            }
            JsonNode document = new YAMLMapper().readTree(in);
            if (!document.at("/components/messages/ExperimentDataMessage/payload").isObject()) {
                throw new IllegalStateException(RESOURCE + " has no components.messages.ExperimentDataMessage.payload");
            }
            return document;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The payload's violations of {@code ExperimentDataMessage} (empty when openJII's contract accepts it). */
    public static Set<ValidationMessage> payloadViolations(JsonNode payload) {
        return PAYLOAD.validate(payload);
    }

    /**
     * What is wrong with a topic for a data message (empty when it is on {@value #DATA_CHANNEL} with every parameter
     * valid).
     */
    public static List<String> topicViolations(String topic) {
        return DATA.violations(topic);
    }

    /** The channel parameters of a data topic ({@code experimentId} → ..., in the channel's order). */
    public static Map<String, String> parameters(String topic) {
        assertThat(topicViolations(topic)).as("data topic %s", topic).isEmpty();
        return DATA.parameters(topic);
    }

    /**
     * Fails unless {@code payload} is strict JSON (no duplicate keys, nothing after the value) that openJII's
     * {@code ExperimentDataMessage} accepts, published on {@code topic} of its data channel.
     */
    public static void assertDataMessage(String topic, String payload) {
        assertThat(topicViolations(topic)).as("topic %s against %s", topic, DATA_CHANNEL).isEmpty();
        JsonNode tree;
        try {
            tree = STRICT_JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new AssertionError("The payload on " + topic + " is not strict JSON (" + e.getOriginalMessage()
                    + "): " + payload, e);
        }
        assertThat(payloadViolations(tree)).as("violations of asyncapi.yaml ExperimentDataMessage in %s", payload)
                .isEmpty();
    }

    /** A channel name with {@code {parameter}} levels, and the schemas of its parameters. */
    private record Channel(String name, Pattern pattern, Map<String, JsonSchema> parameters) {

        static Channel of(String name, JsonNode channel) {
            if (!DATA_MESSAGE.equals(channel.at("/subscribe/message/$ref").asText(null))) {
                throw new IllegalStateException(RESOURCE + " has no channel " + name + " carrying " + DATA_MESSAGE
                        + ": refresh the checks with the file");
            }
            StringBuilder regex = new StringBuilder();
            Map<String, JsonSchema> schemas = new LinkedHashMap<>();
            Matcher placeholder = Pattern.compile("\\{([A-Za-z0-9_]+)}").matcher(name);
            int at = 0;
            while (placeholder.find()) {
                regex.append(Pattern.quote(name.substring(at, placeholder.start())));
                String parameter = placeholder.group(1);
                // One topic level: not empty, no separator, no wildcard (MQTT forbids those in a PUBLISH topic).
                regex.append("(?<").append(parameter).append(">[^/+#]+)");
                JsonNode schema = channel.path("parameters").path(parameter).path("schema");
                if (!schema.isObject()) {
                    throw new IllegalStateException(RESOURCE + ": channel " + name + " has no schema for "
                            + parameter);
                }
                schemas.put(parameter, DRAFT_7.getSchema(schema));
                at = placeholder.end();
            }
            regex.append(Pattern.quote(name.substring(at)));
            return new Channel(name, Pattern.compile(regex.toString()), schemas);
        }

        List<String> violations(String topic) {
            List<String> problems = new ArrayList<>();
            if (topic == null || !pattern.matcher(topic).matches()) {
                problems.add("not on the channel " + name);
                return problems;
            }
            parameters(topic).forEach((parameter, value) -> parameters.get(parameter)
                    .validate(TextNode.valueOf(value))
                    .forEach(violation -> problems.add(parameter + " " + value + ": " + violation.getMessage())));
            return problems;
        }

        Map<String, String> parameters(String topic) {
            Matcher matcher = pattern.matcher(topic);
            if (!matcher.matches()) {
                throw new IllegalArgumentException(topic + " is not on the channel " + name);
            }
            Map<String, String> values = new LinkedHashMap<>();
            parameters.keySet().forEach(parameter -> values.put(parameter, matcher.group(parameter)));
            return values;
        }
    }
}
