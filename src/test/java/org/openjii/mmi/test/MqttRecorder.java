package org.openjii.mmi.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

import static org.awaitility.Awaitility.await;

/** A subscriber that records every message it receives (topic, payload, MQTT 5 properties), for assertions. */
public final class MqttRecorder implements AutoCloseable {

    /** One received message. */
    public record Received(String topic, String payload, Map<String, String> userProperties, String contentType,
            int qos, String correlationData) {

        /**
         * The bridge's message id: the user property with MQTT 5; with MQTT 3.1.1, which has none, the payload's
         * {@code _client_id}.
         */
        public String messageId() {
            String property = userProperties.get("message-id");
            return property != null ? property : TestJson.json(payload).path("_client_id").asText(null);
        }
    }

    private final MqttClient client;
    private MqttConnectionOptions options;
    private final List<Received> messages = new CopyOnWriteArrayList<>();

    private MqttRecorder(MqttClient client) {
        this.client = client;
    }

    /** Connects as {@code clientId} with a clean session and subscribes to every filter at QoS 1. */
    public static MqttRecorder subscribe(String brokerUrl, String clientId, String... filters) throws MqttException {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        return subscribe(brokerUrl, clientId, options, filters);
    }

    /**
     * As {@link #subscribe(String, String, String...)}, but with a persistent session that survives a broker restart
     * (with Mosquitto's {@code persistence true}) and automatic reconnects: messages published while the recorder is
     * away are queued for it by the broker, so nothing the broker accepted is missed.
     */
    public static MqttRecorder subscribeDurably(String brokerUrl, String clientId, String... filters)
            throws MqttException {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(600L);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 2);
        return subscribe(brokerUrl, clientId, options, filters);
    }

    /**
     * Connects as {@code clientId} with {@code options} (e.g. a TLS socket factory and a durable session) and
     * subscribes to every filter at QoS 1.
     */
    public static MqttRecorder subscribe(String brokerUrl, String clientId, MqttConnectionOptions options,
            String... filters) throws MqttException {
        MqttClient client = new MqttClient(brokerUrl, clientId, new MemoryPersistence());
        client.connect(options);
        MqttRecorder recorder = new MqttRecorder(client);
        recorder.options = options;
        MqttSubscription[] subscriptions = new MqttSubscription[filters.length];
        IMqttMessageListener[] listeners = new IMqttMessageListener[filters.length];
        for (int i = 0; i < filters.length; i++) {
            subscriptions[i] = new MqttSubscription(filters[i], 1);
            listeners[i] = (topic, message) -> recorder.messages.add(new Received(topic,
                    new String(message.getPayload(), StandardCharsets.UTF_8),
                    message.getProperties()
                            .getUserProperties()
                            .stream()
                            .collect(
                                    Collectors.toMap(UserProperty::getKey, UserProperty::getValue, (a, b) -> b)),
                    message.getProperties().getContentType(), message.getQos(),
                    message.getProperties().getCorrelationData() == null ? null
                            : new String(message.getProperties().getCorrelationData(), StandardCharsets.UTF_8)));
        }
        // The array form: Paho 1.2.5's single-filter subscribe with a listener calls itself until the stack overflows.
        client.subscribe(subscriptions, listeners);
        return recorder;
    }

    /**
     * Disconnects cleanly, keeping a durable session on {@code broker}, and waits until the broker has read the
     * DISCONNECT, so that the test may stop it. Mosquitto 2.0.11 queues nothing after a restart for a persistent client
     * it still counted as connected when it shut down (also one whose DISCONNECT was sent but not yet read); a client
     * that left cleanly gets everything published while it was away once it {@link #reconnect()}s.
     */
    public void leave(MosquittoBroker broker) throws MqttException, IOException {
        Pattern read = Pattern.compile("Received DISCONNECT from " + Pattern.quote(client.getClientId()) + "$",
                Pattern.MULTILINE);
        long before = read.matcher(broker.logText()).results().count();
        client.disconnect();
        await("the broker's log line of " + client.getClientId() + "'s DISCONNECT").atMost(Duration.ofSeconds(30))
                .until(() -> read.matcher(broker.logText()).results().count() > before);
    }

    /** Connects again after {@link #leave}, resuming the durable session. */
    public void reconnect() throws MqttException {
        client.connect(options);
    }

    public List<Received> messages() {
        return List.copyOf(messages);
    }

    /** Forgets what was received so far. */
    public void clear() {
        messages.clear();
    }

    public List<Received> on(String topicPrefix) {
        return messages.stream().filter(m -> m.topic().startsWith(topicPrefix)).toList();
    }

    /**
     * Closes, also after a broker restart. Paho refuses to close while its automatic reconnect is connecting, even
     * forced ({@code Connect already in progress}); such an attempt ends within moments once the broker is back (or
     * after Paho's connection timeout, 30 s), so closing is tried until it works.
     */
    @Override
    public void close() throws MqttException {
        await().atMost(Duration.ofSeconds(45)).until(() -> {
            try {
                if (client.isConnected()) {
                    client.disconnect();
                }
                client.close(true);
                return true;
            } catch (MqttException e) {
                if (e.getReasonCode() == MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS) {
                    return false;
                }
                throw e;
            }
        });
    }
}
