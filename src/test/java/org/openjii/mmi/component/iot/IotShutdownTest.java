package org.openjii.mmi.component.iot;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.FlowControl;
import org.openjii.mmi.delivery.MqttConnection;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxBudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping while a CONNECT waits for its CONNACK: the broker took the TCP connection and the CONNECT and never
 * answers (an overloaded broker, a proxy that hangs). The stop does not wait out the connect timeout.
 */
class IotShutdownTest {

    /** Far longer than any stop may take: a stop that waited for it would show. */
    private static final int CONNECT_TIMEOUT_SECONDS = 120;
    private static final int MQTT_CONNECT = 0x10;

    @TempDir
    Path dir;

    @Test
    void aStopDuringAnUnansweredConnectDoesNotWaitForTheConnectTimeout() throws Exception {
        try (ServerSocket broker = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            broker.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            CamelContext context = new DefaultCamelContext();
            context.getComponent("iot", IotComponent.class)
                    .addIdentity("default", new Delivery.Settings("tcp://127.0.0.1:" + broker.getLocalPort(), null,
                            null, null, false, null, new MqttConnection.Settings("gw-stop", 60, 600, null,
                                    CONNECT_TIMEOUT_SECONDS, Duration.ofSeconds(2)),
                            FlowControl.unlimited(100), null, dir.resolve("outbox"), OutboxBudget.forData(16L << 20),
                            Outbox.FullPolicy.REJECT, Duration.ofMinutes(15)), null);
            context.start();
            try (Socket client = broker.accept(); InputStream in = client.getInputStream()) {
                assertThat(in.read()).as("the first byte the client sends: a CONNECT packet's")
                        .isEqualTo(MQTT_CONNECT);

                CompletableFuture<Void> stop = CompletableFuture.runAsync(context::stop);
                await().atMost(Duration.ofSeconds(5)).until(stop::isDone);
                stop.join();
                assertThat(context.isStopped()).isTrue();
            }
        }
    }
}
