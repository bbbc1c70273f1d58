package org.openjii.mmi.ingest;

import java.io.IOException;

import org.openjii.mmi.device.JsonSanitizer;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * The errors a MultispeQ reports inside its output, for {@link ParseMeasurement}: a top-level {@code error} field, an
 * {@code error} in a sample object or in one of its {@code set} entries, and the fw 1.x error object that opens
 * otherwise broken JSON. Each becomes {@code device-error}, naming the device when its output says which it is.
 */
final class DeviceErrors {

    private DeviceErrors() {
    }

    /** Refuses an output with a non-null top-level {@code error}. */
    static void checkTopLevel(JsonNode output) throws IngestException {
        JsonNode error = error(output);
        if (error != null) {
            throw new IngestException(FailureReason.DEVICE_ERROR, device(output) + " reported an error: "
                    + text(error));
        }
    }

    /** Refuses a run whose sample objects, or their {@code set} entries, hold a non-null {@code error}. */
    static void checkSamples(JsonNode output, ArrayNode samples) throws IngestException {
        for (int i = 0; i < samples.size(); i++) {
            JsonNode sample = samples.get(i);
            JsonNode error = error(sample);
            if (error != null) {
                throw new IngestException(FailureReason.DEVICE_ERROR,
                        device(output) + " reported \"" + text(error) + "\" in sample " + i);
            }
            JsonNode set = sample.get("set");
            if (set == null || !set.isArray()) {
                continue;
            }
            for (int j = 0; j < set.size(); j++) {
                error = error(set.get(j));
                if (error != null) {
                    throw new IngestException(FailureReason.DEVICE_ERROR,
                            device(output) + " reported \"" + text(error) + "\" in sample " + i + ", set " + j);
                }
            }
        }
    }

    /** The text of an {@code "error"} string that opens the input, read as far as the input is valid. */
    static String leadingErrorField(JsonSanitizer.Result clean) {
        try (JsonParser parser = DeviceJson.mapper()
                .getFactory()
                .createParser(clean.bytes(), clean.offset(), clean.length())) {
            if (parser.nextToken() == JsonToken.START_OBJECT && parser.nextToken() == JsonToken.FIELD_NAME
                    && "error".equals(parser.currentName()) && parser.nextToken() == JsonToken.VALUE_STRING) {
                return parser.getText();
            }
        } catch (IOException e) {
            // Not even that much is readable: an ordinary invalid-json.
        }
        return null;
    }

    /** The node's {@code error} field, or null when it has none or it is JSON null. */
    private static JsonNode error(JsonNode node) {
        JsonNode error = node.get("error");
        return error == null || error.isNull() ? null : error;
    }

    private static String device(JsonNode output) {
        JsonNode id = output.get("device_id");
        return id == null || id.isNull() ? "The device" : "Device " + text(id);
    }

    private static String text(JsonNode value) {
        return value.isValueNode() ? value.asText() : value.toString();
    }
}
