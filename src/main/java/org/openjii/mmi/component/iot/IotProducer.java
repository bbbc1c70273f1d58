package org.openjii.mmi.component.iot;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.DefaultProducer;
import org.openjii.mmi.delivery.OutboxEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the message in its identity's outbox and returns once it is on disk; the identity's publisher sends it and
 * deletes it after its PUBACK. In log mode it prints the message instead. The body (text or bytes) is the payload;
 * {@value IotConstants#TOPIC} (else the endpoint's {@code topic}) the topic.
 */
public class IotProducer extends DefaultProducer {

    private static final Logger PUBLISHED = LoggerFactory.getLogger("mmi.publish");

    public IotProducer(IotEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public IotEndpoint getEndpoint() {
        return (IotEndpoint) super.getEndpoint();
    }

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        IotEndpoint endpoint = getEndpoint();
        Message in = exchange.getMessage();
        String name = in.getHeader(IotConstants.IDENTITY, endpoint.getConfiguration().getIdentity(), String.class);
        IotIdentity identity = endpoint.getComponent().identity(name);
        String topic = in.getHeader(IotConstants.TOPIC, String.class);
        if (topic == null || topic.isBlank()) {
            topic = identity.render(endpoint.getConfiguration().getTopic());
        }
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("No topic for iot:" + endpoint.getChannel() + ": set the "
                    + IotConstants.TOPIC + " header (the ingest route's topic step does) or the endpoint's topic"
                    + " option");
        }
        String messageId = in.getHeader(IotConstants.MESSAGE_ID, String.class);
        if (messageId == null) {
            messageId = UUID.randomUUID().toString();
            in.setHeader(IotConstants.MESSAGE_ID, messageId);
        }
        IdempotentRepository stored = exchange.getProperty(IotConstants.STORED_MESSAGE_IDS,
                IdempotentRepository.class);
        if (stored != null && stored.contains(messageId)) {
            // A resumed backfill: the interrupted run stored this one already.
            return;
        }
        Object body = in.getBody();
        byte[] payload = body instanceof byte[] bytes ? bytes
                : body instanceof String text ? text.getBytes(StandardCharsets.UTF_8)
                        : in.getMandatoryBody(String.class).getBytes(StandardCharsets.UTF_8);
        if (identity.logOnly()) {
            PUBLISHED.info("{} ({} bytes, message {})", topic, payload.length, messageId);
        } else {
            identity.delivery()
                    .store(messageId, topic, payload, endpoint.kind().outboxKind(),
                            in.getHeader(IotConstants.ORIGIN_TIME, Instant.class),
                            in.getHeader(IotConstants.RAW_INPUT, byte[].class),
                            // Only a response echoes a request's correlation data.
                            endpoint.kind() == IotChannel.RESPONSE
                                    ? in.getHeader(IotConstants.CORRELATION_DATA, byte[].class)
                                    : null);
        }
        if (endpoint.kind().outboxKind() == OutboxEntry.Kind.DATA) {
            collect(exchange, messageId, topic);
        }
        if (stored != null) {
            stored.add(messageId);
        }
    }

    @SuppressWarnings("unchecked")
    private static void collect(Exchange exchange, String messageId, String topic) {
        List<Object> ids = exchange.getProperty(IotConstants.COLLECTED_MESSAGE_IDS, List.class);
        if (ids != null) {
            ids.add(messageId);
        }
        Map<Object, Object> topics = exchange.getProperty(IotConstants.COLLECTED_TOPICS, Map.class);
        if (topics != null) {
            topics.put(messageId, topic);
        }
    }
}
