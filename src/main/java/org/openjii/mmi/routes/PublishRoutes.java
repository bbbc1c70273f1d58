package org.openjii.mmi.routes;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.ingest.IngestHeaders;

/**
 * Plumbing a route editor should not need to touch: {@code direct:publish}, where every message (data and dead
 * letters) leaves the routes, and {@code direct:dead-letter}, which wraps a failed exchange into an envelope and
 * publishes it under the dead-letter prefix.
 * <p>
 * {@code direct:publish} stores the message in the durable outbox ({@link Delivery}); when the route step returns,
 * the message is on disk, and the outbox publisher sends it over the process's one MQTT connection.
 * {@code mmi.mqtt.broker-url=log} (the default until a broker is configured) logs what would be published instead.
 */
public class PublishRoutes extends RouteBuilder {

    @Override
    public void configure() {
        PropertiesComponent properties = getContext().getPropertiesComponent();
        String broker = properties.resolveProperty("mmi.mqtt.broker-url").orElse("log");

        var publish = from("direct:publish").routeId("mqtt-publish");
        if ("log".equals(broker)) {
            publish.log(LoggingLevel.INFO, "mmi.publish",
                    "${header." + IngestHeaders.TOPIC + "} (${body.length()} bytes, message ${header."
                            + IngestHeaders.MESSAGE_ID + "})");
        } else {
            publish.to("bean:" + Delivery.BEAN_NAME + "?method=append");
        }

        DeadLetterEnvelope envelope = DeadLetterEnvelope.fromProperties(properties);
        from("direct:dead-letter").routeId("dead-letter")
                .process(envelope)
                .setHeader(Delivery.DEAD_LETTER_HEADER, constant(true))
                .log(LoggingLevel.WARN, "mmi.dead-letter", "Dead letter ${header." + IngestHeaders.TOPIC + "}: "
                        + "${exception.message}")
                .to("direct:publish");
    }
}
