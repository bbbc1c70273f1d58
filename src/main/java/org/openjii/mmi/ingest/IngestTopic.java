package org.openjii.mmi.ingest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Chooses the data topic of an ingest message and sets it in {@value IngestHeaders#TOPIC}, where the {@code iot:}
 * producer reads it (one endpoint, a topic per message). The body is not changed. With the header
 * {@value IngestHeaders#TOPIC_PREFIX} (openJII's onboarding plan) the topic is {@code {topicPrefix}/{sensorVersion}/
 * {sensorId}}; otherwise the template's.
 * <p>
 * Placeholders of {@code template}:
 * <ul>
 * <li>{@code {experimentId}}: header {@value IngestHeaders#EXPERIMENT_ID}, else the {@code experimentId} knob;</li>
 * <li>{@code {sensorVersion}}: the device version without a leading {@code v}/{@code V} (openJII's convention);</li>
 * <li>{@code {sensorId}}: the {@code sensorId} knob, else the device id;</li>
 * <li>{@code {deviceId}}: the device id, for templates such as {@code .../multispeq_{deviceId}}.</li>
 * </ul>
 * Device id and version come from the headers {@value IngestHeaders#DEVICE_ID} and
 * {@value IngestHeaders#DEVICE_VERSION} ({@link EnrichMeasurement} sets them), else from the body's
 * {@code device_id}/{@code device_version}. Every value is checked ({@link TopicTemplate}): a device that prints
 * {@code a/b/#} as its id gets an {@link InvalidTopicException}, never a topic.
 */
public class IngestTopic implements Processor {

    /** openJII's lean ingest topic, 7 levels: the IoT rules match exactly this depth (or 8, the legacy shape). */
    public static final String DEFAULT_TEMPLATE = "experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}"
            + "/{sensorId}";

    private static final List<String> PLACEHOLDERS = List.of("experimentId", "sensorVersion", "sensorId",
            "deviceId");

    private TopicTemplate template = TopicTemplate.parse(DEFAULT_TEMPLATE);
    private String experimentId;
    private String sensorId;

    public String getTemplate() {
        return template.toString();
    }

    /**
     * The topic, with placeholders {@code {experimentId}}, {@code {sensorVersion}}, {@code {sensorId}},
     * {@code {deviceId}}.
     */
    public void setTemplate(String template) {
        this.template = TopicTemplate.parse(template).requireKnown("template", PLACEHOLDERS);
    }

    public String getExperimentId() {
        return experimentId;
    }

    /** The openJII experiment id, for exchanges without the {@value IngestHeaders#EXPERIMENT_ID} header. */
    public void setExperimentId(String experimentId) {
        this.experimentId = checkedKnob("experimentId", experimentId);
    }

    public String getSensorId() {
        return sensorId;
    }

    /** The sensor id in the topic instead of the device id, e.g. the AWS Thing name. Unset: the device id. */
    public void setSensorId(String sensorId) {
        this.sensorId = checkedKnob("sensorId", sensorId);
    }

    @Override
    public void process(Exchange exchange) throws InvalidTopicException {
        Message in = exchange.getMessage();
        String topic = topic(in);
        in.setHeader(IngestHeaders.TOPIC, topic);
    }

    private String topic(Message in) throws InvalidTopicException {
        JsonNode body = in.getBody() instanceof JsonNode node ? node : null;
        String deviceId = value(in, IngestHeaders.DEVICE_ID, body, "device_id");
        String deviceVersion = value(in, IngestHeaders.DEVICE_VERSION, body, "device_version");
        String topicPrefix = Knobs.blankToNull(in.getHeader(IngestHeaders.TOPIC_PREFIX, String.class));
        if (topicPrefix != null) {
            // The prefix's own levels were checked when its onboarding file was read.
            String version = sensorVersion(deviceVersion);
            String sensor = sensorId != null ? sensorId : deviceId;
            TopicTemplate.checkValue("sensorVersion", version);
            TopicTemplate.checkValue("sensorId", sensor);
            String topic = topicPrefix + "/" + version + "/" + sensor;
            String problem = TopicTemplate.topicProblem(topic);
            if (problem != null) {
                throw new InvalidTopicException("topic", topic, "Topic " + TopicTemplate.show(topic) + " " + problem);
            }
            return topic;
        }
        String headerExperiment = Knobs.blankToNull(in.getHeader(IngestHeaders.EXPERIMENT_ID,
                String.class));
        Map<String, String> values = new HashMap<>();
        values.put("experimentId", headerExperiment != null ? headerExperiment : experimentId);
        values.put("sensorVersion", sensorVersion(deviceVersion));
        values.put("sensorId", sensorId != null ? sensorId : deviceId);
        values.put("deviceId", deviceId);
        return template.render(values);
    }

    private static String value(Message in, String header, JsonNode body, String field) {
        String value = in.getHeader(header, String.class);
        if (value == null && body != null) {
            value = IngestMessage.text(body.get(field));
        }
        return value;
    }

    /** openJII names versions without the {@code v}: {@code 2}, {@code 2.1}. */
    static String sensorVersion(String deviceVersion) {
        if (deviceVersion == null) {
            return null;
        }
        String version = deviceVersion.trim();
        return version.startsWith("v") || version.startsWith("V") ? version.substring(1) : version;
    }

    private static String checkedKnob(String knob, String value) {
        String trimmed = Knobs.blankToNull(value);
        if (trimmed != null) {
            try {
                TopicTemplate.checkValue(knob, trimmed);
            } catch (InvalidTopicException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return trimmed;
    }
}
