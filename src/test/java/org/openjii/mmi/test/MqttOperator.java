package org.openjii.mmi.test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import static org.awaitility.Awaitility.await;

/**
 * The remote operator of the command tests: a plain Paho MQTT 5 client that publishes requests (with a response topic,
 * correlation data and message expiry when asked) and records what arrives on the response topics.
 */
public final class MqttOperator implements AutoCloseable {

    /** One message received on a response topic. */
    public record Response(String topic, String correlation, String payload) {
    }

    private final MqttClient client;
    private final List<Response> responses = new CopyOnWriteArrayList<>();

    private MqttOperator(MqttClient client) {
        this.client = client;
    }

    /** Connects as {@code clientId} (clean start) and subscribes, QoS 1, to the topics responses may arrive on. */
    public static MqttOperator connect(String brokerUrl, String clientId, String... responseFilters)
            throws MqttException {
        MqttClient client = new MqttClient(brokerUrl, clientId, new MemoryPersistence());
        MqttOperator operator = new MqttOperator(client);
        // Before subscribing, so nothing arrives unseen; one callback for all messages, as Paho 1.2.5's
        // subscribe(String, int, IMqttMessageListener) recurses until the stack overflows.
        client.setCallback(new MqttCallback() {

            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                byte[] correlation = message.getProperties() == null ? null
                        : message.getProperties().getCorrelationData();
                operator.responses.add(new Response(topic, correlation == null ? null
                        : new String(correlation, StandardCharsets.UTF_8),
                        new String(message.getPayload(), StandardCharsets.UTF_8)));
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
        for (String filter : responseFilters) {
            client.subscribe(filter, 1);
        }
        return operator;
    }

    /**
     * Publishes a request, QoS 1.
     *
     * @param responseTopic the MQTT 5 response topic, or {@code null}
     * @param correlation the correlation data (as UTF-8), or {@code null}
     * @param expirySeconds the message expiry interval, or {@code null}
     */
    public void request(String topic, String payload, String responseTopic, String correlation, Long expirySeconds)
            throws MqttException {
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        MqttProperties properties = new MqttProperties();
        if (responseTopic != null) {
            properties.setResponseTopic(responseTopic);
        }
        if (correlation != null) {
            properties.setCorrelationData(correlation.getBytes(StandardCharsets.UTF_8));
        }
        if (expirySeconds != null) {
            properties.setMessageExpiryInterval(expirySeconds);
        }
        message.setProperties(properties);
        client.publish(topic, message);
    }

    public List<Response> responses() {
        return List.copyOf(responses);
    }

    /** The response carrying this correlation data, if one arrived. */
    public Optional<Response> response(String correlation) {
        return responses.stream().filter(r -> correlation.equals(r.correlation())).findFirst();
    }

    /** Waits for the response carrying this correlation data. */
    public Response awaitResponse(String correlation, Duration timeout) {
        return await().atMost(timeout).until(() -> response(correlation), Optional::isPresent).orElseThrow();
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }
}
