package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;

import static org.awaitility.Awaitility.await;

/** Subscriptions on the one connection, against a real Mosquitto: delivered, and renewed after the broker restarts. */
class MqttConnectionIT {

    private static final String COMMANDS = "mmi/v1/gw-1/command";

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private MqttConnection connection;
    private final ConnectionThreads threads = new ConnectionThreads();

    @BeforeEach
    void start() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        // No persistence: a restart forgets every session, so the subscription must be made again.
        broker = MosquittoBroker.start(dir);
        connection = new MqttConnection(BrokerTransport.create(broker.url(), null, null, null, false, null),
                new MqttConnection.Settings("gw-1", 60, 600, "mmi/v1/gw-1/status", 5, Duration.ofSeconds(2)),
                Clock.systemUTC(), threads.network(), threads.callbacks());
        connection.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (broker != null) {
            broker.close();
        }
        threads.close();
    }

    private void operatorSends(String text) throws Exception {
        MqttClient operator = new MqttClient(broker.url(), "operator", new MemoryPersistence());
        try {
            operator.connect();
            MqttMessage message = new MqttMessage(text.getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            operator.publish(COMMANDS, message);
            operator.disconnect();
        } finally {
            operator.close();
        }
    }

    @Test
    void shouldDeliverSubscribedMessagesAndSubscribeAgainAfterTheBrokerForgotTheSession() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        connection.subscribe("mmi/v1/gw-1/+", new MqttConnection.Subscription(1, false, message -> {
            received.add(message.topic() + " " + new String(message.payload(), StandardCharsets.UTF_8));
            message.acknowledge();
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.logText().contains("gw-1 1 mmi/v1/gw-1/+"));

        operatorSends("{\"command\":\"battery\"}");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> received.contains(COMMANDS
                        + " {\"command\":\"battery\"}"));

        broker.stop();
        broker.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> connection.isConnected());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> broker.logText()
                        .split("gw-1 1 mmi/v1/gw-1/\\+",
                                -1).length == 3);
        operatorSends("{\"action\":\"status\"}");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> received.contains(COMMANDS
                        + " {\"action\":\"status\"}"));
    }
}
