package org.openjii.mmi.delivery;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;

import io.reactivex.Flowable;

/**
 * The HiveMQ client as {@link MqttConnection} and {@link MqttCheck} use it, for MQTT 5 ({@link Mqtt5Wire}) and MQTT
 * 3.1.1 ({@link Mqtt3Wire}) alike: the one client library speaks both, and its two APIs differ only in the packets'
 * types. What MQTT 3.1.1 lacks is left out there, as docs/other-brokers.md lists: properties (user properties,
 * correlation data, response topic, expiry), reason codes in PUBACK and SUBACK, Retain Handling, the broker's Receive
 * Maximum and Maximum Packet Size.
 */
interface MqttWire {

    /**
     * One CONNECT.
     *
     * @param sessionExpirySeconds MQTT 5; with MQTT 3.1.1 a session is kept (clean session off) unless
     *     {@code cleanStart} or this is 0
     * @param willTopic the Last Will's topic (retained, QoS 1), or null for none
     * @param username null for none
     * @param password null for none
     */
    record Connect(boolean cleanStart, long sessionExpirySeconds, int keepAliveSeconds, String willTopic,
            byte[] willPayload, String username, byte[] password) {
    }

    /**
     * What the broker's CONNACK granted.
     *
     * @param receiveMaximum publishes in flight the broker takes (MQTT 3.1.1: no limit, 65535)
     * @param maximumPacketSize 0 when the broker set none (always, with MQTT 3.1.1)
     */
    record Granted(boolean sessionPresent, int receiveMaximum, long maximumPacketSize) {
    }

    /**
     * A refused CONNECT.
     *
     * @param reasonCode the MQTT 5 reason code, or for MQTT 3.1.1 the reason code of the same meaning (return code 4,
     *     bad user name or password, is 0x86)
     * @param wireCode the code as the broker sent it ({@code MQTT reason code 0x86}, {@code MQTT 3.1.1 return code 4})
     */
    record Refusal(int reasonCode, String wireCode) {
    }

    /** A client of that version, from a builder with the identifier, transport, executors and listeners set. */
    static MqttWire create(MqttVersion version, MqttClientBuilder builder) {
        return version == MqttVersion.V5 ? new Mqtt5Wire(builder.useMqttVersion5().buildAsync())
                : new Mqtt3Wire(builder.useMqttVersion3().buildAsync());
    }

    MqttVersion version();

    /** The client, for its TLS ({@link org.openjii.mmi.delivery.tls.BrokerTransport#applyTlsTo}) and its state. */
    MqttClient client();

    /** Sends CONNECT; completes with the CONNACK, or exceptionally (also the client's disconnected listener hears). */
    CompletableFuture<Granted> connect(Connect connect);

    /** The CONNACK of a connection that came up. */
    Granted granted(MqttClientConnectedContext context);

    /** After a lost connection or a failed attempt: connect again with {@code connect} after {@code delay}. */
    void reconnect(MqttClientReconnector reconnector, Connect connect, Duration delay);

    /**
     * Every message the client receives, to be acknowledged by hand; ends (with an error) when the session ends.
     * Messages that arrived as the session's first, before any subscription, are in it too.
     */
    Flowable<MqttConnection.ReceivedMessage> received();

    /**
     * Publishes at QoS 1: completes with the PUBACK's reason code (MQTT 3.1.1: always 0, a PUBACK has none), or
     * exceptionally when there was no PUBACK.
     *
     * @throws IllegalArgumentException for a topic the client refuses (wildcards, empty, too long)
     */
    CompletableFuture<Integer> publish(MqttConnection.Outgoing message);

    /**
     * Subscribes: completes with the granted QoS, or the refusal's code (0x80 and above; MQTT 3.1.1 has only 0x80).
     *
     * @param retainedWanted whether the broker sends retained messages at subscription (MQTT 5's Retain Handling;
     *     MQTT 3.1.1 always sends them, with the retain flag set)
     */
    CompletableFuture<Integer> subscribe(String filter, int qos, boolean retainedWanted);

    /** A clean DISCONNECT (no Last Will). */
    CompletableFuture<Void> disconnect();

    /** The CONNACK refusal in a failed connect's cause, if that is what it was. */
    Optional<Refusal> refusal(Throwable cause);

    /**
     * Whether a lost connection may be the broker refusing a publish the only way the version lets it: MQTT 5 with a
     * reason code a PUBACK may not carry (Mosquitto's 0x95), which the client answers by closing; MQTT 3.1.1 by the
     * broker closing the connection (AWS IoT Core does for a publish its policy denies), which looks the same as a
     * broker that stops.
     */
    boolean mayBeRefusal(Throwable cause);
}
