package org.openjii.mmi.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

import org.openjii.mmi.delivery.MqttReasonCodes;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.OutboxQuarantine;
import org.openjii.mmi.ingest.SampleEncoder;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A row of the outbox's quarantine as {@code mmi dead-letters} shows it: what it is, why it is there, where it was
 * going, and (for a dead letter) the input its envelope carries.
 */
final class QuarantinedMessage {

    /** What a quarantined message is, as the list names it. */
    enum What {

        /** A dead letter kept instead of published ({@code mmi.dead-letters=local}). */
        DEAD_LETTER("dead-letter"),
        /** A dead letter the broker refused. */
        REFUSED_DEAD_LETTER("refused-dead-letter"),
        /** A data message the broker refused. */
        REFUSED_DATA("refused-data"),
        /** A command response the broker refused. */
        REFUSED_RESPONSE("refused-response");

        final String label;

        What(String label) {
            this.label = label;
        }
    }

    private final OutboxQuarantine.Entry entry;
    /** The payload as JSON, or null when it is not JSON. */
    private final JsonNode json;

    QuarantinedMessage(OutboxQuarantine.Entry entry) {
        this.entry = entry;
        JsonNode parsed;
        try {
            parsed = DeviceJson.parse(entry.payload(), 0, entry.payload().length);
        } catch (IOException | RuntimeException e) {
            parsed = null;
        }
        this.json = parsed;
    }

    OutboxQuarantine.Entry entry() {
        return entry;
    }

    long id() {
        return entry.seq();
    }

    What what() {
        return switch (entry.kind()) {
            case DATA -> What.REFUSED_DATA;
            case RESPONSE -> What.REFUSED_RESPONSE;
            case DEAD_LETTER -> entry.keptLocally() ? What.DEAD_LETTER : What.REFUSED_DEAD_LETTER;
        };
    }

    boolean isDeadLetter() {
        return entry.kind() == OutboxEntry.Kind.DEAD_LETTER;
    }

    /** The dead letter's reason ({@code crc-mismatch}, ...), or the broker's for a refused message. */
    String reason() {
        if (isDeadLetter()) {
            return field("reason").orElse(FailureReason.INTERNAL_ERROR.code());
        }
        return brokerReason();
    }

    /** {@code 0x87 Not authorized}: why the broker refused it; empty for a dead letter kept locally. */
    String brokerReason() {
        return entry.keptLocally() ? ""
                : String.format("0x%02X %s", entry.reasonCode(), MqttReasonCodes.name(entry.reasonCode()));
    }

    /** The data topic it was going to: a refused message's own, a dead letter's {@code topic}; empty if none. */
    String originalTopic() {
        if (!isDeadLetter()) {
            return entry.topic();
        }
        return field("topic").or(() -> field("refused_topic")).orElse("");
    }

    /** The message id of the refused message this dead letter describes ({@code rejected-by-broker}), if any. */
    Optional<String> refusedMessageId() {
        return isDeadLetter() && FailureReason.REJECTED_BY_BROKER.code().equals(reason())
                ? field("refused_message_id")
                : Optional.empty();
    }

    /** A dead letter of what a device sent (as opposed to a refused message's or a command request's). */
    boolean ofDeviceOutput() {
        return isDeadLetter() && !FailureReason.REJECTED_BY_BROKER.code().equals(reason())
                && !FailureReason.BAD_REQUEST.code().equals(reason());
    }

    /** Whether the envelope carries only the start of the input ({@code raw_truncated}). */
    boolean rawTruncated() {
        return json != null && json.path("raw_truncated").asBoolean(false);
    }

    /**
     * The input the dead letter's envelope carries ({@code raw}, decoded as {@code raw_encoding} says); empty when
     * it carries none.
     */
    Optional<byte[]> envelopeRaw() {
        if (json == null || !json.hasNonNull("raw")) {
            return Optional.empty();
        }
        String raw = json.get("raw").asText();
        String encoding = json.path("raw_encoding").asText("");
        try {
            return Optional.of(switch (encoding) {
                case "" -> raw.getBytes(StandardCharsets.UTF_8);
                case "base64" -> Base64.getDecoder().decode(raw);
                case SampleEncoder.GZIP_BASE64 -> gunzip(Base64.getDecoder().decode(raw));
                default -> throw new IllegalArgumentException("raw_encoding " + encoding + " is not known");
            });
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** When it entered the quarantine, to the second. */
    Instant keptAt() {
        return entry.quarantinedAt().truncatedTo(ChronoUnit.SECONDS);
    }

    /** The whole row for {@code export}: its facts, the payload (as JSON when it is) and the raw input kept. */
    ObjectNode toJson(Optional<byte[]> rawInput) {
        ObjectNode out = DeviceJson.mapper().createObjectNode();
        out.put("id", entry.seq());
        out.put("what", what().label);
        out.put("reason", reason());
        out.put("original_topic", originalTopic());
        out.put("kept_at", entry.quarantinedAt().toString());
        out.put("created_at", entry.createdAt().toString());
        out.put("message_id", entry.messageId());
        out.put("topic", entry.topic());
        out.put("bytes", entry.payload().length);
        if (!entry.keptLocally()) {
            out.put("mqtt_reason_code", entry.reasonCode());
            out.put("mqtt_reason", entry.reason());
        }
        if (json != null) {
            out.set("payload", json);
        } else {
            out.put("payload_base64", Base64.getEncoder().encodeToString(entry.payload()));
        }
        rawInput.ifPresent(raw -> out.put("raw_input_base64", Base64.getEncoder().encodeToString(raw)));
        if (entry.correlationData() != null) {
            out.put("correlation_data_base64", Base64.getEncoder().encodeToString(entry.correlationData()));
        }
        return out;
    }

    private Optional<String> field(String name) {
        return json == null || !json.hasNonNull(name) ? Optional.empty() : Optional.of(json.get(name).asText());
    }

    private static byte[] gunzip(byte[] compressed) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("raw is not gzip: " + e.getMessage(), e);
        }
    }
}
