package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds openJII's flat ingest message from a {@link MeasurementPart} (or a whole {@link Measurement}): body in, an
 * {@link ObjectNode} out, ready for {@link SerializePayload}.
 * <p>
 * Fields: {@code timestamp} (ISO-8601 with milliseconds and offset in {@code timezone}: openJII drops rows without
 * it, and reads a bare number as epoch seconds), {@code timezone}, {@code device_id}, {@code device_name},
 * {@code device_version} as strings (numbers as their exact JSON text), {@code device_firmware} as a string (a number
 * in its shortest form, as openJII's app stores it: {@code 2.30} → {@code "2.3"}), {@code device_battery} as a number,
 * {@code sample} as compact JSON text or gzip+base64 with {@code _sample_encoding} ({@link SampleEncoder}),
 * {@code protocol_id}, {@code questions}, {@code annotations}, {@code macros} when configured,
 * {@code workbook_run_id} (from {@value IngestHeaders#WORKBOOK_RUN_ID}, else the run id on the parts of a run split
 * into several) and {@code _split} for a part of a split run. Never {@code topic} or {@code client_id}: the IoT rule
 * adds them. {@link SerializePayload} adds {@code _client_id}.
 * <p>
 * Headers set: {@value IngestHeaders#MESSAGE_ID} (new UUID), {@value IngestHeaders#RUN_ID},
 * {@value IngestHeaders#DEVICE_ID} and {@value IngestHeaders#DEVICE_VERSION} (for {@link IngestTopic}). Headers read:
 * {@value IngestHeaders#PROTOCOL_ID}, which wins over the {@code protocolId} knob, {@value IngestHeaders#QUESTIONS},
 * which wins over the {@code questions} knob, and {@value IngestHeaders#WORKBOOK_RUN_ID}.
 * <p>
 * The JSON knobs are parsed once and the same tree is put into every message: nothing downstream may modify it.
 */
public class EnrichMeasurement implements Processor {

    private ZoneId zone = ZoneId.systemDefault();
    private SampleEncoder encoder = SampleEncoder.defaults();
    private String protocolId;
    private String questions;
    private String annotations;
    private String macros;
    private JsonNode questionsNode;
    private JsonNode annotationsNode;
    private JsonNode macrosNode;
    private String fields;
    private ObjectNode fieldsNode;

    /** Fields the message builds itself or the cloud adds: a {@code fields} knob may not set them. */
    private static final Set<String> RESERVED = Set.of("timestamp", "timezone", "device_id", "device_name",
            "device_version", "device_firmware", "device_battery", "sample", "_sample_encoding", "_split",
            IngestMessage.CLIENT_ID, IngestMessage.WORKBOOK_RUN_ID, "protocol_id", "questions", "annotations",
            "macros", "topic", "client_id");

    public String getTimezone() {
        return zone.getId();
    }

    /** IANA time zone of {@code timestamp} and the {@code timezone} field. Default: the host's zone. */
    public void setTimezone(String timezone) {
        this.zone = Knobs.zone("timezone", timezone);
    }

    public SampleEncoder getEncoder() {
        return encoder;
    }

    /**
     * How the sample is encoded (default: {@link SampleEncoder#defaults()}); the same encoder as
     * {@link SplitMeasurement}'s reuses the sample it already encoded.
     */
    public void setEncoder(SampleEncoder encoder) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
    }

    public String getProtocolId() {
        return protocolId;
    }

    /**
     * The platform protocol id (a UUID from openJII, or {@code questions}) for runs whose exchange carries no
     * {@value IngestHeaders#PROTOCOL_ID} header. Not the device's own {@code protocol_id}: openJII attributes data by
     * this one. Unset or blank: the field is left out.
     */
    public void setProtocolId(String protocolId) {
        this.protocolId = Knobs.blankToNull(protocolId);
    }

    public String getQuestions() {
        return questions;
    }

    /** JSON array for {@code questions}: {@code [{"question_label":..,"question_text":..,"question_answer":..}]}. */
    public void setQuestions(String questions) {
        this.questionsNode = jsonArrayKnob("questions", questions);
        this.questions = Knobs.blankToNull(questions);
    }

    public String getAnnotations() {
        return annotations;
    }

    /** JSON array for {@code annotations}: {@code [{"type":"comment","content":{"text":..}}]}. */
    public void setAnnotations(String annotations) {
        this.annotationsNode = jsonArrayKnob("annotations", annotations);
        this.annotations = Knobs.blankToNull(annotations);
    }

    public String getMacros() {
        return macros;
    }

    /** JSON array for {@code macros}: {@code [{"id":..,"name":..,"filename":..}]}. */
    public void setMacros(String macros) {
        this.macrosNode = jsonArrayKnob("macros", macros);
        this.macros = Knobs.blankToNull(macros);
    }

    public String getFields() {
        return fields;
    }

    /**
     * Extra top-level fields for every message, as a JSON object, e.g. {@code {"site":"greenhouse-2"}} (openJII keeps
     * unknown fields: its schema allows additional properties). Fields the message builds itself, and
     * {@code topic}/{@code client_id} (the cloud rule adds them), are refused.
     */
    public void setFields(String fields) {
        ObjectNode node = null;
        if (Knobs.blankToNull(fields) != null) {
            JsonNode parsed;
            try {
                parsed = DeviceJson.mapper()
                        .reader()
                        .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                        .readTree(fields);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("fields must be a JSON object, but is not valid JSON: "
                        + e.getOriginalMessage(), e);
            }
            if (!(parsed instanceof ObjectNode object)) {
                throw new IllegalArgumentException("fields must be a JSON object, e.g. {\"site\":\"greenhouse-2\"}");
            }
            for (String name : (Iterable<String>) object::fieldNames) {
                if (RESERVED.contains(name)) {
                    throw new IllegalArgumentException("fields may not set '" + name + "': the message builds it"
                            + " (or the cloud adds it)");
                }
            }
            node = object;
        }
        this.fieldsNode = node;
        this.fields = Knobs.blankToNull(fields);
    }

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        MeasurementPart part = body instanceof Measurement measurement ? MeasurementPart.whole(measurement)
                : in.getMandatoryBody(MeasurementPart.class);
        String headerProtocolId = Knobs.blankToNull(in.getHeader(IngestHeaders.PROTOCOL_ID, String.class));
        JsonNode headerQuestions = in.getHeader(IngestHeaders.QUESTIONS, JsonNode.class);
        String workbookRunId = Knobs.blankToNull(in.getHeader(IngestHeaders.WORKBOOK_RUN_ID, String.class));
        ObjectNode message = build(part, headerProtocolId != null ? headerProtocolId : protocolId, workbookRunId,
                headerQuestions != null ? headerQuestions : questionsNode);
        in.setBody(message);
        in.setHeader(IngestHeaders.MESSAGE_ID, messageId(exchange));
        in.setHeader(IngestHeaders.RUN_ID, part.measurement().runId());
        setOrRemove(in, IngestHeaders.DEVICE_ID, message.get("device_id"));
        setOrRemove(in, IngestHeaders.DEVICE_VERSION, message.get("device_version"));
    }

    /**
     * A new random id, or with {@value IngestHeaders#MESSAGE_ID_SEED} a name-based (version 3) UUID of the seed and the
     * message's index in the split, the same each time the same input is ingested the same way.
     */
    private static String messageId(Exchange exchange) {
        String seed = exchange.getMessage().getHeader(IngestHeaders.MESSAGE_ID_SEED, String.class);
        if (seed == null) {
            return UUID.randomUUID().toString();
        }
        Integer index = exchange.getProperty(Exchange.SPLIT_INDEX, Integer.class);
        return UUID.nameUUIDFromBytes((seed + "#" + (index == null ? 0 : index)).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    /** The message for a part, without Camel; reuses the part's encoded sample when it was made the same way. */
    public ObjectNode build(MeasurementPart part, String protocolId) {
        return build(part, protocolId, null, questionsNode);
    }

    private ObjectNode build(MeasurementPart part, String protocolId, String workbookRunId, JsonNode questions) {
        EncodedSample sample = part.encoded();
        if (sample == null || !encoder.equals(sample.encoder())) {
            sample = encoder.encode(part.samples());
        }
        ObjectNode message = IngestMessage.build(part, sample, zone, protocolId, workbookRunId, questions,
                annotationsNode, macrosNode);
        if (fieldsNode != null) {
            message.setAll(fieldsNode.deepCopy());
        }
        return message;
    }

    private static void setOrRemove(Message in, String header, JsonNode value) {
        if (value == null) {
            in.removeHeader(header);
        } else {
            in.setHeader(header, value.asText());
        }
    }

    /** Parses a knob holding a JSON array of objects; blank means unset. Fails at configuration time, naming it. */
    private static JsonNode jsonArrayKnob(String knob, String json) {
        if (Knobs.blankToNull(json) == null) {
            return null;
        }
        JsonNode node;
        try {
            node = DeviceJson.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(knob + " must be a JSON array of objects, but is not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(knob + " must be a JSON array of objects, was a JSON "
                    + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isObject()) {
                throw new IllegalArgumentException(knob + " must be a JSON array of objects; element " + i
                        + " is not an object");
            }
        }
        return node;
    }
}
