package org.openjii.mmi.test.openjii;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON Schema (draft-07) of openJII's onboarding config, {@code src/main/resources/openjii/}
 * {@code device-onboarding-config.schema.json}, generated from {@code zDeviceOnboardingConfig} by
 * {@code bin/openjii-schema}.
 */
public final class OnboardingConfigSchema {

    private static final String RESOURCE = "/openjii/device-onboarding-config.schema.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema SCHEMA = load();

    private OnboardingConfigSchema() {
    }

    private static JsonSchema load() {
        try (InputStream in = OnboardingConfigSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("No " + RESOURCE + " on the class path");
            }
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The violations of a config's text (empty when openJII's schema accepts it). */
    public static Set<ValidationMessage> validate(String json) {
        try {
            return SCHEMA.validate(JSON.readTree(json));
        } catch (IOException e) {
            throw new AssertionError("Not JSON: " + json, e);
        }
    }

    /** Fails with the violations unless openJII's schema accepts {@code json}. */
    public static void assertValid(String json) {
        assertThat(validate(json)).as("violations of openJII's onboarding config schema in %s", json).isEmpty();
    }
}
