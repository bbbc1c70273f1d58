package org.openjii.mmi.ingest;

import java.time.Instant;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Last ingest step before the outbox: the message tree in, compact JSON text out (numbers exactly as the device
 * printed them), refused ({@code payload-too-large}) when its UTF-8 size exceeds {@code maxPayloadBytes}.
 * This is the final size check: AWS IoT Core rejects a PUBLISH over 128 KB, and retrying it would never succeed.
 * <p>
 * Writes the message id ({@value IngestHeaders#MESSAGE_ID}, made here when no step set it) into the message as
 * {@code _client_id}, where openJII's app puts its own: openJII's IoT rule drops MQTT user properties, and a redelivery
 * must be recognisable there. Taken from the header the {@code iot:} producer stores the message under, in the step
 * right before it, the payload's id and the {@code message-id} property are the same id, also on every redelivery
 * (the outbox sends the stored bytes).
 * <p>
 * Sets {@code Content-Type: application/json} ({@link Exchange#CONTENT_TYPE}) so a later step that stores or forwards
 * the payload (outbox file, MQTT 5 content-type property) need not guess, and {@value IotConstants#ORIGIN_TIME} to
 * the device's last byte, from which the delivery latency ({@code mmi.delivery.latency}) is counted.
 */
public class SerializePayload implements Processor {

    public static final String CONTENT_TYPE = "application/json";

    private int maxPayloadBytes = SplitMeasurement.DEFAULT_MAX_PAYLOAD_BYTES;

    public int getMaxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** Largest payload in UTF-8 bytes (default 131072, AWS IoT Core's 128 KB). */
    public void setMaxPayloadBytes(int maxPayloadBytes) {
        this.maxPayloadBytes = Knobs.atLeast("maxPayloadBytes", maxPayloadBytes, 1);
    }

    @Override
    public void process(Exchange exchange) throws IngestException, InvalidPayloadException {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        JsonNode message = body instanceof JsonNode node ? node : in.getMandatoryBody(JsonNode.class);
        String messageId = Knobs.blankToNull(in.getHeader(IngestHeaders.MESSAGE_ID, String.class));
        if (messageId == null) {
            messageId = UUID.randomUUID().toString();
        }
        // (Set again even when present: the id as written to the payload, trimmed, is the one stored.)
        in.setHeader(IngestHeaders.MESSAGE_ID, messageId);
        if (message instanceof ObjectNode object) {
            IngestMessage.putClientId(object, messageId);
        }
        in.setBody(serialize(message));
        in.setHeader(Exchange.CONTENT_TYPE, CONTENT_TYPE);
        Instant lastByteAt = ParseMeasurement.instant(in.getHeader(MultispeqConstants.LAST_BYTE_AT));
        if (lastByteAt != null) {
            in.setHeader(IotConstants.ORIGIN_TIME, lastByteAt);
        }
    }

    /** The compact JSON text, checked against the limit (as it is: without Camel there is no message id to add). */
    public String serialize(JsonNode message) throws IngestException {
        String json = DeviceJson.write(message);
        // A char takes at most 3 UTF-8 bytes: only a message that might exceed the limit is counted (an 11 KB RIDES
        // message is not, which saves a pass over it).
        if ((long) json.length() * 3 <= maxPayloadBytes) {
            return json;
        }
        int bytes = IngestMessage.utf8Length(json);
        if (bytes > maxPayloadBytes) {
            throw new IngestException(FailureReason.PAYLOAD_TOO_LARGE, "The message for device "
                    + message.path("device_id").asText("?") + " is " + bytes + " bytes; the limit is "
                    + maxPayloadBytes);
        }
        return json;
    }
}
