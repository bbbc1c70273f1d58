package org.openjii.mmi.openjii;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * openJII's {@code zDeviceOnboardingConfig} as JSON Schema ({@value #RESOURCE}, generated from openJII's source by
 * {@code bin/openjii-schema}; its {@code $comment} names the openJII commit). Formats are checked (an
 * {@code experimentId} must be a UUID), as zod checks them.
 */
public final class OnboardingSchema {

    static final String RESOURCE = "/openjii/device-onboarding-config.schema.json";
    private static final JsonSchema SCHEMA = load();

    private OnboardingSchema() {
    }

    /** The violations, one line each with the JSON path, in document order; empty when {@code config} conforms. */
    public static List<String> violations(JsonNode config) {
        return SCHEMA.validate(config)
                .stream()
                .sorted(Comparator.comparing(message -> message.getInstanceLocation().toString()))
                .map(ValidationMessage::getMessage)
                .distinct()
                .toList();
    }

    private static JsonSchema load() {
        try (InputStream in = OnboardingSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            JsonNode schema = DeviceJson.mapper().readTree(in);
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema, config);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
    }
}
