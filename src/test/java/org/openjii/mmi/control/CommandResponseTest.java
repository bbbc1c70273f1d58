package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.PublishRefusedException;
import org.openjii.mmi.device.CommandCancelledException;
import org.openjii.mmi.device.DeviceAbsentException;
import org.openjii.mmi.device.InvalidJsonException;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.MultispeqTimeoutException;
import org.openjii.mmi.device.PromptNotAnswerableException;
import org.openjii.mmi.device.TruncatedFrameException;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.topic.InvalidTopicException;

import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandResponseTest {

    @Test
    void shouldWriteASuccessCompactlyWithTheDevicesNumbersAsSent() throws Exception {
        CommandResponse response = CommandResponse.ok(DeviceJson.parse("{\"device_firmware\":2.3465,\"v\":2086.0}"),
                Duration.ofMillis(412));

        assertThat(response.toJson()).isEqualTo("{\"ok\":true,\"result\":{\"device_firmware\":2.3465,\"v\":2086.0},"
                + "\"duration_ms\":412}");
        assertThat(response.ok()).isTrue();
        assertThat(response.errorCode()).isNull();
    }

    @Test
    void shouldTakeWhatTheMultispeqProducerReplies() {
        Map<String, Object> parsed = new LinkedHashMap<>();
        parsed.put("battery", 87);

        assertThat(CommandResponse.ok(parsed, Duration.ZERO).toJson()).contains("\"result\":{\"battery\":87}");
        assertThat(CommandResponse.ok("MultispeQ Ready", Duration.ZERO).toJson())
                .contains("\"result\":\"MultispeQ Ready\"");
        assertThat(CommandResponse.ok("battery:87".getBytes(StandardCharsets.UTF_8), Duration.ZERO).toJson())
                .contains("\"result\":\"battery:87\"");
        assertThat(CommandResponse.ok(true, Duration.ZERO).toJson()).contains("\"result\":true");
        assertThat(CommandResponse.ok(null, Duration.ZERO).toJson()).contains("\"result\":null");
    }

    @Test
    void shouldListTheMessageIdsOfAProtocolRun() {
        CommandResponse response = CommandResponse.ok(null, Duration.ofSeconds(18), List.of("id-1", "id-2"));

        assertThat(response.toJson()).isEqualTo("{\"ok\":true,\"result\":null,\"duration_ms\":18000,"
                + "\"message_ids\":[\"id-1\",\"id-2\"]}");
        assertThat(CommandResponse.ok(null, Duration.ZERO).toJson()).doesNotContain("message_ids");
    }

    @Test
    void shouldNotCountANegativeDuration() {
        assertThat(CommandResponse.ok(null, Duration.ofMillis(-40)).json().get("duration_ms").asLong()).isZero();
    }

    @Test
    void shouldNotShareItsTreeWithTheCaller() throws Exception {
        ObjectNode result = (ObjectNode) DeviceJson.parse("{\"battery\":87}");
        CommandResponse response = CommandResponse.ok(result, Duration.ZERO);

        result.put("battery", 1);
        response.json().put("ok", false);

        assertThat(response.toJson()).isEqualTo("{\"ok\":true,\"result\":{\"battery\":87},\"duration_ms\":0}");
    }

    @Test
    void shouldWriteAnError() {
        CommandResponse response = CommandResponse.error("busy", "The bridge is busy");

        assertThat(response.toJson()).isEqualTo("{\"ok\":false,\"error\":{\"code\":\"busy\",\"message\":\"The bridge"
                + " is busy\"}}");
        assertThat(response.ok()).isFalse();
        assertThat(response.errorCode()).isEqualTo("busy");
    }

    @Test
    void shouldRefuseACodeThatIsNotKebabCase() {
        for (String code : new String[]{null, "", "Busy", "device_absent", "-busy", "busy-", "time out"}) {
            assertThatThrownBy(() -> CommandResponse.error(code, "m")).as(code)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("kebab-case");
        }
    }

    @Test
    void shouldSendOneLineOfAMessageNeverAStackTrace() {
        String withTrace = "\n  Reply cut off\tafter 12 bytes\n\tat org.openjii.mmi.device.DeviceSession.read"
                + "(DeviceSession.java:300)\n\tat java.base/java.lang.Thread.run(Thread.java:840)";

        assertThat(CommandResponse.error("truncated", withTrace).json().at("/error/message").asText())
                .isEqualTo("Reply cut off after 12 bytes");
        assertThat(CommandResponse.error("timeout", null).json().at("/error/message").asText())
                .isEqualTo("The request failed (timeout)");
        assertThat(CommandResponse.error("timeout", " \r\n ").json().at("/error/message").asText())
                .isEqualTo("The request failed (timeout)");
    }

    @Test
    void shouldCutALongMessageWithoutSplittingACharacter() {
        String message = CommandResponse.oneLine("x".repeat(296) + "\uD83C\uDF31" + "y".repeat(20), "fallback");

        assertThat(message).isEqualTo("x".repeat(296) + "...");
        assertThat(CommandResponse.oneLine("z".repeat(400), "fallback")).hasSize(CommandResponse.MAX_MESSAGE_CHARS)
                .endsWith("...");
        assertThat(CommandResponse.oneLine("z".repeat(300), "fallback")).isEqualTo("z".repeat(300));
    }

    @Test
    void shouldAnswerEveryDeviceFailureWithItsReason() {
        List<MultispeqException> failures = List.of(new MultispeqTimeoutException("No reply within 5000 ms", null),
                new MultispeqException(FailureReason.CRC_MISMATCH, "Checksum mismatch", null),
                new DeviceAbsentException("No MultispeQ at /dev/ttyACM0", null),
                new MultispeqException(FailureReason.DEVICE_ERROR, "Device reported an error: battery is too low",
                        null),
                new CommandCancelledException("Cancelled: protocol [...]", null),
                new MultispeqException(FailureReason.DENIED, "Command 'reboot' is not allowed", null),
                new MultispeqException(FailureReason.INVALID_PROTOCOL, "The measurement protocol is empty", null),
                new PromptNotAnswerableException("The protocol asks 1 question(s)", null),
                new TruncatedFrameException("Reply cut off", null), new InvalidJsonException("Not JSON", null),
                new MultispeqException(FailureReason.BAD_COMMAND, "Unknown command", null),
                new MultispeqException(FailureReason.FRAME_TOO_LARGE, "Too large", null),
                new MultispeqException(FailureReason.UNEXPECTED_OUTPUT, "Noise", null));

        for (MultispeqException failure : failures) {
            CommandResponse response = CommandResponse.failure(failure);

            assertThat(response.errorCode()).isEqualTo(failure.reason().code());
            assertThat(response.json().at("/error/message").asText()).isEqualTo(failure.getMessage());
        }
        assertThat(failures).extracting(failure -> failure.reason().code())
                .contains("timeout", "crc-mismatch", "device-absent", "device-error", "cancelled", "denied",
                        "invalid-protocol");
    }

    @Test
    void shouldFindTheReasonInsideWhatCamelWrapsAroundIt() {
        DeviceAbsentException absent = new DeviceAbsentException("The device went away", null);

        CommandResponse response = CommandResponse.failure(new CamelExecutionException("Exception occurred during"
                + " execution", null, new RuntimeCamelException(absent)));

        assertThat(response.toJson()).isEqualTo("{\"ok\":false,\"error\":{\"code\":\"device-absent\",\"message\":"
                + "\"The device went away\"}}");
    }

    @Test
    void shouldAnswerBusyBadRequestAndIngestFailuresWithTheirCodes() {
        assertThat(CommandResponse.failure(new CommandBusyException(16)).toJson()).isEqualTo("{\"ok\":false,"
                + "\"error\":{\"code\":\"busy\",\"message\":\"The bridge is busy: 16 request(s) are already waiting"
                + " for the device; try again later\"}}");
        assertThat(CommandResponse.failure(new BadCommandRequestException("command is empty")).errorCode())
                .isEqualTo("bad-request");
        // The same code its dead letter is filed under.
        assertThat(CommandResponse.failure(new InvalidTopicException("deviceId", "a/b", "deviceId \"a/b\" contains"
                + " '/'")).errorCode()).isEqualTo("invalid-topic");
    }

    @Test
    void shouldNotTellTheOperatorTheInternalsOfAnUnexpectedFailure() {
        CommandResponse response = CommandResponse.failure(new NullPointerException("Cannot invoke"
                + " \"String.length()\" because \"text\" is null"));

        assertThat(response.toJson()).isEqualTo("{\"ok\":false,\"error\":{\"code\":\"internal-error\",\"message\":"
                + "\"The bridge could not handle the request (NullPointerException); its log has the details\"}}");
        assertThat(CommandResponse.failure(null).json().at("/error/message").asText()).contains("(no exception)");
        // A broker's refusal is not a request's fault either; its code is the dead letter's.
        OutboxEntry refused = new OutboxEntry(3, "m-3", "mmi/v1/gw/response", "{}".getBytes(StandardCharsets.UTF_8),
                OutboxEntry.Kind.RESPONSE, Instant.EPOCH, null);
        assertThat(CommandResponse.failure(PublishRefusedException.byReasonCode(0x87, refused)).errorCode())
                .isEqualTo("rejected-by-broker");
    }
}
