package org.openjii.mmi.component;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The option and header tables of the {@code multispeq:} and {@code iot:} components in docs/components.md are
 * rendered from the component metadata that camel-component-maven-plugin generates (multispeq.json, iot.json under
 * src/generated/resources/META-INF/org/openjii/mmi/component), so they cannot drift from the code. After changing an
 * option, run {@code ./mvnw test -Dtest=ComponentDocumentationTest -Dmmi.docs.update=true} and commit the page.
 */
class ComponentDocumentationTest {

    private static final Path PAGE = Path.of("docs/components.md");
    @ParameterizedTest
    @CsvSource({"multispeq, ''", "iot, iot-"})
    void shouldDocumentEveryOptionAndHeaderFromTheGeneratedMetadata(String component, String marker)
            throws IOException {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/org/openjii/mmi/component/" + component + "/"
                + component + ".json")) {
            assertThat(in).as("generated component metadata on the classpath").isNotNull();
            metadata = new ObjectMapper().readTree(in);
        }
        String page = Files.readString(PAGE, StandardCharsets.UTF_8);
        String updated = replaceSection(page, marker + "options-table", optionsTable(metadata));
        updated = replaceSection(updated, marker + "headers-table", headersTable(metadata));

        if (Boolean.getBoolean("mmi.docs.update")) {
            Files.writeString(PAGE, updated, StandardCharsets.UTF_8);
        }
        assertThat(page).as("docs/components.md's tables match the generated metadata; run ./mvnw test "
                + "-Dtest=ComponentDocumentationTest -Dmmi.docs.update=true")
                .isEqualTo(updated);
    }

    static String optionsTable(JsonNode metadata) {
        StringBuilder table = new StringBuilder(
                "| Option | Default | Type | Group | Description |\n|---|---|---|---|---|\n");
        for (Map.Entry<String, JsonNode> option : metadata.get("properties").properties()) {
            JsonNode o = option.getValue();
            if ("path".equals(o.path("kind").asText())) {
                continue;
            }
            String group = o.path("label").asText().isEmpty() ? o.path("group").asText() : o.path("label").asText();
            table.append("| `")
                    .append(option.getKey())
                    .append("` | ")
                    .append(o.has("defaultValue") ? "`" + o.get("defaultValue").asText() + "`" : "")
                    .append(" | ")
                    .append(o.path("type").asText())
                    .append(" | ")
                    .append(group)
                    .append(" | ")
                    .append(cell(o.path("description").asText()))
                    .append(" |\n");
        }
        return table.toString();
    }

    static String headersTable(JsonNode metadata) {
        StringBuilder table = new StringBuilder("| Header | Type | Set by | Description |\n|---|---|---|---|\n");
        for (Map.Entry<String, JsonNode> header : metadata.get("headers").properties()) {
            JsonNode h = header.getValue();
            table.append("| `")
                    .append(header.getKey())
                    .append("` | ")
                    .append(h.path("javaType").asText())
                    .append(" | ")
                    .append(h.path("label").asText().replace(",", ", "))
                    .append(" | ")
                    .append(cell(h.path("description").asText()))
                    .append(" |\n");
        }
        return table.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    private static String replaceSection(String text, String name, String content) {
        String start = "<!-- " + name + ":start -->\n";
        String end = "<!-- " + name + ":end -->";
        int from = text.indexOf(start);
        int to = text.indexOf(end);
        assertThat(from).as("docs/components.md marker " + start.strip()).isNotNegative();
        assertThat(to).as("docs/components.md marker " + end).isGreaterThan(from);
        return text.substring(0, from + start.length()) + content + text.substring(to);
    }
}
