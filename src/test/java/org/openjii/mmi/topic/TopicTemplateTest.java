package org.openjii.mmi.topic;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.ingest.IngestFixtures;
import org.openjii.mmi.ingest.IngestTopic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicTemplateTest {

    @Test
    void shouldRenderPlaceholdersThatFillWholeOrPartialLevels() throws Exception {
        TopicTemplate template = TopicTemplate.parse("experiment/data_ingest/v1/{experimentId}/multispeq/{v}"
                + "/multispeq_{deviceId}");

        String topic = template.render(Map.of("experimentId", "6f1c0d2e-0000-4000-8000-00000000e001", "v", "2",
                "deviceId", "01:12:53:20"));

        assertThat(topic).isEqualTo(IngestFixtures.text(IngestFixtures.MQTT + "topics.txt")
                .lines()
                .filter(line -> line.startsWith("lean"))
                .findFirst()
                .orElseThrow()
                .replaceFirst("^[^:]*: ", ""));
        assertThat(template.placeholders()).containsExactly("experimentId", "v", "deviceId");
    }

    @Test
    void shouldServeDeadLetterAndStatusTopicsToo() throws Exception {
        assertThat(TopicTemplate.parse("mmi/dlq/{clientId}/{reason}")
                .render(Map.of("clientId", "multispeq_0042",
                        "reason", "device-error")))
                .isEqualTo("mmi/dlq/multispeq_0042/device-error");
        assertThat(TopicTemplate.parse("mmi/status/{clientId}").render(Map.of("clientId", "mmi")))
                .isEqualTo("mmi/status/mmi");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b/#", "a/+/b", "$aws/things/x", "a//b", "/a", "a/", "a/b/c/d/e/f/g/h/i",
            "a/{b", "a/{1x}", "a\u0000b"})
    void shouldRefuseABadTemplateAtConfigurationTime(String template) {
        assertThatThrownBy(() -> TopicTemplate.parse(template)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAllowEightLevels() throws Exception {
        assertThat(TopicTemplate.parse("a/b/c/d/e/f/g/{h}").render(Map.of("h", "x"))).isEqualTo("a/b/c/d/e/f/g/x");
    }

    @Test
    void shouldRefuseUnknownPlaceholdersNamingThem() {
        TopicTemplate template = TopicTemplate.parse("x/{experimentId}/{sensorSerial}");

        assertThatThrownBy(() -> template.requireKnown("template", List.of("experimentId")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sensorSerial")
                .hasMessageStartingWith("template");
    }

    @Test
    void shouldRefuseAMissingValue() {
        assertThatThrownBy(() -> TopicTemplate.parse("x/{a}").render(Map.of())).isInstanceOf(
                InvalidTopicException.class).hasMessage("a has no value");
    }

    @Test
    void shouldRefuseATopicOver256Bytes() {
        String id = "é".repeat(120);

        assertThatThrownBy(() -> TopicTemplate.parse("abcdefghijklmnopq/{id}").render(Map.of("id", id)))
                .isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("258 bytes")
                .satisfies(e -> assertThat(((InvalidTopicException) e).segment()).isEqualTo("topic"));
    }

    @Test
    void shouldShowHostileValuesEscapedAndCut() {
        assertThat(TopicTemplate.show("a\u0000b")).isEqualTo("\"a\\u0000b\"");
        assertThat(TopicTemplate.show("x".repeat(300))).startsWith("\"xxxx").endsWith("\"... (300 bytes)");
    }

    @Test
    void shouldMatchTopicsOfItsShapeWithOneLevelPerPlaceholder() {
        TopicTemplate data = TopicTemplate.parse(IngestTopic.DEFAULT_TEMPLATE);
        TopicTemplate partial = TopicTemplate.parse("lab/multispeq_{deviceId}/data");

        assertThat(data.matches("experiment/data_ingest/v1/e1/multispeq/2/01:12:53:20")).isTrue();
        assertThat(data.matches("experiment/data_ingest/v1/e1/multispeq/2")).isFalse();
        assertThat(data.matches("experiment/data_ingest/v1/e1/multispeq/2/a/b")).isFalse();
        assertThat(data.matches("experiment/data_ingest/v2/e1/multispeq/2/x")).isFalse();
        assertThat(partial.matches("lab/multispeq_42/data")).isTrue();
        assertThat(partial.matches("lab/multispeq_/data")).isFalse();
        assertThat(TopicTemplate.parse("a.b/{x}").matches("aXb/1")).as("literals are not regular expressions")
                .isFalse();
        assertThat(data.matches(null)).isFalse();
    }
}
