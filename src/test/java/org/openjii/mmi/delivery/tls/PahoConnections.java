package org.openjii.mmi.delivery.tls;

import java.time.Duration;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/** A bare Paho MQTT 5 client connected through a {@link BrokerTransport}, as the application wires it. */
final class PahoConnections {

    /** Paho's own connect timeout, which bounds the TLS handshake on the ssl:// path. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private PahoConnections() {
    }

    static MqttConnectionOptions options(BrokerTransport transport) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setSocketFactory(transport.socketFactory());
        options.setHttpsHostnameVerificationEnabled(transport.pahoHostnameVerification());
        options.setConnectionTimeout((int) CONNECT_TIMEOUT.toSeconds());
        options.setAutomaticReconnect(false);
        options.setCleanStart(true);
        return options;
    }

    /** Connects with {@link #options}; the caller closes the client. */
    static MqttAsyncClient connect(BrokerTransport transport, String clientId) throws MqttException {
        return connect(transport, clientId, options(transport));
    }

    static MqttAsyncClient connect(BrokerTransport transport, String clientId, MqttConnectionOptions options)
            throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(transport.pahoServerUri(), clientId, new MemoryPersistence());
        try {
            client.connect(options).waitForCompletion(CONNECT_TIMEOUT.plusSeconds(5).toMillis());
            return client;
        } catch (MqttException | RuntimeException e) {
            client.close(true);
            throw e;
        }
    }

    /** The exception of a connect that must fail; fails the test if it connects. */
    static MqttException connectFailure(BrokerTransport transport, MqttConnectionOptions options) {
        try {
            MqttAsyncClient client = connect(transport, "mmi-expected-to-fail", options);
            close(client);
        } catch (MqttException expected) {
            return expected;
        }
        throw new AssertionError("connected to " + transport.describe() + " but expected a failure");
    }

    static MqttException connectFailure(BrokerTransport transport) {
        return connectFailure(transport, options(transport));
    }

    /** The message {@link BrokerTransport#explainConnectFailure} gives for a connect that must fail. */
    static String explainedFailure(BrokerTransport transport, MqttConnectionOptions options) {
        MqttException failure = connectFailure(transport, options);
        return transport.explainConnectFailure(failure)
                .orElseThrow(() -> new AssertionError("taken for a passing failure: " + failure, failure))
                .getMessage();
    }

    static String explainedFailure(BrokerTransport transport) {
        return explainedFailure(transport, options(transport));
    }

    static void close(MqttAsyncClient client) throws MqttException {
        if (client.isConnected()) {
            client.disconnect().waitForCompletion(5_000);
        }
        client.close(true);
    }
}
