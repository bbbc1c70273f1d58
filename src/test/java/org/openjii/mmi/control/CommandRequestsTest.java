package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjii.mmi.control.CommandRequest.Cancel;
import org.openjii.mmi.control.CommandRequest.ConsoleCommand;
import org.openjii.mmi.control.CommandRequest.ProtocolRun;
import org.openjii.mmi.control.CommandRequest.StatusQuery;

import static org.assertj.core.api.Assertions.assertThat;

class CommandRequestsTest {

    static CommandRequest parse(String json) throws BadCommandRequestException {
        return CommandRequests.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The message of the bad-request a payload gets. */
    static String refusal(byte[] payload) {
        try {
            CommandRequests.parse(payload);
        } catch (BadCommandRequestException e) {
            assertThat(e.reason().code()).isEqualTo("bad-request");
            return e.getMessage();
        }
        throw new AssertionError("Parsed, but should be refused: " + new String(payload, StandardCharsets.UTF_8));
    }

    static String refusal(String json) {
        return refusal(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadAConsoleCommandStrippedWithItsDevice() throws Exception {
        assertThat(parse("{\"command\":\" battery\\r\\n\"}")).isEqualTo(new ConsoleCommand("battery", null));
        assertThat(parse("{\"device\":\"01:12:53:20\",\"command\":\"indicate+255+0+0+\"}"))
                .isEqualTo(new ConsoleCommand("indicate+255+0+0+", "01:12:53:20"));
    }

    @Test
    void shouldReadCancelAndStatus() throws Exception {
        assertThat(parse("{\"action\":\"cancel\"}")).isEqualTo(new Cancel(null));
        assertThat(parse("{\"action\":\"status\",\"device\":\"multispeq-2\"}")).isEqualTo(
                new StatusQuery("multispeq-2"));
        assertThat(parse("{\"action\":\"cancel\"}").kind().label()).isEqualTo("cancel");
    }

    @Test
    void shouldReadAProtocolRunWithEverythingItTakes() throws Exception {
        ProtocolRun run = (ProtocolRun) parse("""
                {"protocol": [{"pulses": [20], "pulse_distance": [10000], "v": 2086.0, "label": "PAR"}],
                 "experiment_id": "6f1c0d2e-0000-4000-8000-00000000e001",
                 "protocol_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                 "answers": ["0.22", "", "-1"],
                 "questions": [{"question_label": "plot", "question_text": "Which plot?", "question_answer": "A1"}],
                 "device": "multispeq"}
                """);

        assertThat(run.kind()).isEqualTo(CommandRequest.Kind.PROTOCOL);
        // Numbers keep the text they were sent with: the device reads 2086.0, not 2086.
        assertThat(run.protocol().compact()).isEqualTo(
                "[{\"pulses\":[20],\"pulse_distance\":[10000],\"v\":2086.0,\"label\":\"PAR\"}]");
        assertThat(run.deviceText()).isEqualTo(run.protocol().compact());
        assertThat(run.experimentId()).isEqualTo("6f1c0d2e-0000-4000-8000-00000000e001");
        assertThat(run.protocolId()).isEqualTo("3fa85f64-5717-4562-b3fc-2c963f66afa6");
        assertThat(run.answers()).containsExactly("0.22", "", "-1");
        assertThat(run.questions().toString()).isEqualTo(
                "[{\"question_label\":\"plot\",\"question_text\":\"Which plot?\",\"question_answer\":\"A1\"}]");
        assertThat(run.device()).isEqualTo("multispeq");
    }

    @Test
    void shouldLeaveWhatAProtocolRunDoesNotSayToTheConfiguration() throws Exception {
        ProtocolRun run = (ProtocolRun) parse("{\"protocol\":[{\"pulses\":[20]}]}");

        assertThat(run.experimentId()).isNull();
        assertThat(run.protocolId()).isNull();
        assertThat(run.answers()).isEmpty();
        assertThat(run.questions()).isNull();
        assertThat(run.device()).isNull();
    }

    @Test
    void shouldKeepTheQuestionsOfARunImmutable() throws Exception {
        ProtocolRun run = (ProtocolRun) parse("{\"protocol\":[{}],\"questions\":[{\"question_label\":\"plot\"}]}");

        run.questions().removeAll();

        assertThat(run.questions()).hasSize(1);
    }

    @Test
    void shouldRefuseWhatIsNotAJsonObject() {
        assertThat(refusal(new byte[0])).startsWith("The request is empty");
        assertThat(refusal((byte[]) null)).startsWith("The request is empty");
        assertThat(refusal("   ")).isEqualTo("The request holds no JSON value");
        assertThat(refusal("battery")).startsWith("The request is not valid JSON: Unrecognized token 'battery'")
                .contains("line: 1, column: 8");
        assertThat(refusal("{\"command\":\"battery\"")).startsWith("The request is not valid JSON: Unexpected"
                + " end-of-input");
        assertThat(refusal(new byte[]{'{', '"', (byte) 0xFF, '"', ':', '1', '}'}))
                .startsWith("The request is not valid JSON: Invalid UTF-8");
        assertThat(refusal("[{\"command\":\"battery\"}]")).isEqualTo("The request must be a JSON object, got an"
                + " array");
        assertThat(refusal("\"battery\"")).isEqualTo("The request must be a JSON object, got a string");
        assertThat(refusal("null")).isEqualTo("The request must be a JSON object, got null");
    }

    @Test
    void shouldRefuseADuplicateKeyAndTrailingData() {
        // Last-one-wins would let {"command":"battery","command":"reboot"} mean something other than it shows.
        assertThat(refusal("{\"command\":\"battery\",\"command\":\"hello\"}")).contains("Duplicate field 'command'");
        assertThat(refusal("{\"command\":\"battery\"} {\"command\":\"hello\"}")).contains("Trailing token");
    }

    @Test
    void shouldRefuseARequestLargerThanIotCoreCarries() {
        byte[] large = ("{\"command\":\"" + " ".repeat(CommandRequests.MAX_REQUEST_BYTES) + "battery\"}")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(refusal(large)).isEqualTo("The request is " + large.length + " bytes; at most 131072 are read");
    }

    @Test
    void shouldNameUnknownFieldsSoATypoIsNotIgnored() {
        assertThat(refusal("{\"comand\":\"battery\"}")).isEqualTo("Unknown field \"comand\"; a request takes action,"
                + " answers, command, device, experiment_id, protocol, protocol_id, questions");
        assertThat(refusal("{\"command\":\"battery\",\"timeout\":5,\"Device\":\"x\"}"))
                .startsWith("Unknown fields \"timeout\", \"Device\";");
    }

    @Test
    void shouldWantExactlyOneOfCommandProtocolOrAction() {
        assertThat(refusal("{}")).isEqualTo("The request has none of command, protocol or action; send exactly one");
        assertThat(refusal("{\"device\":\"multispeq\"}")).startsWith("The request has none");
        assertThat(refusal("{\"command\":\"battery\",\"protocol\":[{}]}")).isEqualTo("The request has both command"
                + " and protocol; send exactly one of command, protocol or action");
        assertThat(refusal("{\"command\":\"battery\",\"protocol\":[{}],\"action\":\"cancel\"}"))
                .startsWith("The request has both command and protocol and action;");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"command|\"battery\"", "action|\"status\""})
    void shouldRefuseProtocolFieldsOnOtherRequests(String kind, String value) {
        for (String field : List.of("experiment_id", "protocol_id", "answers", "questions")) {
            assertThat(refusal("{\"" + kind + "\":" + value + ",\"" + field + "\":\"x\"}")).as(field)
                    .startsWith(field + " belongs to a protocol request, not to a")
                    .endsWith(kind + " takes " + kind + ", device");
        }
    }

    @Test
    void shouldRefuseACommandThatIsNotAString() {
        assertThat(refusal("{\"command\":1000}")).isEqualTo("command must be a string, got a number");
        assertThat(refusal("{\"command\":[\"battery\"]}")).isEqualTo("command must be a string, got an array");
        assertThat(refusal("{\"command\":null}")).isEqualTo("command must be a string, got null");
        assertThat(refusal("{\"command\":\" \\r\\n\"}")).isEqualTo("command is empty");
    }

    @Test
    void shouldRefuseAnUnknownAction() {
        assertThat(refusal("{\"action\":\"reboot\"}")).isEqualTo("action must be cancel or status, got \"reboot\"");
        assertThat(refusal("{\"action\":\"Cancel\"}")).isEqualTo("action must be cancel or status, got \"Cancel\"");
        assertThat(refusal("{\"action\":true}")).isEqualTo("action must be a string, got a boolean");
    }

    @Test
    void shouldRefuseADeviceThatIsNotANameOrId() {
        assertThat(refusal("{\"command\":\"battery\",\"device\":2}")).isEqualTo("device must be a string, got a"
                + " number");
        // A device selects a route: nothing that could add endpoint options or a path may pass.
        for (String device : List.of("", "x?allowCommands=reboot", "/dev/ttyACM0", "-multispeq", "multi speq",
                "m".repeat(65))) {
            assertThat(refusal("{\"action\":\"status\",\"device\":\"" + device + "\"}")).as(device)
                    .endsWith("is not a device name or id: letters, digits and . _ : - only, at most 64 characters");
        }
    }

    @Test
    void shouldRefuseAProtocolThatIsNotAnArrayOfProtocolSets() {
        assertThat(refusal("{\"protocol\":{\"pulses\":[20]}}")).isEqualTo("protocol must be an array of protocol"
                + " sets (objects), got an object; put a single set in [ ]");
        assertThat(refusal("{\"protocol\":\"[{}]\"}")).isEqualTo("protocol must be an array of protocol sets"
                + " (objects), got a string");
        assertThat(refusal("{\"protocol\":[]}")).isEqualTo("protocol is an empty array; it needs at least one"
                + " protocol set");
        assertThat(refusal("{\"protocol\":[{},[{}]]}")).isEqualTo("protocol[1] is an array, not an object (a"
                + " protocol set)");
        assertThat(refusal("{\"protocol\":[3]}")).isEqualTo("protocol[0] is a number, not an object (a protocol"
                + " set)");
    }

    @Test
    void shouldRefuseAnExperimentIdThatCannotBeATopicLevel() {
        // It becomes a level of the data topic: refused before the run, not after it.
        assertThat(refusal("{\"protocol\":[{}],\"experiment_id\":\"a/b\"}"))
                .isEqualTo("experiment_id \"a/b\" contains '/' (it would add a topic level)");
        assertThat(refusal("{\"protocol\":[{}],\"experiment_id\":\"#\"}")).contains("the wildcard '#'");
        assertThat(refusal("{\"protocol\":[{}],\"experiment_id\":\"$aws\"}")).contains("starts with $");
        assertThat(refusal("{\"protocol\":[{}],\"experiment_id\":\"\"}")).isEqualTo("experiment_id \"\" is empty");
        assertThat(refusal("{\"protocol\":[{}],\"experiment_id\":42}")).isEqualTo("experiment_id must be a string,"
                + " got a number");
    }

    @Test
    void shouldRefuseAProtocolIdThatIsNotText() {
        assertThat(refusal("{\"protocol\":[{}],\"protocol_id\":7}")).isEqualTo("protocol_id must be a string, got a"
                + " number");
        assertThat(refusal("{\"protocol\":[{}],\"protocol_id\":\" \"}")).isEqualTo("protocol_id is empty");
    }

    @Test
    void shouldRefuseAnswersThatWouldRunAnotherCommand() {
        // The device ends an answer at '+' and runs the rest as a console command: 0+reboot+ would reboot it.
        assertThat(refusal("{\"protocol\":[{}],\"answers\":[\"0.22\",\"0+reboot\"]}")).isEqualTo("answers[1]"
                + " contains '+', which ends an answer on the device and would run the rest as a console command");
        assertThat(refusal("{\"protocol\":[{}],\"answers\":[\"0\\r\\nreboot\"]}"))
                .isEqualTo("answers[0] contains a control or non-ASCII character (U+000D) at position 1");
        assertThat(refusal("{\"protocol\":[{}],\"answers\":[\"caf\u00e9\"]}"))
                .isEqualTo("answers[0] contains a control or non-ASCII character (U+00E9) at position 3");
        assertThat(refusal("{\"protocol\":[{}],\"answers\":[\"" + "1".repeat(50) + "\"]}"))
                .isEqualTo("answers[0] is longer than 49 characters");
    }

    @Test
    void shouldRefuseAnswersThatAreNotStrings() {
        assertThat(refusal("{\"protocol\":[{}],\"answers\":\"0.22\"}")).isEqualTo("answers must be an array of"
                + " strings, got a string");
        assertThat(refusal("{\"protocol\":[{}],\"answers\":[-1]}")).isEqualTo("answers[0] must be a string, got a"
                + " number");
    }

    @Test
    void shouldRefuseQuestionsOpenJiiWouldNotRead() {
        assertThat(refusal("{\"protocol\":[{}],\"questions\":{}}")).isEqualTo("questions must be an array of"
                + " objects, got an object");
        assertThat(refusal("{\"protocol\":[{}],\"questions\":[\"plot\"]}")).isEqualTo("questions[0] is a string,"
                + " not an object");
        assertThat(refusal("{\"protocol\":[{}],\"questions\":[{},{\"question_anwser\":\"A1\"}]}"))
                .isEqualTo("questions[1] has the unknown field \"question_anwser\"; a question takes question_label,"
                        + " question_text, question_answer");
        assertThat(refusal("{\"protocol\":[{}],\"questions\":[{\"question_answer\":12}]}"))
                .isEqualTo("questions[0].question_answer must be a string, got a number");
    }
}
