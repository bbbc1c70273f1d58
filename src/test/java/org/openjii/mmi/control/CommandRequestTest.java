package org.openjii.mmi.control;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.PromptNotAnswerableException;
import org.openjii.mmi.message.FailureReason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openjii.mmi.control.CommandRequestsTest.parse;

/** What a well-formed request may ask of the device, and what it sends. */
class CommandRequestTest {

    private static final CommandPolicy DEFAULTS = CommandPolicy.safeDefaults();
    /** An alert, then a prompt: two questions, or one when alerts are acknowledged. */
    private static final String ASKING = "[{\"_protocol_set_\":[{\"alert\":\"Close the clamp\"},"
            + "{\"prompt\":\"Leaf thickness?\"}]}]";

    @Test
    void shouldAllowTheReadOnlyCommandsTheIssueNames() throws Exception {
        for (String command : List.of("hello", "battery", "device_info", "memory", "print_memory", "compiled", "temp",
                "print_date", "indicate", "indicate+255+0+0+", "usb")) {
            CommandRequest request = parse("{\"command\":\"" + command + "\"}");

            assertThatCode(() -> request.checkAllowed(DEFAULTS, false)).as(command).doesNotThrowAnyException();
            assertThat(request.deviceText()).isEqualTo(command);
        }
    }

    @Test
    void shouldDenyOverMqttWhatNeedsEnablingByName() throws Exception {
        for (String command : List.of("upgrade", "set_device_info", "reset", "reboot", "sleep", "digital_write+5+1+",
                "set_shutdown_time+1800+", "hello+reboot+", "1078")) {
            CommandRequest request = parse("{\"command\":\"" + command + "\"}");

            assertThatThrownBy(() -> request.checkAllowed(DEFAULTS, false)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        }
        assertThatCode(() -> parse("{\"command\":\"set_shutdown_time+1800+\"}")
                .checkAllowed(CommandPolicy.ofCommaSeparated("set_shutdown_time"), false))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldDenyAnUpgradeSmuggledBehindAnEnabledCommandsParameter() throws Exception {
        // 1078 is upgrade: the firmware runs the number set_shutdown_time does not read as the next command.
        CommandRequest smuggling = parse("{\"command\":\"set_shutdown_time+1800+1078+\"}");

        assertThatThrownBy(() -> smuggling.checkAllowed(CommandPolicy.ofCommaSeparated("set_shutdown_time"), false))
                .isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("reads 1 parameter but got 2");
    }

    @Test
    void shouldDenyProtocolsThatSaveOrSetPinsUnlessEnabled() throws Exception {
        CommandRequest saving = parse("{\"protocol\":[{\"save\":[[1,2]]}]}");
        CommandRequest settingAPin = parse("{\"protocol\":[{\"_protocol_set_\":[{\"dw\":[14,1]}]}]}");

        assertThatThrownBy(() -> saving.checkAllowed(DEFAULTS, false)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        assertThatThrownBy(() -> settingAPin.checkAllowed(DEFAULTS, false))
                .isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        CommandPolicy enabled = CommandPolicy.ofCommaSeparated("save,digital_write");
        assertThatCode(() -> saving.checkAllowed(enabled, false)).doesNotThrowAnyException();
        assertThatCode(() -> settingAPin.checkAllowed(enabled, false)).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAProtocolWhoseQuestionsTheRequestDoesNotAnswer() throws Exception {
        CommandRequest unanswered = parse("{\"protocol\":" + ASKING + ",\"answers\":[\"0.22\"]}");

        assertThatThrownBy(() -> unanswered.checkAllowed(DEFAULTS, false))
                .isInstanceOf(PromptNotAnswerableException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.PROMPT_UNANSWERED)
                .hasMessageContaining("prompt \"Leaf thickness?\"");
        assertThatCode(() -> unanswered.checkAllowed(DEFAULTS, true)).as("alert acknowledged")
                .doesNotThrowAnyException();
        assertThatCode(() -> parse("{\"protocol\":" + ASKING + ",\"answers\":[\"\",\"0.22\"]}")
                .checkAllowed(DEFAULTS, false)).doesNotThrowAnyException();
    }

    @Test
    void shouldHandTheAnswersToTheDeviceSessionInOrder() throws Exception {
        CommandRequest.ProtocolRun run = (CommandRequest.ProtocolRun) parse("{\"protocol\":" + ASKING
                + ",\"answers\":[\"0.22\"]}");

        var answers = run.promptAnswers(true);

        assertThat(answers.next("alert")).isEmpty();
        assertThat(answers.next("prompt")).isEqualTo("0.22");
        assertThat(answers.next("prompt")).isNull();
    }

    @Test
    void shouldCancelWithTheFirmwaresCancelAndAskTheDeviceNothingForStatus() throws Exception {
        CommandRequest cancel = parse("{\"action\":\"cancel\"}");
        CommandRequest status = parse("{\"action\":\"status\"}");

        assertThat(cancel.deviceText()).isEqualTo("-1+");
        assertThat(status.deviceText()).isNull();
        // Neither is a console command the policy knows; both are always allowed.
        assertThatCode(() -> cancel.checkAllowed(DEFAULTS, false)).doesNotThrowAnyException();
        assertThatCode(() -> status.checkAllowed(DEFAULTS, false)).doesNotThrowAnyException();
    }
}
