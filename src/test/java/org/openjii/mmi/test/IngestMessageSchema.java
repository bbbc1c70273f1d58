package org.openjii.mmi.test;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ValidationMessage;

/**
 * mmi's contract for the openJII ingest message (src/main/resources/schemas/openjii-ingest-message.schema.json) for
 * tests: stricter than openJII's asyncapi.yaml where openJII's pipeline is ({@link OpenJiiAsyncApi} checks that one;
 * docs/openjii-message.md says why both).
 */
public final class IngestMessageSchema {

    private static final SchemaFile SCHEMA = SchemaFile.load("openjii-ingest-message.schema.json");

    private IngestMessageSchema() {
    }

    /** The schema violations of a message (empty when it is one openJII keeps). */
    public static Set<ValidationMessage> validate(JsonNode message) {
        return SCHEMA.validate(message);
    }

    /** Fails with the violations when {@code payload} is not a valid ingest message. */
    public static void assertValid(String payload) {
        SCHEMA.assertValid(payload);
    }
}
