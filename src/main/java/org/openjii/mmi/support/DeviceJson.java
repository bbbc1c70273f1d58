package org.openjii.mmi.support;

import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Jackson set up for device output: numbers keep their exact text ({@code 2.3465}, {@code 2086.0}) so values pass
 * through as the device sent them, and duplicate keys (fw 1.17 {@code print_date}) are tolerated.
 */
public final class DeviceJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private DeviceJson() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static JsonNode parse(String json) throws JsonProcessingException {
        return MAPPER.readTree(json);
    }

    public static JsonNode parse(byte[] json, int offset, int length) throws IOException {
        return MAPPER.readTree(json, offset, length);
    }

    /**
     * Checks that the bytes hold exactly one well-formed JSON value, without building a tree.
     *
     * @return {@code null} when valid, otherwise the parser's description of the first problem
     */
    public static String validate(byte[] json, int offset, int length) {
        JsonFactory factory = MAPPER.getFactory();
        try (JsonParser parser = factory.createParser(json, offset, length)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return "empty reply";
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return "unexpected data after the JSON value at " + parser.currentTokenLocation().offsetDescription();
            }
            return null;
        } catch (JsonProcessingException e) {
            return e.getLocation() == null
                    ? e.getOriginalMessage()
                    : e.getOriginalMessage() + " at " + e.getLocation().offsetDescription();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /**
     * What one streaming pass over a reply found: whether it is exactly one well-formed JSON value, and the scalar
     * fields of its top-level object ({@code device_id}, {@code error}, ...) as text, numbers as printed.
     *
     * @param problem {@code null} when valid, otherwise the parser's description of the first problem
     * @param topLevel the top-level scalar fields (empty for arrays, scalars and invalid input)
     * @param keys every top-level field name, scalar or not
     */
    public record Scan(String problem, Map<String, String> topLevel, Set<String> keys) {

        public boolean valid() {
            return problem == null;
        }
    }

    /**
     * Validates and reads the top-level scalars in one pass, without building a tree: the receive path of a
     * 24 KB measurement then costs one tokenizer pass instead of a validation pass plus a full parse.
     */
    public static Scan scan(byte[] json, int offset, int length) {
        Map<String, String> fields = new LinkedHashMap<>();
        Set<String> keys = new HashSet<>();
        try (JsonParser parser = MAPPER.getFactory().createParser(json, offset, length)) {
            JsonToken token = parser.nextToken();
            if (token == null) {
                return new Scan("empty reply", Map.of(), Set.of());
            }
            if (token == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    keys.add(name);
                    JsonToken value = parser.nextToken();
                    if (value.isScalarValue()) {
                        fields.put(name, value == JsonToken.VALUE_NULL ? null : parser.getText());
                    } else {
                        parser.skipChildren();
                    }
                }
            } else {
                parser.skipChildren();
            }
            if (parser.nextToken() != null) {
                return new Scan("unexpected data after the JSON value at "
                        + parser.currentTokenLocation().offsetDescription(), Map.of(), Set.of());
            }
            return new Scan(null, fields, keys);
        } catch (JsonProcessingException e) {
            return new Scan(e.getLocation() == null
                    ? e.getOriginalMessage()
                    : e.getOriginalMessage() + " at " + e.getLocation().offsetDescription(), Map.of(), Set.of());
        } catch (IOException e) {
            return new Scan(e.getMessage(), Map.of(), Set.of());
        }
    }

    /**
     * A {@code sample} array in the device's flat shape: the PhotosynQ app saves it nested as {@code [[{...}]]}; the
     * device (and openJII) use {@code [{...}]}. Elements that are arrays are unwrapped, others kept.
     */
    public static ArrayNode flattenSample(JsonNode sample) {
        ArrayNode flat = MAPPER.createArrayNode();
        for (JsonNode element : sample) {
            if (element.isArray()) {
                element.forEach(flat::add);
            } else {
                flat.add(element);
            }
        }
        return flat;
    }

    /** What a JSON value is, for messages: "an array", "an object", "a string", "a number", "a boolean", "null". */
    public static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> "null";
        };
    }

    /** Compact JSON text of a tree, numbers as parsed. */
    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A JSON tree could not be written: " + e.getOriginalMessage(), e);
        }
    }
}
