package org.openjii.mmi.broker;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded HiveMQ itself: a taken port, its folders, a bad setting. */
class EmbeddedBrokerTest {

    private final CamelContext context = new DefaultCamelContext();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        context.close();
    }

    @Test
    void shouldListenOnAnotherLoopbackPortWhenTheConfiguredOneIsTakenAndAcceptMqtt5() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            context.getPropertiesComponent()
                    .addOverrideProperty(EmbeddedBroker.PORT_SETTING, String.valueOf(taken
                            .getLocalPort()));
            context.getPropertiesComponent().addOverrideProperty(EmbeddedBroker.DIR_SETTING, dir.toString());
            EmbeddedBroker broker = EmbeddedBroker.fromProperties(context);
            broker.start();
            try {
                assertThat(broker.port()).isPositive().isNotEqualTo(taken.getLocalPort());
                assertThat(broker.url()).isEqualTo("tcp://127.0.0.1:" + broker.port());
                assertThat(Files.readString(dir.resolve("config/config.xml")))
                        .contains("<bind-address>127.0.0.1</bind-address>", "<enabled>false</enabled>");

                MqttClient client = new MqttClient(broker.url(), "embedded-broker-test", new MemoryPersistence());
                client.connect();
                MqttMessage message = new MqttMessage("{}".getBytes());
                message.setQos(1);
                client.publish("mmi/dlq/mmi/invalid-json", message); // returns after the PUBACK
                client.disconnect();
                client.close();
            } finally {
                broker.stop();
            }
            try (Socket closed = new Socket()) {
                assertThatThrownBy(() -> closed.connect(new java.net.InetSocketAddress(InetAddress
                        .getLoopbackAddress(), broker.port()), 1000)).as("nothing listens after stop")
                        .isInstanceOf(java.net.ConnectException.class);
            }
        }
    }

    @Test
    void shouldAcceptConnectionsOnceAStartInTheBackgroundIsAwaited() throws Exception {
        context.getPropertiesComponent().addOverrideProperty(EmbeddedBroker.PORT_SETTING, "0");
        EmbeddedBroker broker = EmbeddedBroker.fromProperties(context);

        broker.startInBackground();
        String url = broker.awaitUrl();
        try {
            broker.start(); // Camel's start: returns once the background start is done
            assertThat(url).isEqualTo("tcp://127.0.0.1:" + broker.port());
            MqttClient client = new MqttClient(url, "embedded-broker-background-test", new MemoryPersistence());
            client.connect();
            client.disconnect();
            client.close();
        } finally {
            broker.stop();
        }
    }

    @Test
    void shouldReportWhyAStartInTheBackgroundFailedWhenItIsAwaited() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("broker"), "a file where the broker's folder should be");
        context.getPropertiesComponent().addOverrideProperty(EmbeddedBroker.PORT_SETTING, "0");
        context.getPropertiesComponent().addOverrideProperty(EmbeddedBroker.DIR_SETTING, notADirectory.toString());
        EmbeddedBroker broker = EmbeddedBroker.fromProperties(context);

        broker.startInBackground();

        assertThatThrownBy(broker::awaitUrl).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("embedded MQTT broker did not start")
                .hasMessageContaining(notADirectory.toString());
        assertThatThrownBy(broker::start).hasMessageContaining("embedded MQTT broker did not start");
    }

    @Test
    void shouldRefuseAPortThatIsNotANumber() {
        context.getPropertiesComponent().addOverrideProperty(EmbeddedBroker.PORT_SETTING, "mqtt");

        assertThatThrownBy(() -> EmbeddedBroker.fromProperties(context)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mmi.embedded.port must be a port number (0-65535; 0: any free port), was 'mqtt'");
    }
}
