package org.openjii.mmi.delivery;

import java.util.LinkedHashMap;
import java.util.Map;

import org.openjii.mmi.ReasonCoded;
import org.openjii.mmi.ingest.DeadLetterEnvelope;

/**
 * The broker refused a message: a PUBACK with an MQTT 5 reason code of 0x80 or more (not authorized, topic name
 * invalid, packet too large, ...). Retrying would be refused again, so the message becomes a dead letter with reason
 * {@value DeadLetterEnvelope#REJECTED_BY_BROKER}, and the envelope carries {@code mqtt_reason_code},
 * {@code mqtt_reason},
 * {@code refused_topic}, {@code refused_message_id}, {@code raw_bytes} and
 * {@code raw_quarantined} (the intact message is kept in the outbox's quarantine table).
 */
public class PublishRefusedException extends Exception implements ReasonCoded {

    private final int reasonCode;
    private final String refusedTopic;
    private final String refusedMessageId;
    private final int refusedBytes;

    public PublishRefusedException(int reasonCode, String refusedTopic, String refusedMessageId, int refusedBytes) {
        super("The broker refused message " + refusedMessageId + " for " + refusedTopic + ": "
                + MqttReasonCodes.describe(reasonCode));
        this.reasonCode = reasonCode;
        this.refusedTopic = refusedTopic;
        this.refusedMessageId = refusedMessageId;
        this.refusedBytes = refusedBytes;
    }

    public int reasonCode() {
        return reasonCode;
    }

    @Override
    public String reason() {
        return DeadLetterEnvelope.REJECTED_BY_BROKER;
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
        return details;
    }
}
