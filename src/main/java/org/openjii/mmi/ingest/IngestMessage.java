package org.openjii.mmi.ingest;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.topic.TopicTemplate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The layout of openJII's flat ingest message (docs/openjii-message.md), in one place for the steps that build it
 * ({@link EnrichMeasurement}, {@link SerializePayload}) and the one that must predict its size
 * ({@link SplitMeasurement}).
 */
final class IngestMessage {

    /** The message id in the payload, where openJII's app puts its own ({@code _client_id}). */
    static final String CLIENT_ID = "_client_id";
    /** The id shared by the messages of one workbook run (openJII's sensor_schema), or of one split run. */
    static final String WORKBOOK_RUN_ID = "workbook_run_id";
    /** Stands in for a message id (a UUID string) where only its length matters. */
    private static final String MESSAGE_ID_PLACEHOLDER = "00000000-0000-0000-0000-000000000000";

    /** ISO-8601 with milliseconds and a numeric offset: {@code 2026-03-09T10:30:00.000-05:00}, never {@code Z}. */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSxxx",
            Locale.ROOT);

    private IngestMessage() {
    }

    /**
     * The message for one part, without {@value #CLIENT_ID} ({@link #putClientId} adds it). Optional values that are
     * {@code null} are left out; {@code topic} and {@code client_id} never appear, the IoT rule adds them.
     *
     * @param workbookRunId the {@value #WORKBOOK_RUN_ID} from upstream (a plan pass), or {@code null}: then the
     *     parts of a run split into several messages carry the run id there
     */
    static ObjectNode build(MeasurementPart part, EncodedSample sample, ZoneId zone, String protocolId,
            String workbookRunId, JsonNode questions, JsonNode annotations, JsonNode macros) {
        Measurement measurement = part.measurement();
        ObjectNode output = measurement.output();
        ObjectNode message = DeviceJson.mapper().createObjectNode();
        message.put("timestamp", timestamp(measurement.finishedAt(), zone));
        message.put("timezone", zoneName(zone));
        putText(message, "device_id", output.get("device_id"));
        putText(message, "device_name", output.get("device_name"));
        putText(message, "device_version", output.get("device_version"));
        putText(message, "device_firmware", firmware(output.get("device_firmware")));
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
        if (workbookRunId == null && split != null && split.count() > 1) {
            // openJII keeps workbook_run_id and drops _split: the parts stay linked there too.
            workbookRunId = split.runId();
        }
        if (workbookRunId != null) {
            message.put(WORKBOOK_RUN_ID, workbookRunId);
        }
        if (split != null) {
            ObjectNode splitNode = message.putObject("_split");
            splitNode.put("index", split.index());
            splitNode.put("count", split.count());
            splitNode.put("run_id", split.runId());
        }
        return message;
    }

    /** Sets {@value #CLIENT_ID} to the message id, the same as the MQTT user property {@code message-id}. */
    static void putClientId(ObjectNode message, String messageId) {
        message.put(CLIENT_ID, messageId);
    }

    /** {@link #putClientId} with a stand-in of a message id's length, for measuring. */
    static void putClientIdPlaceholder(ObjectNode message) {
        putClientId(message, MESSAGE_ID_PLACEHOLDER);
    }

    /**
     * {@code device_firmware} as openJII's app stores it: a number (as the MultispeQ prints it in a measurement) as
     * JavaScript prints it, the shortest form ({@code 2.30} → {@code 2.3}, {@code 2.0} → {@code 2}); a string as it is.
     */
    static JsonNode firmware(JsonNode value) {
        if (value == null || !value.isNumber()) {
            return value;
        }
        double number = Double.parseDouble(value.asText());
        // A number beyond a double keeps its text (the parse step has already made such numbers null).
        return Double.isFinite(number) ? TextNode.valueOf(EcmaScriptNumber.toString(number)) : value;
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
