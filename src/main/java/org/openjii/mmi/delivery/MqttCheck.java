package org.openjii.mmi.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;

import com.hivemq.client.mqtt.MqttClient;

/**
 * One short-lived MQTT connection for {@code mmi check}: clean start, no session kept, so nothing of a bridge's
 * session is touched. It connects and publishes once, as the bridge's connection would (same transport, proxy,
 * protocol version and credentials), and reports what the broker answered.
 */
public final class MqttCheck implements AutoCloseable {

    /**
     * How a CONNECT went: the broker's limits, or why not.
     *
     * @param reasonCode the refusal's reason code (for MQTT 3.1.1 the one of the same meaning), -1 without a CONNACK
     * @param wireCode the refusal as the broker sent it ({@code MQTT 3.1.1 return code 4}), or null
     */
    public record Connected(boolean ok, int reasonCode, int receiveMaximum, long maximumPacketSize, String failure,
            MqttConfigurationException explained, String wireCode) {
    }

    /** How a publish went: the PUBACK reason code, or why there was none ({@code reasonCode} -1). */
    public record Published(int reasonCode, String failure) {
    }

    private final BrokerTransport transport;
    private final Duration timeout;
    private final MqttWire wire;
    private final BrokerCredentials credentials;

    /** MQTT 5, without user name and password. */
    public MqttCheck(BrokerTransport transport, String clientId, Duration timeout) {
        this(transport, clientId, timeout, MqttVersion.V5, BrokerCredentials.NONE);
    }

    public MqttCheck(BrokerTransport transport, String clientId, Duration timeout, MqttVersion version,
            BrokerCredentials credentials) {
        this.transport = transport;
        this.timeout = timeout;
        this.credentials = credentials;
        this.wire = MqttWire.create(version, MqttClient.builder()
                .identifier(clientId)
                .transportConfig(transport.clientTransportConfig(timeout)));
        transport.applyTlsTo(wire.client());
    }

    /** The protocol version this check speaks. */
    public MqttVersion version() {
        return wire.version();
    }

    /** Connects with clean start and a session that ends with the connection. */
    public Connected connect(int keepAliveSeconds) {
        try {
            byte[] password = credentials.hasPassword() ? credentials.password() : null;
            MqttWire.Granted granted = wire.connect(new MqttWire.Connect(true, 0, keepAliveSeconds, null, null,
                    credentials.username(), password)).get(timeout.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
            return new Connected(true, 0, granted.receiveMaximum(), granted.maximumPacketSize(), null, null, null);
        } catch (MqttConfigurationException e) {
            return new Connected(false, -1, 0, 0, e.getMessage(), e, null);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            Optional<MqttConfigurationException> explained = transport.explainConnectFailure(cause);
            if (explained.isPresent()) {
                return new Connected(false, -1, 0, 0, explained.get().getMessage(), explained.get(), null);
            }
            Optional<MqttWire.Refusal> refusal = wire.refusal(cause);
            if (refusal.isPresent()) {
                return new Connected(false, refusal.get().reasonCode(), 0, 0, MqttConnection.describe(cause), null,
                        refusal.get().wireCode());
            }
            return new Connected(false, -1, 0, 0, MqttConnection.describe(cause), null, null);
        } catch (TimeoutException e) {
            return new Connected(false, -1, 0, 0, "no CONNACK within " + timeout.plusSeconds(5).toSeconds() + " s",
                    null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Connected(false, -1, 0, 0, "interrupted", null, null);
        }
    }

    /** Publishes once at QoS 1, expiring after a minute (nobody needs it later), and waits for the PUBACK. */
    public Published publish(String topic, byte[] payload) {
        try {
            int code = wire.publish(new MqttConnection.Outgoing(topic, payload, false, List.of(), null, 60L))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Published(code, null);
        } catch (ExecutionException | CompletionException e) {
            return new Published(-1, MqttConnection.describe(e.getCause() == null ? e : e.getCause()));
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
            if (wire.client().getState().isConnected()) {
                wire.disconnect().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            // The check's result is in; a failed goodbye changes nothing.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
