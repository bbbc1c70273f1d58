package org.openjii.mmi.routes;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.PropertiesComponent;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.openjii.mmi.MmiVersion;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.ingest.IngestHeaders;

/**
 * Plumbing a route editor should not need to touch: {@code direct:publish}, the single MQTT producer every message
 * leaves through (one Paho client per process: a second one with the same client id would take the session over),
 * and {@code direct:dead-letter}, which wraps a failed exchange into an envelope and publishes it under the
 * dead-letter prefix.
 * <p>
 * {@code mmi.mqtt.broker-url=log} (the default until a broker is configured) logs what would be published instead.
 */
public class PublishRoutes extends RouteBuilder {

    /** The header camel-paho-mqtt5 reads MQTT 5 properties from. */
    static final String PAHO_PROPERTIES = "CamelPahoMqtt5MsgProperties";

    @Override
    public void configure() {
        PropertiesComponent properties = getContext().getPropertiesComponent();
        String broker = properties.resolveProperty("mmi.mqtt.broker-url").orElse("log");

        var publish = from("direct:publish").routeId("mqtt-publish").process(this::mqttProperties);
        if ("log".equals(broker)) {
            publish.log(LoggingLevel.INFO, "mmi.publish",
                    "${header." + IngestHeaders.TOPIC + "} (${body.length()} bytes, message ${header."
                            + IngestHeaders.MESSAGE_ID + "})");
        } else {
            // lazyStartProducer: a broker that is down at boot fails messages (dead letters, later the outbox),
            // not the start of the whole process.
            publish.toF("paho-mqtt5:mmi?brokerUrl=RAW(%s)&clientId={{mmi.mqtt.client-id}}&qos=1&lazyStartProducer=true",
                    broker);
        }

        DeadLetterEnvelope envelope = new DeadLetterEnvelope();
        // (resolveProperty, not a {{key:default}} placeholder: the default itself holds braces.)
        envelope.setPrefix(properties.resolveProperty("mmi.mqtt.dlq-topic").orElse(DeadLetterEnvelope.DEFAULT_PREFIX));
        envelope.setClientId(
                properties.resolveProperty("mmi.mqtt.client-id").orElse(DeadLetterEnvelope.DEFAULT_CLIENT_ID));
        properties.resolveProperty("mmi.timezone").filter(z -> !z.isBlank()).ifPresent(envelope::setTimezone);
        from("direct:dead-letter").routeId("dead-letter")
                .process(envelope)
                .log(LoggingLevel.WARN, "mmi.dead-letter", "Dead letter ${header." + IngestHeaders.TOPIC + "}: "
                        + "${exception.message}")
                .to("direct:publish");
    }

    /** The message id, the bridge's version and the content type travel as MQTT 5 properties, not in the payload. */
    private void mqttProperties(Exchange exchange) {
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/json");
        properties.setPayloadFormat(true);
        String messageId = exchange.getIn().getHeader(IngestHeaders.MESSAGE_ID, String.class);
        properties.setUserProperties(messageId == null
                ? List.of(new UserProperty("mmi-version", MmiVersion.get()))
                : List.of(new UserProperty("message-id", messageId),
                        new UserProperty("mmi-version", MmiVersion.get())));
        exchange.getIn().setHeader(PAHO_PROPERTIES, properties);
    }
}
