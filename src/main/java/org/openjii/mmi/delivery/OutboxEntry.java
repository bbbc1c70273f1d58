package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * One message waiting in the {@link Outbox} for its PUBACK.
 *
 * @param seq the outbox's sequence number: the order messages are published in
 * @param messageId the message id (UUID) sent as the MQTT 5 user property {@code message-id}; a re-sent message keeps
 *     it, so a subscriber can drop duplicates
 * @param topic the MQTT topic
 * @param payload the payload bytes (UTF-8 JSON)
 * @param kind data or dead letter: a refused dead letter is quarantined, not dead-lettered again
 * @param createdAt when the message entered the outbox
 * @param originAt when the device sent the last byte of the output the message was made from ({@code null} when
 *     unknown): the start of the end-to-end latency
 * @param correlationData the MQTT 5 correlation data to send with it ({@code null}: none); a response echoes its
 *     request's
 */
public record OutboxEntry(long seq, String messageId, String topic, byte[] payload, Kind kind, Instant createdAt,
        Instant originAt, byte[] correlationData) {

    /** What the message is, which decides what happens when the broker refuses it. */
    public enum Kind {
        /** A measurement for openJII; refused → a dead letter. */
        DATA,
        /** A dead letter; refused → kept in the local quarantine. */
        DEAD_LETTER,
        /** The answer to a remote command; refused → kept in the local quarantine. */
        RESPONSE
    }

    public OutboxEntry {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** A message without correlation data (data and dead letters). */
    public OutboxEntry(long seq, String messageId, String topic, byte[] payload, Kind kind, Instant createdAt,
            Instant originAt) {
        this(seq, messageId, topic, payload, kind, createdAt, originAt, null);
    }

    /** Bytes the broker counts against its throughput limit: topic and payload. */
    public int wireBytes() {
        return topic.getBytes(StandardCharsets.UTF_8).length + payload.length;
    }

    /** No payload: logs and exceptions show where a message goes, not what is in it. */
    @Override
    public String toString() {
        return "OutboxEntry[" + seq + ", " + kind + ", " + topic + ", message " + messageId + ", " + payload.length
                + " bytes]";
    }
}
