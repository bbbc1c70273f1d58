package org.openjii.mmi.ingest;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.openjii.mmi.device.DeviceJson;
import org.openjii.mmi.topic.TopicTemplate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The layout of openJII's flat ingest message (docs/multispeq-protocol.md, "The openJII message"), in one place for the
 * step that
 * builds it ({@link EnrichMeasurement}) and the one that must predict its size ({@link SplitMeasurement}).
 */
final class IngestMessage {

    /** ISO-8601 with milliseconds and a numeric offset: {@code 2026-03-09T10:30:00.000-05:00}, never {@code Z}. */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSxxx",
            Locale.ROOT);

    private IngestMessage() {
    }

    /**
     * The message for one part. Optional values that are {@code null} are left out; {@code topic} and
     * {@code client_id} never appear, the IoT rule adds them.
     */
    static ObjectNode build(MeasurementPart part, EncodedSample sample, ZoneId zone, String protocolId,
            JsonNode questions, JsonNode annotations, JsonNode macros) {
        Measurement measurement = part.measurement();
        ObjectNode output = measurement.output();
        ObjectNode message = DeviceJson.mapper().createObjectNode();
        message.put("timestamp", timestamp(measurement.finishedAt(), zone));
        message.put("timezone", zoneName(zone));
        putText(message, "device_id", output.get("device_id"));
        putText(message, "device_name", output.get("device_name"));
        putText(message, "device_version", output.get("device_version"));
        putText(message, "device_firmware", output.get("device_firmware"));
        JsonNode battery = number(output.get("device_battery"));
        if (battery != null) {
            message.set("device_battery", battery);
        }
        message.put("sample", sample.text());
        if (sample.encoding() != null) {
            message.put("_sample_encoding", sample.encoding());
        }
        if (protocolId != null) {
            message.put("protocol_id", protocolId);
        }
        if (questions != null) {
            message.set("questions", questions);
        }
        if (annotations != null) {
            message.set("annotations", annotations);
        }
        if (macros != null) {
            message.set("macros", macros);
        }
        MeasurementPart.Split split = part.split();
        if (split != null) {
            ObjectNode splitNode = message.putObject("_split");
            splitNode.put("index", split.index());
            splitNode.put("count", split.count());
            splitNode.put("run_id", split.runId());
        }
        return message;
    }

    static String timestamp(Instant instant, ZoneId zone) {
        return TIMESTAMP.format(instant.atZone(zone));
    }

    /** The IANA name to send; a bare UTC offset ({@code Z}) is named {@code UTC}. */
    static String zoneName(ZoneId zone) {
        return ZoneOffset.UTC.equals(zone) ? "UTC" : zone.getId();
    }

    /** A device field as text: strings as they are, numbers as their exact JSON text ({@code 2.3465}). */
    static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    /** UTF-8 length of a text without encoding it. */
    static int utf8Length(CharSequence text) {
        return TopicTemplate.utf8Length(text);
    }

    private static void putText(ObjectNode message, String field, JsonNode value) {
        String text = text(value);
        if (text != null) {
            message.put(field, text);
        }
    }

    /** {@code device_battery} as a number: as sent, or parsed from text; {@code null} for {@code "NaN"} and such. */
    private static JsonNode number(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isNumber()) {
            return value;
        }
        if (value.isTextual()) {
            try {
                return DeviceJson.mapper().getNodeFactory().numberNode(new BigDecimal(value.asText().trim()));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
