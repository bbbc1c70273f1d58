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
    void shouldRefuseAPortThatIsNotANumber() {
        context.getPropertiesComponent().addOverrideProperty(EmbeddedBroker.PORT_SETTING, "mqtt");

        assertThatThrownBy(() -> EmbeddedBroker.fromProperties(context)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mmi.embedded.port must be a port number (0-65535; 0: any free port), was 'mqtt'");
    }
}
