package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * The conformance check itself: it reads openJII's file as committed, accepts openJII's own example, and fails for
 * what openJII's contract refuses, so a passing route test means something.
 */
class OpenJiiAsyncApiTest {

    private static final String TOPIC = "experiment/data_ingest/v1/6f1c0d2e-0000-4000-8000-00000000e001/multispeq/2"
            + "/01:12:53:20";

    private static ObjectNode example() {
        return (ObjectNode) OpenJiiAsyncApi.document()
                .at("/components/messages/ExperimentDataMessage/examples/0/payload")
                .deepCopy();
    }

    /** {@code git hash-object}: SHA-1 of {@code "blob <length>\0"} and the bytes. */
    @Test
    void shouldBeOpenJiisFileVerbatim() throws IOException, NoSuchAlgorithmException {
        byte[] bytes;
        try (InputStream in = OpenJiiAsyncApi.class.getResourceAsStream(OpenJiiAsyncApi.RESOURCE)) {
            bytes = in.readAllBytes();
        }
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII));

        assertThat(HexFormat.of().formatHex(sha1.digest(bytes))).isEqualTo(OpenJiiAsyncApi.BLOB);
    }

    @Test
    void shouldAcceptOpenJiisOwnExample() throws Exception {
        assertThat(example().has("timestamp")).isTrue();

        OpenJiiAsyncApi.assertDataMessage(TOPIC, JsonMapper.builder().build().writeValueAsString(example()));
    }

    @Test
    void shouldRefuseWhatTheMessageSchemaRefuses() {
        ObjectNode noTimestamp = example();
        noTimestamp.remove("timestamp");
        assertThat(OpenJiiAsyncApi.payloadViolations(noTimestamp)).isNotEmpty();
        assertThat(OpenJiiAsyncApi.payloadViolations(example().put("device_battery", "82"))).isNotEmpty();
        assertThat(OpenJiiAsyncApi.payloadViolations(example().put("device_firmware", 2.3))).isNotEmpty();
        assertThat(OpenJiiAsyncApi.payloadViolations(example().put("_sample_encoding", "gzip"))).isNotEmpty();
        assertThat(OpenJiiAsyncApi.payloadViolations(example().put("workbook_run_id", 7))).isNotEmpty();
        ObjectNode questions = example();
        questions.putArray("questions").addObject().put("question_answer", 12);
        assertThat(OpenJiiAsyncApi.payloadViolations(questions)).isNotEmpty();
        assertThat(OpenJiiAsyncApi.payloadViolations(JsonMapper.builder().build().createArrayNode())).isNotEmpty();
    }

    /** What openJII's contract leaves open (its schema allows additional properties): mmi's own fields pass. */
    @Test
    void shouldAcceptFieldsOutsideTheSchema() {
        ObjectNode extra = example().put("_client_id", "0b9c6f0e-3a51-4d5e-9f43-6c2a1d7e8b90");
        extra.putObject("_split").put("index", 0).put("count", 2).put("run_id", "r");

        assertThat(OpenJiiAsyncApi.payloadViolations(extra)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"timestamp\":\"2026-03-09T10:30:00.000-05:00\",\"timestamp\":\"x\"}",
            "{\"timestamp\":\"2026-03-09T10:30:00.000-05:00\"} {}", "{\"timestamp\":", "{\"sample\":NaN}"})
    void shouldRefuseAPayloadThatIsNotStrictJson(String payload) {
        assertThatThrownBy(() -> OpenJiiAsyncApi.assertDataMessage(TOPIC, payload)).isInstanceOf(AssertionError.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"experiment/data_ingest/v1/e/multispeq/2/01:12:53:20/3fa85f64",
            "experiment/data_ingest/v1/e/multispeq/2", "experiment/data_ingest/v2/e/multispeq/2/d",
            "experiment/data_ingest/v1/e/multispeq//d", "experiment/data_ingest/v1/+/multispeq/2/d",
            "experiment/data_ingest/v1/e/multispeq/2/#", "mmi/dlq/mmi/invalid-topic",
            "/experiment/data_ingest/v1/e/m/2/d"})
    void shouldRefuseATopicOffTheDataChannel(String topic) {
        assertThat(OpenJiiAsyncApi.topicViolations(topic)).isNotEmpty();
        assertThatThrownBy(() -> OpenJiiAsyncApi.assertDataMessage(topic, "{\"timestamp\":\"2026-03-09T10:30:00.000"
                + "-05:00\"}")).isInstanceOf(AssertionError.class);
    }

    @Test
    void shouldNameTheChannelParametersOfADataTopic() {
        assertThat(OpenJiiAsyncApi.parameters(TOPIC)).containsExactly(
                entry("experimentId", "6f1c0d2e-0000-4000-8000-00000000e001"), entry("sensorType", "multispeq"),
                entry("sensorVersion", "2"), entry("sensorId", "01:12:53:20"));
    }

    @Test
    void shouldReadTheDataChannelFromTheFile() {
        JsonNode channel = OpenJiiAsyncApi.document().path("channels").path(OpenJiiAsyncApi.DATA_CHANNEL);

        assertThat(channel.at("/subscribe/message/$ref").asText())
                .isEqualTo("#/components/messages/ExperimentDataMessage");
    }
}
