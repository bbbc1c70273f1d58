package org.openjii.mmi.delivery.tls;

import java.time.Duration;

import org.openjii.mmi.delivery.MqttCheck;

/** Connections through a {@link BrokerTransport} as the application makes them ({@link MqttCheck}'s client). */
final class TransportConnections {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private TransportConnections() {
    }

    /** Connects (clean start) and disconnects; fails the test when the connect fails. */
    static void connectAndClose(BrokerTransport transport, String clientId) {
        try (MqttCheck client = new MqttCheck(transport, clientId, CONNECT_TIMEOUT)) {
            MqttCheck.Connected connected = client.connect(60);
            if (!connected.ok()) {
                throw new AssertionError("could not connect to " + transport.describe() + ": " + connected.failure());
            }
        }
    }

    /** How a connect that must fail failed; fails the test if it connects. */
    static MqttCheck.Connected connectFailure(BrokerTransport transport) {
        try (MqttCheck client = new MqttCheck(transport, "mmi-expected-to-fail", CONNECT_TIMEOUT)) {
            MqttCheck.Connected connected = client.connect(60);
            if (connected.ok()) {
                throw new AssertionError("connected to " + transport.describe() + " but expected a failure");
            }
            return connected;
        }
    }

    /** The message {@link BrokerTransport#explainConnectFailure} gives for a connect that must fail. */
    static String explainedFailure(BrokerTransport transport) {
        MqttCheck.Connected failure = connectFailure(transport);
        if (failure.explained() == null) {
            throw new AssertionError("taken for a passing failure: " + failure.failure());
        }
        return failure.explained().getMessage();
    }
}
