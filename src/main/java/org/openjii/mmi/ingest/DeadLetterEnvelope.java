package org.openjii.mmi.ingest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.DefaultExchange;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.PublishRefusedException;
import org.openjii.mmi.device.DeviceJson;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;
import org.openjii.mmi.observe.Observability;
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
 * <p>
 * Over 400 lines until the dead letter of a refused message moves to {@code component.iot} (docs/architecture.md).
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
            reason = reason(failure);
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

    /**
     * The dead letter that takes the place of a data message the broker refused, {@code raw} being the refused
     * payload. Refused for its size (or by a closed connection), the payload would be refused in a dead letter too:
     * {@code raw} is then left out, and the envelope says where the intact copy is ({@code raw_quarantined},
     * {@code raw_bytes}).
     */
    public Outbox.DeadLetter forRefusedMessage(CamelContext context, OutboxEntry refused,
            PublishRefusedException refusal) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, "outbox-publisher");
        exchange.setException(refusal);
        Message in = exchange.getMessage();
        in.setBody(refusal.payloadIsTheProblem() ? null : refused.payload());
        in.setHeader(IngestHeaders.TOPIC, refused.topic());
        process(exchange);
        return new Outbox.DeadLetter(in.getHeader(IngestHeaders.MESSAGE_ID, String.class),
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
        byte[] cut = limit == null ? putRaw(envelope, exchange, in.getBody())
                : putRawPrefix(envelope, exchange, in.getBody(), limit);
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

    /** The dead-letter reason of a failure (see the class description). */
    public static String reason(Throwable failure) {
        ReasonCoded coded = ReasonCoded.find(failure);
        return (coded != null ? coded.reason() : FailureReason.INTERNAL_ERROR).code();
    }

    /** The cause chain, each throwable once (a cycle ends it). */
    private static List<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
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
        Measurement measurement = measurement(in.getBody());
        if (id == null && measurement != null) {
            id = IngestMessage.text(measurement.output().get("device_id"));
        }
        return id;
    }

    private static Measurement measurement(Object body) {
        if (body instanceof Measurement measurement) {
            return measurement;
        }
        if (body instanceof MeasurementPart part) {
            return part.measurement();
        }
        if (body instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Measurement measurement) {
            return measurement;
        }
        return null;
    }

    /** Puts {@code raw}; returns the complete input when only its start fits, else {@code null}. */
    private byte[] putRaw(ObjectNode envelope, Exchange exchange, Object body) {
        Measurement measurement = measurement(body);
        String text = null;
        byte[] bytes = null;
        if (body == null) {
            envelope.putNull("raw");
            return null;
        } else if (measurement != null) {
            text = measurement.rawText();
        } else if (body instanceof String s) {
            text = s;
        } else if (body instanceof byte[] b) {
            text = utf8(b);
            bytes = b;
        } else if (body instanceof JsonNode node) {
            text = DeviceJson.write(node);
        } else {
            text = exchange.getContext().getTypeConverter().tryConvertTo(String.class, exchange, body);
            if (text == null) {
                text = String.valueOf(body);
            }
        }
        if (text != null) {
            envelope.put("raw", text);
            if (IngestMessage.utf8Length(DeviceJson.write(envelope)) <= maxPayloadBytes) {
                return null;
            }
            bytes = text.getBytes(StandardCharsets.UTF_8);
        } else {
            envelope.put("raw", Base64.getEncoder().encodeToString(bytes));
            envelope.put("raw_encoding", "base64");
            if (IngestMessage.utf8Length(DeviceJson.write(envelope)) <= maxPayloadBytes) {
                return null;
            }
        }
        return shrinkRaw(envelope, bytes) ? bytes : null;
    }

    /**
     * Puts at most {@code limit} bytes of the input as {@code raw} ({@value IngestHeaders#RAW_LIMIT}); a longer input
     * is cut at a character boundary and marked {@code raw_truncated} with its size in {@code raw_bytes}, and the rest
     * is not kept anywhere.
     *
     * @return {@code null}: nothing is kept beyond the envelope
     */
    private byte[] putRawPrefix(ObjectNode envelope, Exchange exchange, Object body, int limit) {
        byte[] bytes = body instanceof byte[] b ? b : null;
        if (bytes == null) {
            Measurement measurement = measurement(body);
            String text = measurement != null ? measurement.rawText()
                    : body instanceof String s ? s
                            : body == null ? null
                                    : exchange.getContext()
                                            .getTypeConverter()
                                            .tryConvertTo(String.class, exchange,
                                                    body);
            bytes = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes == null || bytes.length <= limit) {
            putRaw(envelope, exchange, bytes);
            return null;
        }
        int length = Math.max(0, limit);
        while (length > 0 && (bytes[length] & 0xC0) == 0x80) {
            // Not inside a UTF-8 character: back to where one starts.
            length--;
        }
        byte[] prefix = Arrays.copyOf(bytes, length);
        String text = utf8(prefix);
        if (text != null) {
            envelope.put("raw", text);
        } else {
            envelope.put("raw", Base64.getEncoder().encodeToString(prefix));
            envelope.put("raw_encoding", "base64");
        }
        envelope.put("raw_truncated", true);
        envelope.put("raw_bytes", bytes.length);
        return null;
    }

    /**
     * The raw input did not fit: gzip+base64 it, and if even that is too large, send the longest prefix that fits,
     * marked {@code raw_truncated} with the full size in {@code raw_bytes}; true when it had to be cut.
     */
    private boolean shrinkRaw(ObjectNode envelope, byte[] bytes) {
        int length = bytes.length;
        while (true) {
            envelope.put("raw", Base64.getEncoder().encodeToString(SampleEncoder.gzip(bytes, 0, length, 6)));
            envelope.put("raw_encoding", SampleEncoder.GZIP_BASE64);
            if (length < bytes.length) {
                envelope.put("raw_truncated", true);
                envelope.put("raw_bytes", bytes.length);
            }
            int size = IngestMessage.utf8Length(DeviceJson.write(envelope));
            if (size <= maxPayloadBytes || length == 0) {
                break;
            }
            length = (int) (length * (0.9 * maxPayloadBytes / size));
        }
        if (length < bytes.length) {
            LOG.warn("Dead letter input of {} bytes cut to its first {} to fit {} bytes; the outbox keeps all of it",
                    bytes.length, length, maxPayloadBytes);
            return true;
        }
        return false;
    }

    /** The bytes as text when they are valid UTF-8, else {@code null}. */
    private static String utf8(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
