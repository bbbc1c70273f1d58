package org.openjii.mmi.routes;

import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.observe.Observability;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Plumbing a route editor should not need to touch: {@code direct:publish}, where every message (data and dead
 * letters) leaves the routes, and {@code direct:dead-letter}, which wraps a failed exchange into an envelope and
 * publishes it under the dead-letter prefix.
 * <p>
 * {@code direct:publish} stores the message in the durable outbox ({@link Delivery}); when the route step returns,
 * the message is on disk, and the outbox publisher sends it over the process's one MQTT connection.
 * {@code mmi.mqtt.broker-url=log} logs what would be published instead (no outbox, no broker). With the default,
 * {@code embedded}, the outbox publishes to a broker in the process, which shows what it receives.
 */
public class PublishRoutes extends RouteBuilder {

    /**
     * Exchange property: a list the ids of data messages are added to as they are published. The command route sets
     * it before handing a requested run to the ingest route; the split copies it (the same list) to every message.
     */
    public static final String COLLECT_MESSAGE_IDS = "MmiCollectMessageIds";

    /**
     * Exchange property: like {@link #COLLECT_MESSAGE_IDS}, a map that gets each data message's id → its topic
     * ({@code mmi shell}'s publish prints both).
     */
    public static final String COLLECT_MESSAGE_TOPICS = "MmiCollectMessageTopics";

    /**
     * Exchange property: an {@link IdempotentRepository} of message ids already stored by an earlier, interrupted run
     * of the same input (a backfill). A message whose id it holds is not stored again; one that is stored is added to
     * it once it is on disk. The split copies it to every message.
     */
    public static final String STORED_MESSAGE_IDS = "MmiStoredMessageIds";

    @Override
    public void configure() {
        PropertiesComponent properties = getContext().getPropertiesComponent();
        String broker = properties.resolveProperty("mmi.mqtt.broker-url").orElse("log");

        var publish = from("direct:publish").routeId("mqtt-publish")
                // A resumed backfill: what the interrupted run already stored is not stored twice.
                .filter(PublishRoutes::notStoredBefore)
                // A protocol run requested over MQTT answers with the ids of the data messages it became.
                .process(PublishRoutes::collectMessageId);
        if ("log".equals(broker)) {
            publish.log(LoggingLevel.INFO, "mmi.publish",
                    "${header." + IngestHeaders.TOPIC + "} (${body.length()} bytes, message ${header."
                            + IngestHeaders.MESSAGE_ID + "})");
        } else {
            publish.to("bean:" + Delivery.BEAN_NAME + "?method=append");
        }
        publish.process(PublishRoutes::rememberStored);

        DeadLetterEnvelope envelope = DeadLetterEnvelope.fromProperties(properties);
        MeterRegistry meters = Observability.meterRegistry(getContext());
        from("direct:dead-letter").routeId("dead-letter")
                .process(envelope)
                // mmi_dead_letters_total{reason}: counted as made (also when the outbox then refuses it).
                .process(exchange -> Observability.deadLetters(meters,
                        exchange.getMessage().getHeader(IngestHeaders.DEAD_LETTER_REASON, String.class)).increment())
                .setHeader(Delivery.DEAD_LETTER_HEADER, constant(true))
                .log(LoggingLevel.WARN, "mmi.dead-letter", "Dead letter ${header." + IngestHeaders.TOPIC + "}: "
                        + "${exception.message}")
                .to("direct:publish");
    }

    private static boolean notStoredBefore(Exchange exchange) {
        IdempotentRepository stored = exchange.getProperty(STORED_MESSAGE_IDS, IdempotentRepository.class);
        return stored == null || !stored.contains(exchange.getMessage()
                .getHeader(IngestHeaders.MESSAGE_ID,
                        String.class));
    }

    private static void rememberStored(Exchange exchange) {
        IdempotentRepository stored = exchange.getProperty(STORED_MESSAGE_IDS, IdempotentRepository.class);
        String id = exchange.getMessage().getHeader(IngestHeaders.MESSAGE_ID, String.class);
        if (stored != null && id != null) {
            stored.add(id);
        }
    }

    private static void collectMessageId(Exchange exchange) {
        Message in = exchange.getMessage();
        if (Boolean.TRUE.equals(in.getHeader(Delivery.DEAD_LETTER_HEADER, Boolean.class))
                || Boolean.TRUE.equals(in.getHeader(Delivery.RESPONSE_HEADER, Boolean.class))) {
            return;
        }
        String id = in.getHeader(IngestHeaders.MESSAGE_ID, String.class);
        List<Object> ids = exchange.getProperty(COLLECT_MESSAGE_IDS, List.class);
        if (ids != null) {
            ids.add(id);
        }
        Map<Object, Object> topics = exchange.getProperty(COLLECT_MESSAGE_TOPICS, Map.class);
        if (topics != null) {
            topics.put(id, in.getHeader(IngestHeaders.TOPIC, String.class));
        }
    }
}
