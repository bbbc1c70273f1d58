package org.openjii.mmi.delivery;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.lifecycle.Mqtt3ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt3.lifecycle.Mqtt3ClientReconnector;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3Connect;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;

import io.reactivex.Flowable;

/**
 * MQTT 3.1.1: the same client, without what the version lacks. A session is kept (clean session off) for as long as
 * the broker keeps it; there is no expiry to ask for. Messages carry no properties, PUBACKs no reason codes, and the
 * broker states no Receive Maximum or Maximum Packet Size. Retained messages come at every subscription, flagged
 * retained (3.3.1.3), and the connection ignores them where MQTT 5 would not have sent them.
 */
final class Mqtt3Wire implements MqttWire {

    /** MQTT 3.1.1 sets no limit; the client's own maximum. */
    static final int NO_RECEIVE_MAXIMUM = 65_535;
    /** The broker closing the connection without a DISCONNECT (MQTT 3.1.1 has no DISCONNECT from the broker). */
    private static final String CLOSED_BY_BROKER = "Server closed connection";

    private final Mqtt3AsyncClient client;

    Mqtt3Wire(Mqtt3AsyncClient client) {
        this.client = client;
    }

    @Override
    public MqttVersion version() {
        return MqttVersion.V3_1_1;
    }

    @Override
    public MqttClient client() {
        return client;
    }

    @Override
    public CompletableFuture<Granted> connect(Connect connect) {
        return client.connect(packet(connect))
                .thenApply(connAck -> new Granted(connAck.isSessionPresent(), NO_RECEIVE_MAXIMUM, 0));
    }

    @Override
    public Granted granted(MqttClientConnectedContext context) {
        return new Granted(((Mqtt3ClientConnectedContext) context).getConnAck().isSessionPresent(),
                NO_RECEIVE_MAXIMUM, 0);
    }

    @Override
    public void reconnect(MqttClientReconnector reconnector, Connect connect, Duration delay) {
        ((Mqtt3ClientReconnector) reconnector).connect(packet(connect))
                .reconnect(true)
                .resubscribeIfSessionExpired(false)
                .delay(delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Mqtt3Connect packet(Connect connect) {
        Mqtt3ConnectBuilder builder = Mqtt3Connect.builder()
                .cleanSession(connect.cleanStart() || connect.sessionExpirySeconds() == 0)
                .keepAlive(connect.keepAliveSeconds());
        if (connect.willTopic() != null) {
            builder.willPublish()
                    .topic(connect.willTopic())
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(connect.willPayload())
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
        return client.toRx()
                .publishes(MqttGlobalPublishFilter.ALL, true)
                .map(publish -> new MqttConnection.ReceivedMessage(publish.getTopic().toString(),
                        publish.getPayloadAsBytes(), publish.isRetain(), null, null, null, publish::acknowledge));
    }

    @Override
    public CompletableFuture<Integer> publish(MqttConnection.Outgoing message) {
        Mqtt3Publish publish = Mqtt3Publish.builder()
                .topic(message.topic())
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(message.retain())
                .payload(message.payload())
                .build();
        return client.publish(publish).thenApply(acknowledged -> 0);
    }

    @Override
    public CompletableFuture<Integer> subscribe(String filter, int qos, boolean retainedWanted) {
        return client.subscribeWith()
                .topicFilter(filter)
                .qos(qos == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE)
                .send()
                .thenApply(subAck -> {
                    Mqtt3SubAckReturnCode code = subAck.getReturnCodes().get(0);
                    return code.isError() ? MqttReasonCodes.UNSPECIFIED_ERROR : code.getCode();
                });
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        return client.disconnect();
    }

    @Override
    public Optional<Refusal> refusal(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof Mqtt3ConnAckException refused) {
                int code = refused.getMqttMessage().getReturnCode().getCode();
                return Optional.of(new Refusal(reasonCode(code), "MQTT 3.1.1 return code " + code));
            }
        }
        return Optional.empty();
    }

    /** The MQTT 5 reason code that means what a 3.1.1 CONNACK return code means (MQTT 5.0, 3.2.2.2). */
    static int reasonCode(int returnCode) {
        return switch (returnCode) {
            case 1 -> 0x84;
            case 2 -> 0x85;
            case 3 -> 0x88;
            case 4 -> 0x86;
            case 5 -> 0x87;
            default -> MqttReasonCodes.UNSPECIFIED_ERROR;
        };
    }

    @Override
    public boolean mayBeRefusal(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ConnectionClosedException && c.getMessage() != null
                    && c.getMessage().contains(CLOSED_BY_BROKER)) {
                return true;
            }
        }
        return false;
    }
}
