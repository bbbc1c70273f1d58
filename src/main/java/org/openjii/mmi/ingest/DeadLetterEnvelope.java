package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.DefaultExchange;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Wraps a failed exchange into a dead letter for the dead-letter route: the body becomes the envelope, a JSON tree (the
 * route's {@code marshal: json} step makes the text), and {@value IngestHeaders#TOPIC} becomes
 * {@code {prefix}/{reason}}, e.g. {@code mmi/dlq/mmi/device-error}.
 * <p>
 * Envelope: {@code reason}, {@code error} (what went wrong), {@code route_id}, {@code received_at} (ISO-8601 with
 * offset: when the device output arrived, else when the exchange was created), {@code device_id}, {@code port},
 * {@code message_id} (new UUID, also in {@value IngestHeaders#MESSAGE_ID}), {@code topic} (the data topic the message
 * would have gone to, when it was chosen), {@code raw} (the input) and, when {@code raw} is not the input's UTF-8 text,
 * {@code raw_encoding} ({@code base64}, or {@code gzip+base64} when the text was too large for one message), and the
 * failure's own {@link ReasonCoded#details()} (e.g. {@code mqtt_reason_code} of a refused publish).
 * <p>
 * The reason is the {@link ReasonCoded#reason()} of the first cause that has one, else
 * {@link FailureReason#INTERNAL_ERROR}.
 * <p>
 * Use it with {@code useOriginalBody}, not {@code useOriginalMessage}: the latter also restores the original
 * <em>headers</em>, so the chosen data topic and device id would be lost. Inside a split the original body is the
 * {@link MeasurementPart}; its {@link Measurement#rawText()} becomes {@code raw}.
 * <p>
 * Counts every dead letter it makes ({@code mmi_dead_letters_total{reason}}).
 * <p>
 * Never throws: a dead letter must always be producible. Its topic does not contain the device id, so a hostile id
 * cannot break it.
 */
public class DeadLetterEnvelope implements Processor {

    public static final String DEFAULT_PREFIX = "mmi/dlq/{clientId}";
    public static final String DEFAULT_CLIENT_ID = "mmi";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterEnvelope.class);
    private static final List<String> PLACEHOLDERS = List.of("clientId", "reason");

    private String prefix = DEFAULT_PREFIX;
    private String clientId = DEFAULT_CLIENT_ID;
    private TopicTemplate topic = topicTemplate(DEFAULT_PREFIX, DEFAULT_CLIENT_ID);
    private ZoneId zone = ZoneId.systemDefault();
    private int maxPayloadBytes = SplitMeasurement.DEFAULT_MAX_PAYLOAD_BYTES;
    private Clock clock = Clock.systemUTC();

    /**
     * An envelope configured from {@code mmi.mqtt.dlq-topic}, {@code mmi.mqtt.client-id} and {@code mmi.timezone},
     * as the dead-letter route and the publisher (for refused messages) both use it.
     */
    public static DeadLetterEnvelope fromProperties(PropertiesComponent properties) {
        DeadLetterEnvelope envelope = new DeadLetterEnvelope();
        // (resolveProperty, not a {{key:default}} placeholder: the default itself holds braces.)
        envelope.setPrefix(properties.resolveProperty("mmi.mqtt.dlq-topic").orElse(DEFAULT_PREFIX));
        envelope.setClientId(properties.resolveProperty("mmi.mqtt.client-id").orElse(DEFAULT_CLIENT_ID));
        properties.resolveProperty("mmi.timezone").filter(z -> !z.isBlank()).ifPresent(envelope::setTimezone);
        return envelope;
    }

    public String getPrefix() {
        return prefix;
    }

    /**
     * Topic prefix; the reason is appended as one more level. May use {@code {clientId}}. Default
     * {@value #DEFAULT_PREFIX}. With the reason it must stay within 7 slashes, and the broker policy must allow it.
     */
    public void setPrefix(String prefix) {
        this.topic = topicTemplate(prefix, clientId);
        this.prefix = prefix;
    }

    public String getClientId() {
        return clientId;
    }

    /**
     * The MQTT client id (AWS Thing name) for {@code {clientId}} in the prefix. Default {@value #DEFAULT_CLIENT_ID}.
     */
    public void setClientId(String clientId) {
        this.topic = topicTemplate(prefix, clientId);
        this.clientId = clientId;
    }

    public String getTimezone() {
        return zone.getId();
    }

    /** IANA time zone of {@code received_at}. Default: the host's zone. */
    public void setTimezone(String timezone) {
        this.zone = Knobs.zone("timezone", timezone);
    }

    public int getMaxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * Largest envelope in bytes (default 131072). Larger raw input is sent gzip+base64, and cut (with
     * {@code raw_truncated} and {@code raw_bytes}) if even that does not fit; the complete input then travels in the
     * header {@value IngestHeaders#RAW_INPUT}, and the outbox keeps it.
     */
    public void setMaxPayloadBytes(int maxPayloadBytes) {
        if (maxPayloadBytes < 4096) {
            throw new IllegalArgumentException("maxPayloadBytes must be at least 4096, was " + maxPayloadBytes);
        }
        this.maxPayloadBytes = maxPayloadBytes;
    }

    public Clock getClock() {
        return clock;
    }

    /** Where "now" comes from when the exchange has no creation time (tests set it). */
    public void setClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The template, refused unless every reason makes a valid topic with it. */
    private static TopicTemplate topicTemplate(String prefix, String clientId) {
        TopicTemplate template = TopicTemplate.parse(Objects.requireNonNull(prefix, "prefix") + "/{reason}")
                .requireKnown("prefix", PLACEHOLDERS);
        Objects.requireNonNull(clientId, "clientId");
        try {
            for (FailureReason reason : FailureReason.values()) {
                template.render(Map.of("clientId", clientId, "reason", reason.code()));
            }
        } catch (InvalidTopicException e) {
            throw new IllegalArgumentException("Dead-letter topic: " + e.getMessage(), e);
        }
        return template;
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getMessage();
        String messageId = UUID.randomUUID().toString();
        Throwable failure = null;
        String reason = FailureReason.INTERNAL_ERROR.code();
        ObjectNode body;
        try {
            failure = failure(exchange);
            reason = ReasonCoded.reasonOf(failure).code();
            body = envelope(exchange, in, failure, reason, messageId);
        } catch (RuntimeException e) {
            LOG.warn("Dead letter for exchange {} reduced to its reason, the envelope failed: {}",
                    exchange.getExchangeId(), safeDescribe(e));
            ObjectNode minimal = DeviceJson.mapper().createObjectNode();
            minimal.put("reason", reason);
            minimal.put("error", safeDescribe(failure));
            minimal.put("envelope_error", safeDescribe(e));
            minimal.put("message_id", messageId);
            body = minimal;
        }
        String dlqTopic = dlqTopic(reason);
        in.setBody(body);
        in.setHeader(IngestHeaders.MESSAGE_ID, messageId);
        in.setHeader(IngestHeaders.TOPIC, dlqTopic);
        in.setHeader(IngestHeaders.DEAD_LETTER_REASON, reason);
        in.setHeader(Exchange.CONTENT_TYPE, SerializePayload.CONTENT_TYPE);
        // mmi_dead_letters_total{reason}: every dead letter made, also one the outbox then refuses.
        Observability.deadLetters(Observability.meterRegistry(exchange.getContext()),
                reason).increment();
    }

    /** A finished dead letter: its message id, its topic and the envelope as JSON text. */
    public record Letter(String messageId, String topic, byte[] json) {
    }

    /**
     * The dead letter that takes the place of a data message the broker refused. {@code raw} is the refused payload,
     * or left out ({@code null}) when the payload itself was the problem: refused for its size, it would be refused
     * in a dead letter too, and the outbox keeps the intact copy.
     */
    public Letter forRefusal(CamelContext context, String topic, byte[] payload, Throwable refusal) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, "outbox-publisher");
        exchange.setException(refusal);
        Message in = exchange.getMessage();
        in.setBody(payload);
        in.setHeader(IngestHeaders.TOPIC, topic);
        process(exchange);
        return new Letter(in.getHeader(IngestHeaders.MESSAGE_ID, String.class),
                in.getHeader(IngestHeaders.TOPIC, String.class),
                DeviceJson.write(in.getBody(JsonNode.class)).getBytes(StandardCharsets.UTF_8));
    }

    private ObjectNode envelope(Exchange exchange, Message in, Throwable failure, String reason, String messageId) {
        ObjectNode envelope = DeviceJson.mapper().createObjectNode();
        envelope.put("reason", reason);
        envelope.put("error", describe(failure));
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class);
        envelope.put("route_id", routeId != null ? routeId : exchange.getFromRouteId());
        envelope.put("received_at", IngestMessage.timestamp(receivedAt(exchange, in), zone));
        envelope.put("device_id", deviceId(in));
        envelope.put("port", in.getHeader(MultispeqConstants.PORT, String.class));
        envelope.put("message_id", messageId);
        envelope.put("topic", in.getHeader(IngestHeaders.TOPIC, String.class));
        putDetails(envelope, ReasonCoded.find(failure));
        Integer limit = in.getHeader(IngestHeaders.RAW_LIMIT, Integer.class);
        DeadLetterRaw raw = new DeadLetterRaw(maxPayloadBytes);
        byte[] cut = limit == null ? raw.put(envelope, exchange, in.getBody())
                : raw.putPrefix(envelope, exchange, in.getBody(), limit);
        if (cut != null) {
            in.setHeader(IngestHeaders.RAW_INPUT, cut);
        } else {
            in.removeHeader(IngestHeaders.RAW_INPUT);
        }
        return envelope;
    }

    /** The failure's own facts ({@link ReasonCoded#details()}), never overwriting a field the envelope sets. */
    private static void putDetails(ObjectNode envelope, ReasonCoded coded) {
        if (coded == null) {
            return;
        }
        coded.details().forEach((field, value) -> {
            if (!envelope.has(field) && !"raw".equals(field)) {
                envelope.set(field, DeviceJson.mapper().valueToTree(value));
            }
        });
    }

    /**
     * The exception an exchange failed with: the error handler moves it to a property; a plain call leaves it on the
     * exchange.
     */
    public static Throwable failure(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return caught != null ? caught : exchange.getException();
    }

    /** The message of the cause that gave the reason, or the failure's type and message. */
    private static String describe(Throwable failure) {
        if (failure == null) {
            return "The exchange failed without an exception";
        }
        Throwable source = ReasonCoded.find(failure) instanceof Throwable coded ? coded : failure;
        String message = source.getMessage();
        return source.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** {@link #describe}, or just the type when the exception cannot even say what it is. */
    private static String safeDescribe(Throwable failure) {
        try {
            return describe(failure);
        } catch (RuntimeException e) {
            return failure.getClass().getName();
        }
    }

    private String dlqTopic(String reason) {
        try {
            return topic.render(Map.of("clientId", clientId, "reason", reason));
        } catch (InvalidTopicException impossible) {
            // Every reason was rendered when the prefix and client id were set.
            throw new IllegalStateException(impossible);
        }
    }

    private Instant receivedAt(Exchange exchange, Message in) {
        Instant lastByteAt = ParseMeasurement.instant(in.getHeader(MultispeqConstants.LAST_BYTE_AT));
        if (lastByteAt != null) {
            return lastByteAt;
        }
        long created = exchange.getClock().getCreated();
        return created > 0 ? Instant.ofEpochMilli(created) : clock.instant();
    }

    private static String deviceId(Message in) {
        String id = in.getHeader(IngestHeaders.DEVICE_ID, String.class);
        if (id == null) {
            id = in.getHeader(MultispeqConstants.DEVICE_ID, String.class);
        }
        Measurement measurement = DeadLetterRaw.measurement(in.getBody());
        if (id == null && measurement != null) {
            id = IngestMessage.text(measurement.output().get("device_id"));
        }
        return id;
    }
}
