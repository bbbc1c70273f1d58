package org.openjii.mmi.delivery;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientReconnector;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;

import io.reactivex.Flowable;

/**
 * MQTT 5: every publish carries {@code application/json}, UTF-8 and its properties; subscriptions that want no
 * retained messages use Retain Handling 2.
 */
final class Mqtt5Wire implements MqttWire {

    private final Mqtt5AsyncClient client;

    Mqtt5Wire(Mqtt5AsyncClient client) {
        this.client = client;
    }

    @Override
    public MqttVersion version() {
        return MqttVersion.V5;
    }

    @Override
    public MqttClient client() {
        return client;
    }

    @Override
    public CompletableFuture<Granted> connect(Connect connect) {
        return client.connect(packet(connect)).thenApply(Mqtt5Wire::granted);
    }

    @Override
    public Granted granted(MqttClientConnectedContext context) {
        return granted(((Mqtt5ClientConnectedContext) context).getConnAck());
    }

    private static Granted granted(Mqtt5ConnAck connAck) {
        Mqtt5ConnAckRestrictions restrictions = connAck.getRestrictions();
        long maximumPacketSize = restrictions
                .getMaximumPacketSize() >= Mqtt5ConnAckRestrictions.DEFAULT_MAXIMUM_PACKET_SIZE_NO_LIMIT ? 0
                        : restrictions.getMaximumPacketSize();
        return new Granted(connAck.isSessionPresent(), restrictions.getReceiveMaximum(), maximumPacketSize);
    }

    @Override
    public void reconnect(MqttClientReconnector reconnector, Connect connect, Duration delay) {
        // Subscriptions are made again by the connection when it is up, whatever the broker kept.
        ((Mqtt5ClientReconnector) reconnector).connect(packet(connect))
                .reconnect(true)
                .resubscribeIfSessionExpired(false)
                .delay(delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Mqtt5Connect packet(Connect connect) {
        Mqtt5ConnectBuilder builder = Mqtt5Connect.builder()
                .cleanStart(connect.cleanStart())
                .sessionExpiryInterval(connect.sessionExpirySeconds())
                .keepAlive(connect.keepAliveSeconds());
        if (connect.willTopic() != null) {
            builder.willPublish()
                    .topic(connect.willTopic())
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(connect.willPayload())
                    .contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .applyWillPublish();
        }
        if (connect.username() != null) {
            var auth = builder.simpleAuth().username(connect.username());
            if (connect.password() != null) {
                auth.password(connect.password());
            }
            auth.applySimpleAuth();
        }
        return builder.build();
    }

    @Override
    public Flowable<MqttConnection.ReceivedMessage> received() {
        return client.toRx().publishes(MqttGlobalPublishFilter.ALL, true).map(Mqtt5Wire::received);
    }

    private static MqttConnection.ReceivedMessage received(Mqtt5Publish publish) {
        return new MqttConnection.ReceivedMessage(publish.getTopic().toString(), publish.getPayloadAsBytes(),
                publish.isRetain(), publish.getResponseTopic().map(MqttTopic::toString).orElse(null),
                publish.getCorrelationData().map(Mqtt5Wire::bytes).orElse(null),
                publish.getMessageExpiryInterval().isPresent() ? publish.getMessageExpiryInterval().getAsLong()
                        : null,
                publish::acknowledge);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    @Override
    public CompletableFuture<Integer> publish(MqttConnection.Outgoing message) {
        Mqtt5PublishBuilder.Complete builder = Mqtt5Publish.builder()
                .topic(message.topic())
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(message.retain())
                .payload(message.payload())
                .contentType("application/json")
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8);
        if (!message.userProperties().isEmpty()) {
            var properties = Mqtt5UserProperties.builder();
            message.userProperties().forEach(property -> properties.add(property.getKey(), property.getValue()));
            builder.userProperties(properties.build());
        }
        if (message.correlationData() != null) {
            builder.correlationData(message.correlationData());
        }
        if (message.messageExpirySeconds() != null) {
            builder.messageExpiryInterval(message.messageExpirySeconds());
        }
        return client.publish(builder.build()).handle((Mqtt5PublishResult result, Throwable error) -> {
            if (error == null) {
                return result instanceof Mqtt5PublishResult.Mqtt5Qos1Result acknowledged
                        ? acknowledged.getPubAck().getReasonCode().getCode()
                        : 0;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof Mqtt5PubAckException refused) {
                return refused.getMqttMessage().getReasonCode().getCode();
            }
            throw error instanceof CompletionException completion ? completion : new CompletionException(cause);
        });
    }

    @Override
    public CompletableFuture<Integer> subscribe(String filter, int qos, boolean retainedWanted) {
        return client.subscribeWith()
                .topicFilter(filter)
                .qos(qos == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE)
                .retainHandling(retainedWanted ? Mqtt5RetainHandling.SEND : Mqtt5RetainHandling.DO_NOT_SEND)
                .send()
                .thenApply(subAck -> {
                    Mqtt5SubAckReasonCode code = subAck.getReasonCodes().get(0);
                    return code.getCode();
                });
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        return client.disconnect();
    }

    @Override
    public Optional<Refusal> refusal(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof Mqtt5ConnAckException refused) {
                int code = refused.getMqttMessage().getReasonCode().getCode();
                return Optional.of(new Refusal(code, "MQTT reason code 0x" + Integer.toHexString(code)));
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean mayBeRefusal(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String message = c.getMessage();
            if (message != null && message.contains("PUBACK") && message.contains("reason code")) {
                return true;
            }
        }
        return false;
    }
}
