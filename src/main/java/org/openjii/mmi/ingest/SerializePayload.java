package org.openjii.mmi.ingest;

import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Last ingest step before the outbox: the message tree in, compact JSON text out (numbers exactly as the device
 * printed them), refused with {@link PayloadTooLargeException} when its UTF-8 size exceeds {@code maxPayloadBytes}.
 * This is the final size check: AWS IoT Core rejects a PUBLISH over 128 KB, and retrying it would never succeed.
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
    public void process(Exchange exchange) throws PayloadTooLargeException, InvalidPayloadException {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        JsonNode message = body instanceof JsonNode node ? node : in.getMandatoryBody(JsonNode.class);
        in.setBody(serialize(message));
        in.setHeader(Exchange.CONTENT_TYPE, CONTENT_TYPE);
        Instant lastByteAt = ParseMeasurement.instant(in.getHeader(MultispeqConstants.LAST_BYTE_AT));
        if (lastByteAt != null) {
            in.setHeader(IotConstants.ORIGIN_TIME, lastByteAt);
        }
    }

    /** The compact JSON text, checked against the limit. */
    public String serialize(JsonNode message) throws PayloadTooLargeException {
        String json = DeviceJson.write(message);
        // A char takes at most 3 UTF-8 bytes: only a message that might exceed the limit is counted (an 11 KB RIDES
        // message is not, which saves a pass over it).
        if ((long) json.length() * 3 <= maxPayloadBytes) {
            return json;
        }
        int bytes = IngestMessage.utf8Length(json);
        if (bytes > maxPayloadBytes) {
            throw new PayloadTooLargeException("The message for device " + message.path("device_id").asText("?")
                    + " is " + bytes + " bytes; the limit is " + maxPayloadBytes, bytes, maxPayloadBytes);
        }
        return json;
    }
}
