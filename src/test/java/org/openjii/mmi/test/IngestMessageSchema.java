package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

import org.openjii.mmi.device.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import static org.assertj.core.api.Assertions.assertThat;

/** openJII's ingest message contract (src/main/resources/schemas/openjii-ingest-message.schema.json) for tests. */
public final class IngestMessageSchema {

    private static final JsonSchema SCHEMA = load();

    private IngestMessageSchema() {
    }

    private static JsonSchema load() {
        try (InputStream in = IngestMessageSchema.class.getResourceAsStream(
                "/schemas/openjii-ingest-message.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema violations of a message (empty when it is one openJII keeps). */
    public static Set<ValidationMessage> validate(JsonNode message) {
        return SCHEMA.validate(message);
    }

    /** Fails with the violations when {@code payload} is not a valid ingest message. */
    public static void assertValid(String payload) {
        try {
            assertThat(validate(DeviceJson.parse(payload))).as("schema violations of %s", payload).isEmpty();
        } catch (IOException e) {
            throw new AssertionError("Not JSON: " + payload, e);
        }
    }
}
