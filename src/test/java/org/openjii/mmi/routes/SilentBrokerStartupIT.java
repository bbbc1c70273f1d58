package org.openjii.mmi.routes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.test.TestResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A "broker" that accepts the TCP connection and never answers CONNECT (a firewall that swallows, a broker that
 * hangs): the bridge starts at once, not after {@code mmi.mqtt.connect-timeout}, takes measurements into its outbox
 * and reports itself not ready while the CONNECT waits.
 */
class SilentBrokerStartupIT extends MmiRouteTestSupport {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private static ServerSocket silent;
    private static final List<Socket> held = new CopyOnWriteArrayList<>();
    private static Instant configured;

    @BeforeAll
    static void aBrokerThatNeverAnswers() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    // Kept open and never written to: the CONNECT gets no CONNACK.
                    held.add(silent.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-broker");
        acceptor.setDaemon(true);
        acceptor.start();
        override("mmi.mqtt.broker-url", "tcp://127.0.0.1:" + silent.getLocalPort());
        override("mmi.mqtt.connect-timeout", CONNECT_TIMEOUT.toSeconds() + "s");
        configured = Instant.now();
    }

    @AfterAll
    static void stopSilentBroker() throws IOException {
        if (silent != null) {
            silent.close();
        }
        for (Socket socket : held) {
            socket.close();
        }
    }

    @Test
    void shouldStartAndMeasureWhileTheBrokerDoesNotAnswerConnect() {
        assertThat(context.getStatus().isStarted()).isTrue();
        assertThat(Duration.between(configured, Instant.now())).as("started without waiting for the CONNECT")
                .isLessThan(CONNECT_TIMEOUT.dividedBy(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> !held.isEmpty());

        template.sendBodyAndHeaders("direct:ingest",
                TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json"),
                Map.of(MultispeqConstants.LAST_BYTE_AT, Instant.parse("2026-03-09T12:00:00Z")));
        assertThat(delivery().outbox().depth()).isEqualTo(1);

        HealthCheck.Result readiness = HealthCheckRegistry.get(context).getCheck("delivery").orElseThrow().call();
        assertThat(readiness.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(readiness.getMessage()).hasValueSatisfying(message -> assertThat(message)
                .contains("is not connected since")
                .contains("connecting to tcp://127.0.0.1:" + silent.getLocalPort()));
        assertThat(Duration.between(configured, Instant.now())).as("all of it before the CONNECT timed out")
                .isLessThan(CONNECT_TIMEOUT);
    }
}
