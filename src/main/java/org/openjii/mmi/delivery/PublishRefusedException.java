package org.openjii.mmi.delivery;

import java.util.LinkedHashMap;
import java.util.Map;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;

/**
 * The broker refused a message: a PUBACK with an MQTT 5 reason code of 0x80 or more (not authorized, topic name
 * invalid, packet too large, ...). Retrying would be refused again, so the message becomes a dead letter with reason
 * {@link FailureReason#REJECTED_BY_BROKER}, and the envelope carries {@code mqtt_reason_code}, {@code mqtt_reason},
 * {@code refused_topic}, {@code refused_message_id}, {@code raw_bytes} and {@code raw_quarantined} (the intact message
 * is kept in the outbox's quarantine table).
 */
public class PublishRefusedException extends Exception implements ReasonCoded {

    private final int reasonCode;
    private final String refusedTopic;
    private final String refusedMessageId;
    private final int refusedBytes;
    private final boolean connectionDropped;

    private PublishRefusedException(String message, int reasonCode, String refusedTopic, String refusedMessageId,
            int refusedBytes, boolean connectionDropped) {
        super(message);
        this.reasonCode = reasonCode;
        this.refusedTopic = refusedTopic;
        this.refusedMessageId = refusedMessageId;
        this.refusedBytes = refusedBytes;
        this.connectionDropped = connectionDropped;
    }

    /** A PUBACK with a failure reason code (or the same found by the client before sending). */
    public static PublishRefusedException byReasonCode(int reasonCode, OutboxEntry entry) {
        return new PublishRefusedException("The broker refused message " + entry.messageId() + " for "
                + entry.topic() + ": " + MqttReasonCodes.describe(reasonCode), reasonCode, entry.topic(),
                entry.messageId(), entry.payload().length, false);
    }

    /**
     * The connection dropped every time this message, alone in flight, was sent: a broker that refuses a message
     * by disconnecting (or with a PUBACK code the client cannot read, as Mosquitto's 0x95 for
     * {@code message_size_limit}, which is not a valid PUBACK reason code, so the client closes the connection).
     */
    public static PublishRefusedException byDisconnecting(int times, OutboxEntry entry) {
        return new PublishRefusedException("The connection dropped " + times + " times in a row while message "
                + entry.messageId() + " for " + entry.topic() + " (" + entry.payload().length + " bytes) was the only"
                + " one in flight: the broker refuses it", MqttReasonCodes.FIRST_FAILURE, entry.topic(),
                entry.messageId(), entry.payload().length, true);
    }

    public int reasonCode() {
        return reasonCode;
    }

    /**
     * Whether the payload itself is the likely problem (too large, or refused by disconnecting), so a dead letter
     * should not carry it again.
     */
    public boolean payloadIsTheProblem() {
        return connectionDropped || reasonCode == MqttReasonCodes.PACKET_TOO_LARGE;
    }

    @Override
    public FailureReason reason() {
        return FailureReason.REJECTED_BY_BROKER;
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mqtt_reason_code", reasonCode);
        details.put("mqtt_reason", MqttReasonCodes.name(reasonCode));
        details.put("refused_topic", refusedTopic);
        details.put("refused_message_id", refusedMessageId);
        details.put("raw_bytes", refusedBytes);
        details.put("raw_quarantined", true);
        if (connectionDropped) {
            details.put("refused_by", "disconnecting");
        }
        return details;
    }
}
