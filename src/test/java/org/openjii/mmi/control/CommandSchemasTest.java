package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.SchemaFile;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON Schemas published for operators and what the code does must not drift apart: the parser accepts exactly
 * the requests the request schema accepts (on samples of every rule), and every response the code builds is valid.
 */
class CommandSchemasTest {

    private static final SchemaFile REQUEST = SchemaFile.load("mmi-command-request.schema.json");
    private static final SchemaFile RESPONSE = SchemaFile.load("mmi-command-response.schema.json");

    private static boolean parses(String json) {
        try {
            CommandRequests.parse(json.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (BadCommandRequestException e) {
            return false;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"command\":\"battery\"}", "{\"command\":\" hello \",\"device\":\"multispeq-2\"}",
            "{\"command\":\"reboot\"}", "{\"action\":\"cancel\"}", "{\"action\":\"status\",\"device\":\"01:12:53:20\"}",
            "{\"protocol\":[{}]}",
            "{\"protocol\":[{\"pulses\":[20]},{\"_protocol_set_\":[]}],\"experiment_id\":\"e 1\",\"protocol_id\":\"p\","
                    + "\"answers\":[\"\",\"-1\",\"0.22\",\"a b~!*,\"],\"questions\":[{},{\"question_label\":\"l\","
                    + "\"question_text\":\"t\",\"question_answer\":\"a\"}],\"device\":\"m.1_a:b-c\"}"})
    void shouldAcceptTheSameWellFormedRequests(String json) {
        assertThat(parses(json)).as("parses").isTrue();
        REQUEST.assertValid(json);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"battery\"", "{}", "{\"device\":\"multispeq\"}", "{\"comand\":\"battery\"}",
            "{\"command\":\"battery\",\"timeout\":5}", "{\"command\":\"battery\",\"protocol\":[{}]}",
            "{\"command\":\"battery\",\"action\":\"cancel\"}", "{\"command\":\"battery\",\"experiment_id\":\"e\"}",
            "{\"action\":\"status\",\"answers\":[]}", "{\"command\":1000}", "{\"command\":null}",
            "{\"command\":\"  \"}", "{\"command\":\"\"}", "{\"action\":\"reboot\"}", "{\"action\":\"Cancel\"}",
            "{\"action\":true}", "{\"command\":\"battery\",\"device\":2}", "{\"command\":\"battery\",\"device\":\"\"}",
            "{\"command\":\"battery\",\"device\":\"x?allowCommands=reboot\"}",
            "{\"command\":\"battery\",\"device\":\"/dev/ttyACM0\"}", "{\"command\":\"battery\",\"device\":\"-m\"}",
            "{\"command\":\"battery\",\"device\":\"mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm\"}",
            "{\"protocol\":{\"pulses\":[20]}}", "{\"protocol\":\"[{}]\"}", "{\"protocol\":[]}",
            "{\"protocol\":[{},[{}]]}", "{\"protocol\":[3]}", "{\"protocol\":[{}],\"experiment_id\":\"a/b\"}",
            "{\"protocol\":[{}],\"experiment_id\":\"a+b\"}", "{\"protocol\":[{}],\"experiment_id\":\"#\"}",
            "{\"protocol\":[{}],\"experiment_id\":\"$aws\"}", "{\"protocol\":[{}],\"experiment_id\":\"\"}",
            "{\"protocol\":[{}],\"experiment_id\":\"a\\u0000\"}", "{\"protocol\":[{}],\"experiment_id\":42}",
            "{\"protocol\":[{}],\"protocol_id\":7}", "{\"protocol\":[{}],\"protocol_id\":\" \"}",
            "{\"protocol\":[{}],\"answers\":[\"0+reboot\"]}", "{\"protocol\":[{}],\"answers\":[\"0\\r\\n\"]}",
            "{\"protocol\":[{}],\"answers\":[\"caf\\u00e9\"]}",
            "{\"protocol\":[{}],\"answers\":[\"11111111111111111111111111111111111111111111111111\"]}",
            "{\"protocol\":[{}],\"answers\":\"0.22\"}", "{\"protocol\":[{}],\"answers\":[-1]}",
            "{\"protocol\":[{}],\"questions\":{}}", "{\"protocol\":[{}],\"questions\":[\"plot\"]}",
            "{\"protocol\":[{}],\"questions\":[{\"question_anwser\":\"A1\"}]}",
            "{\"protocol\":[{}],\"questions\":[{\"question_answer\":12}]}",
            // A line break at the end: what an anchored pattern would let through on the JVM.
            "{\"command\":\"battery\",\"device\":\"m\\n\"}", "{\"protocol\":[{}],\"experiment_id\":\"a\\n\"}",
            "{\"protocol\":[{}],\"answers\":[\"0\\n\"]}"})
    void shouldRefuseTheSameMalformedRequests(String json) {
        assertThat(parses(json)).as("parses").isFalse();
        assertThat(REQUEST.validate(json)).as("schema violations").isNotEmpty();
    }

    @Test
    void shouldParseEveryExampleOfTheRequestSchema() throws Exception {
        JsonNode examples = schemaExamples("mmi-command-request.schema.json");

        assertThat(examples).hasSize(5);
        for (JsonNode example : examples) {
            String json = DeviceJson.write(example);
            assertThat(parses(json)).as(json).isTrue();
            REQUEST.assertValid(json);
        }
    }

    @Test
    void shouldBuildOnlyResponsesTheSchemaAccepts() {
        for (CommandResponse response : List.of(CommandResponse.ok(null, Duration.ZERO),
                CommandResponse.ok("MultispeQ Ready", Duration.ofMillis(12)),
                CommandResponse.ok(DeviceJson.mapper().createObjectNode().put("battery", 87), Duration.ofSeconds(1)),
                CommandResponse.ok(true, Duration.ofMillis(-5)),
                CommandResponse.ok(List.of(1, 2), Duration.ofMinutes(2), List.of()),
                CommandResponse.ok(null, Duration.ofSeconds(20), List.of("0b5e3c0e-7f43-4a4e-9d55-3f3d2a0f6c11")),
                CommandResponse.error("busy", "Too many"),
                CommandResponse.error("timeout", null),
                CommandResponse
                        .failure(new MultispeqException(FailureReason.DENIED, "Command 'reboot' is not allowed", null)),
                CommandResponse.failure(new IllegalStateException("Queue full")),
                CommandResponse.failure(null))) {
            RESPONSE.assertValid(response.toJson());
        }
    }

    @Test
    void shouldRefuseResponsesThatBreakTheContract() {
        for (String json : List.of("{\"ok\":true,\"result\":1}", "{\"ok\":true,\"duration_ms\":1}",
                "{\"ok\":true,\"result\":1,\"duration_ms\":-1}", "{\"ok\":false,\"result\":1,\"duration_ms\":1}",
                "{\"ok\":false,\"error\":{\"code\":\"Timeout\",\"message\":\"m\"}}",
                "{\"ok\":false,\"error\":{\"code\":\"timeout\",\"message\":\"\"}}",
                "{\"ok\":false,\"error\":{\"code\":\"timeout\"}}",
                "{\"ok\":false,\"error\":{\"code\":\"timeout\",\"message\":\"m\",\"stack\":\"at x\"}}",
                "{\"ok\":true,\"result\":1,\"duration_ms\":1,\"message_ids\":[1]}")) {
            assertThat(RESPONSE.validate(json)).as(json).isNotEmpty();
        }
    }

    @Test
    void shouldAcceptEveryExampleOfTheResponseSchema() throws Exception {
        for (JsonNode example : schemaExamples("mmi-command-response.schema.json")) {
            RESPONSE.assertValid(DeviceJson.write(example));
        }
    }

    private static JsonNode schemaExamples(String fileName) throws Exception {
        try (var in = CommandSchemasTest.class.getResourceAsStream("/schemas/" + fileName)) {
            return DeviceJson.mapper().readTree(in).get("examples");
        }
    }
}
