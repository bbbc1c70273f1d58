package org.openjii.mmi.message;

/**
 * Why something failed, as a stable kebab-case code: the last level of the dead-letter topic
 * ({@code mmi/dlq/{clientId}/{code}}), the {@code reason} of the dead-letter envelope, the error code of a command
 * response and the {@code reason} tag of {@code mmi_dead_letters_total}. Subscribers filter on these codes, so a code
 * never changes once released; docs/failure-reasons.md lists them for readers outside the code.
 */
public enum FailureReason {

    // The conversation with the device.
    TIMEOUT("timeout", "The device did not complete its reply in time."),
    CRC_MISMATCH("crc-mismatch", "A reply's checksum does not match its text: bytes were corrupted on the way."),
    TRUNCATED("truncated", "A reply stopped before its end: the device went away or a new line began mid-reply."),
    INVALID_JSON("invalid-json", "Device output is not one JSON value, even after nan, inf and nil became null."),
    DEVICE_ERROR("device-error", "The device reported an error instead of data, such as {\"error\":\"battery low\"}."),
    DEVICE_ABSENT("device-absent", "No MultispeQ is connected at the port, or it went away during the command."),
    BAD_COMMAND("bad-command", "The device answered that it does not know the command."),
    PROMPT_UNANSWERED("prompt-unanswered", "The protocol asked a question that no configured answer covers."),
    FRAME_TOO_LARGE("frame-too-large", "A reply exceeded the maximum frame size and was discarded."),
    UNEXPECTED_OUTPUT("unexpected-output", "The device sent a line that belongs to no reply."),
    CANCELLED("cancelled", "The command was cancelled (-1+) before it completed."),
    DENIED("denied", "The command policy does not allow the command or protocol."),
    INVALID_PROTOCOL("invalid-protocol",
            "A multispeq: producer got no command or protocol, or a protocol that is not a MultispeQ protocol."),

    // Turning device output into openJII messages.
    INVALID_MEASUREMENT("invalid-measurement", "Valid JSON that is not a measurement: no object with a sample array."),
    CRC_ABSENT("crc-absent", "A reply without checksum, refused because mmi.ingest.crc-absent is dead-letter."),
    PAYLOAD_TOO_LARGE("payload-too-large",
            "A message exceeds the payload limit even after compression and splitting."),
    INVALID_TOPIC("invalid-topic",
            "A topic cannot be built: a value is missing, adds a level or a wildcard, or makes it too long."),

    // Delivery to the broker.
    REJECTED_BY_BROKER("rejected-by-broker",
            "The broker refused the message, with a reason code of 0x80 or more or by disconnecting."),
    OUTBOX_ERROR("outbox-error", "The outbox cannot be written or read: disk full, read-only or damaged."),
    OUTBOX_FULL("outbox-full", "The outbox reached its cap and its policy is to refuse new messages."),
    OUTBOX_IN_USE("outbox-in-use", "Another process has the outbox open."),

    // Remote commands.
    BAD_REQUEST("bad-request", "A command request that cannot be read: not JSON, an unknown field, a wrong value."),
    BUSY("busy", "The command queue is full; the sender may try again later."),

    // openJII.
    SCRIPT_REFUSED("script-refused", "A script update that is not a valid, allowed MultispeQ protocol."),

    // Anything else.
    INTERNAL_ERROR("internal-error", "A failure that carries no reason of its own; the bridge's log has the details.");

    private final String code;
    private final String meaning;

    FailureReason(String code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** The code as published: kebab-case, a valid topic level. */
    public String code() {
        return code;
    }

    /** What the code means, in one sentence. */
    public String meaning() {
        return meaning;
    }

    /** The code, so that log lines and string concatenation show what subscribers see. */
    @Override
    public String toString() {
        return code;
    }
}
