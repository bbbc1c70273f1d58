package org.openjii.mmi.delivery;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;

/**
 * One short-lived MQTT connection for {@code mmi check}: clean start, no session kept, so nothing of a bridge's
 * session is touched. It connects and publishes once, as the bridge's connection would (same transport), and reports
 * what the broker answered.
 */
public final class MqttCheck implements AutoCloseable {

    /** How a CONNECT went: the broker's limits, or why not. */
    public record Connected(boolean ok, int reasonCode, int receiveMaximum, long maximumPacketSize, String failure,
            MqttConfigurationException explained) {
    }

    /** How a publish went: the PUBACK reason code, or why there was none ({@code reasonCode} -1). */
    public record Published(int reasonCode, String failure) {
    }

    private final BrokerTransport transport;
    private final Duration timeout;
    private final Mqtt5AsyncClient client;

    public MqttCheck(BrokerTransport transport, String clientId, Duration timeout) {
        this.transport = transport;
        this.timeout = timeout;
        this.client = Mqtt5Client.builder()
                .identifier(clientId)
                .transportConfig()
                .serverHost(transport.host())
                .serverPort(transport.port())
                .sslConfig(transport.tls() ? MqttClientSslConfig.builder().build() : null)
                .socketConnectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .mqttConnectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .applyTransportConfig()
                .buildAsync();
        transport.applyTlsTo(client);
    }

    /** Connects with clean start and a session that ends with the connection. */
    public Connected connect(int keepAliveSeconds) {
        try {
            Mqtt5ConnAck connAck = client.connectWith()
                    .cleanStart(true)
                    .sessionExpiryInterval(0)
                    .keepAlive(keepAliveSeconds)
                    .send()
                    .get(timeout.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
            Mqtt5ConnAckRestrictions restrictions = connAck.getRestrictions();
            long maximumPacketSize = restrictions
                    .getMaximumPacketSize() >= Mqtt5ConnAckRestrictions.DEFAULT_MAXIMUM_PACKET_SIZE_NO_LIMIT ? 0
                            : restrictions.getMaximumPacketSize();
            return new Connected(true, 0, restrictions.getReceiveMaximum(), maximumPacketSize, null, null);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            Optional<MqttConfigurationException> explained = transport.explainConnectFailure(cause);
            if (explained.isPresent()) {
                return new Connected(false, -1, 0, 0, explained.get().getMessage(), explained.get());
            }
            if (cause instanceof Mqtt5ConnAckException refused) {
                return new Connected(false, refused.getMqttMessage().getReasonCode().getCode(), 0, 0,
                        MqttConnection.describe(cause), null);
            }
            return new Connected(false, -1, 0, 0, MqttConnection.describe(cause), null);
        } catch (TimeoutException e) {
            return new Connected(false, -1, 0, 0, "no CONNACK within " + timeout.plusSeconds(5).toSeconds() + " s",
                    null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Connected(false, -1, 0, 0, "interrupted", null);
        }
    }

    /** Publishes once at QoS 1, expiring after a minute (nobody needs it later), and waits for the PUBACK. */
    public Published publish(String topic, byte[] payload) {
        try {
            Mqtt5PublishResult result = client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload)
                    .contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .messageExpiryInterval(60)
                    .send()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Published(result instanceof Mqtt5PublishResult.Mqtt5Qos1Result acknowledged
                    ? acknowledged.getPubAck().getReasonCode().getCode()
                    : 0, null);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof Mqtt5PubAckException refused) {
                return new Published(refused.getMqttMessage().getReasonCode().getCode(), null);
            }
            return new Published(-1, MqttConnection.describe(cause));
        } catch (IllegalArgumentException e) {
            return new Published(MqttReasonCodes.TOPIC_NAME_INVALID, e.getMessage());
        } catch (TimeoutException e) {
            return new Published(-1, "no PUBACK within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Published(-1, "interrupted");
        }
    }

    @Override
    public void close() {
        try {
            if (client.getState().isConnected()) {
                client.disconnect().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            // The check's result is in; a failed goodbye changes nothing.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
