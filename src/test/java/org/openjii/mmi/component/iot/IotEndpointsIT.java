package org.openjii.mmi.component.iot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.FlowControl;
import org.openjii.mmi.delivery.MqttConnection;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxBudget;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code iot:} endpoints against Mosquitto: a producer stores and publishes with the message id and the kind's
 * properties, a response echoes the correlation data, a consumer hands a request to the route with only its own
 * headers, never one a sender put in a user property, and retained requests are not taken.
 */
class IotEndpointsIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private CamelContext context;
    private ProducerTemplate template;
    private MockEndpoint requests;

    @BeforeEach
    void start() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        broker = MosquittoBroker.start(dir);
        context = new DefaultCamelContext();
        context.getComponent("iot", IotComponent.class)
                .addIdentity("default", new Delivery.Settings(broker.url(), null, null, null, false, null,
                        new MqttConnection.Settings("gw-7", 60, 600, null, 5, Duration.ofSeconds(2)),
                        FlowControl.unlimited(100), null, dir.resolve("outbox"), OutboxBudget.forData(16L << 20),
                        Outbox.FullPolicy.REJECT,
                        Duration.ofMinutes(15)), null);
        context.addRoutes(new RouteBuilder() {

            @Override
            public void configure() {
                from("iot:command?topic=mmi/v1/{clientId}/command").routeId("commands").to("mock:requests");
            }
        });
        context.start();
        template = context.createProducerTemplate();
        requests = context.getEndpoint("mock:requests", MockEndpoint.class);
        await().atMost(WAIT).until(() -> broker.logText().contains("gw-7 1 mmi/v1/gw-7/command"));
    }

    @AfterEach
    void stop() throws Exception {
        if (context != null) {
            context.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private void send(String topic, String payload, boolean retained, MqttProperties properties) throws Exception {
        MqttClient operator = new MqttClient(broker.url(), "operator", new MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            operator.connect(options);
            MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            message.setRetained(retained);
            message.setProperties(properties);
            operator.publish(topic, message);
            operator.disconnect();
        } finally {
            operator.close();
        }
    }

    @Test
    void aConsumerHandsOverTheRequestWithOnlyItsOwnHeaders() throws Exception {
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic("ops/replies/1");
        properties.setCorrelationData("req-1".getBytes(StandardCharsets.UTF_8));
        properties.setMessageExpiryInterval(30L);
        // A sender posing as the route: none of these may become a header.
        properties.setUserProperties(List.of(new UserProperty(MultispeqConstants.COMMAND, "reboot"),
                new UserProperty(IotConstants.IDENTITY, "another-thing"), new UserProperty("MmiExperimentId", "x")));
        Instant before = Instant.now();

        send("mmi/v1/gw-7/command", "{\"command\":\"battery\"}", false, properties);

        await().atMost(WAIT).until(() -> requests.getReceivedCounter() == 1);
        Exchange request = requests.getReceivedExchanges().get(0);
        Map<String, Object> headers = request.getMessage().getHeaders();
        assertThat(headers).containsOnlyKeys(IotConstants.TOPIC, IotConstants.IDENTITY, IotConstants.RECEIVED_AT,
                IotConstants.RESPONSE_TOPIC, IotConstants.CORRELATION_DATA, IotConstants.EXPIRES_AT);
        assertThat(headers).containsEntry(IotConstants.TOPIC, "mmi/v1/gw-7/command")
                .containsEntry(IotConstants.IDENTITY, "default")
                .containsEntry(IotConstants.RESPONSE_TOPIC, "ops/replies/1");
        assertThat(new String((byte[]) headers.get(IotConstants.CORRELATION_DATA), StandardCharsets.UTF_8))
                .isEqualTo("req-1");
        assertThat((Instant) headers.get(IotConstants.EXPIRES_AT)).isBetween(before.plusSeconds(29),
                Instant.now().plusSeconds(30));
        assertThat(request.getMessage().getBody(String.class)).isEqualTo("{\"command\":\"battery\"}");
    }

    @Test
    void aRetainedRequestIsTakenOnceWhenSentAndNotReplayedWhenTheConsumerSubscribesAgain() throws Exception {
        send("mmi/v1/gw-7/command", "{\"command\":\"reboot\"}", true, new MqttProperties());
        await().atMost(WAIT).until(() -> requests.getReceivedCounter() == 1);

        // The route stops and starts (as at a restart): its consumer subscribes again, and the broker keeps the
        // retained request; it must not run a second time.
        context.getRouteController().stopRoute("commands");
        context.getRouteController().startRoute("commands");
        // Exactly one SUBSCRIBE per start of the consumer (an MQTT 3.1.1 broker replays retained messages at each).
        await().atMost(WAIT).until(() -> broker.logText().split("gw-7 1 mmi/v1/gw-7/command", -1).length == 3);
        send("mmi/v1/gw-7/command", "{\"command\":\"battery\"}", false, new MqttProperties());

        await().atMost(WAIT).until(() -> requests.getReceivedCounter() >= 2);
        assertThat(requests.getReceivedExchanges())
                .extracting(exchange -> exchange.getMessage().getBody(String.class))
                .containsExactly("{\"command\":\"reboot\"}", "{\"command\":\"battery\"}");
    }

    /**
     * A property of 32 KiB or more (Paho 1.2.5 read its length as a negative number, and its receiving thread died):
     * the request arrives whole, and the connection goes on receiving and publishing.
     */
    @Test
    void aFortyKibCorrelationDataLeavesTheConnectionWorking() throws Exception {
        byte[] correlation = "c".repeat(40 * 1024).getBytes(StandardCharsets.UTF_8);
        MqttProperties hostile = new MqttProperties();
        hostile.setCorrelationData(correlation);
        send("mmi/v1/gw-7/command", "{\"command\":\"battery\"}", false, hostile);
        send("mmi/v1/gw-7/command", "{\"action\":\"status\"}", false, new MqttProperties());

        await().atMost(WAIT).until(() -> requests.getReceivedCounter() == 2);
        assertThat(requests.getReceivedExchanges()
                .get(0)
                .getMessage()
                .getHeader(IotConstants.CORRELATION_DATA,
                        byte[].class))
                .hasSize(40 * 1024);
        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "recorder", "after/#")) {
            template.sendBodyAndHeader("iot:data", "{}", IotConstants.TOPIC, "after/hostile");
            await().atMost(WAIT).until(() -> recorder.messages().size() == 1);
        }
    }

    @Test
    void producersStoreThenPublishWithTheMessageIdAndAResponseWithTheCorrelationData() throws Exception {
        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "recorder", "data/#", "replies/#")) {
            Exchange data = template.request("iot:data", exchange -> {
                exchange.getMessage().setBody("{\"n\":1}");
                exchange.getMessage().setHeader(IotConstants.TOPIC, "data/1");
                exchange.getMessage().setHeader(IotConstants.CORRELATION_DATA, "not-for-data".getBytes());
            });
            template.send("iot:response?topic=replies/{clientId}", exchange -> {
                exchange.getMessage().setBody("{\"ok\":true}");
                exchange.getMessage().setHeader(IotConstants.CORRELATION_DATA, "req-9".getBytes());
            });

            await().atMost(WAIT).until(() -> recorder.messages().size() == 2);
            MqttRecorder.Received published = recorder.on("data/").get(0);
            assertThat(published.payload()).isEqualTo("{\"n\":1}");
            assertThat(published.userProperties()).containsEntry("message-id",
                    data.getMessage().getHeader(IotConstants.MESSAGE_ID, String.class));
            assertThat(published.contentType()).isEqualTo("application/json");
            assertThat(published.correlationData()).as("only a response echoes correlation data").isNull();
            assertThat(recorder.on("replies/gw-7")).singleElement()
                    .extracting(MqttRecorder.Received::correlationData)
                    .isEqualTo("req-9");
        }
    }

    @Test
    void aTopicCannotBeMissing() {
        Exchange result = template.request("iot:data", exchange -> exchange.getMessage().setBody("{}"));

        assertThat(result.getException()).hasMessageContaining("No topic for iot:data");
    }

    @Test
    void theKindDecidesTheDirection() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> context.getEndpoint("iot:command")
                .createProducer())).hasMessageContaining("iot:command is subscribed to");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> context.getEndpoint("iot:nothing")))
                .hasMessageContaining("data, dead-letter, response, command");
    }
}
