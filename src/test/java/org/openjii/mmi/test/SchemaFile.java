package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One of the JSON Schemas (draft 2020-12) the bridge publishes in {@code src/main/resources/schemas}, for tests that
 * check what the code produces or accepts against what the schema promises.
 */
public final class SchemaFile {

    private final String name;
    private final JsonSchema schema;

    private SchemaFile(String name, JsonSchema schema) {
        this.name = name;
        this.schema = schema;
    }

    /** The schema {@code src/main/resources/schemas/<fileName>}. */
    public static SchemaFile load(String fileName) {
        try (InputStream in = SchemaFile.class.getResourceAsStream("/schemas/" + fileName)) {
            if (in == null) {
                throw new IllegalArgumentException("No schema " + fileName + " on the class path");
            }
            return new SchemaFile(fileName, JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The violations of {@code document} (empty when it is valid). */
    public Set<ValidationMessage> validate(JsonNode document) {
        return schema.validate(document);
    }

    /** The violations of a JSON text (empty when it is valid). */
    public Set<ValidationMessage> validate(String json) {
        return validate(TestJson.json(json));
    }

    /** Fails with the violations when {@code json} is not valid. */
    public void assertValid(String json) {
        assertThat(validate(json)).as("violations of %s in %s", name, json).isEmpty();
    }
}
