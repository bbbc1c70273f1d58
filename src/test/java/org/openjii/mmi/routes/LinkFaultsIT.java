package org.openjii.mmi.routes;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.test.MqttFaultProxy;
import org.openjii.mmi.test.TestResources;

import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.test.TestJson.json;

/**
 * A link that fails while measurements are in flight, between the bridge and a real Mosquitto ({@link MqttFaultProxy}
 * on the way): a connection that drops at each of the first four data PUBLISH packets is a network failure, not a
 * refusal, so nothing is quarantined and everything arrives; a link that takes PUBLISH packets and forwards none
 * (keep-alive still passes) is found by the PUBACK watchdog, which reconnects and sets readiness DOWN until a PUBACK
 * comes.
 */
class LinkFaultsIT extends MmiRouteTestSupport {

    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";
    private static final Duration PUBACK_TIMEOUT = Duration.ofSeconds(3);

    private static MqttFaultProxy proxy;
    private final String par = TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json");

    @BeforeAll
    static void throughTheProxy() throws IOException {
        proxy = MqttFaultProxy.start("127.0.0.1", broker.port());
        override("mmi.mqtt.broker-url", proxy.url());
        override("mmi.mqtt.puback-timeout", PUBACK_TIMEOUT.toSeconds() + "s");
    }

    @AfterAll
    static void stopProxy() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
    }

    @BeforeEach
    void connected() {
        recorder.clear();
        await().atMost(Duration.ofSeconds(30)).until(() -> deliveryReadiness() == HealthCheck.State.UP);
    }

    private void ingest(int n) {
        template.sendBodyAndHeaders("direct:ingest", par, Map.of(MultispeqConstants.LAST_BYTE_AT,
                Instant.parse("2026-03-09T00:00:00Z").plusSeconds(n), MultispeqConstants.PORT, "/dev/ttyTEST0"));
    }

    private Set<String> timestamps() {
        return recorder.on(DATA)
                .stream()
                .map(m -> json(m.payload()).path("timestamp").asText())
                .collect(Collectors.toSet());
    }

    private MeterRegistry meters() {
        return context.getRegistry().lookupByNameAndType(Observability.METER_REGISTRY_NAME, MeterRegistry.class);
    }

    private HealthCheck.Result readiness() {
        return HealthCheckRegistry.get(context).getCheck("delivery").orElseThrow().call();
    }

    @Test
    void shouldLoseNothingWhenTheLinkDropsAtEachOfTheFirstFourPublishes() {
        long quarantined = delivery().outbox().quarantined();
        int connections = proxy.connections();
        int failed = proxy.failed();
        proxy.failPublishes(4, MqttFaultProxy.Fault.CLOSE, topic -> topic.startsWith(DATA));
        ingest(1);
        ingest(2);

        // Four drops, each followed by a reconnect with backoff (1, 2, 4, 8 s): about 15 s.
        await().atMost(Duration.ofSeconds(60)).until(() -> timestamps().size() == 2);
        assertThat(proxy.failed() - failed).isEqualTo(4);
        assertThat(proxy.connections() - connections).as("a new connection after each drop").isGreaterThanOrEqualTo(4);
        await().atMost(Duration.ofSeconds(10)).until(() -> delivery().outbox().depth() == 0);
        assertThat(delivery().outbox().quarantined()).as("a drop is not a refusal").isEqualTo(quarantined);
        assertThat(recorder.on("mmi/dlq/")).as("no dead letter").isEmpty();
    }

    @Test
    void shouldReconnectAndReportNotReadyWhilePublishesGetNoPubAck() {
        double reconnects = meters().get("mmi.mqtt.watchdog.reconnects").counter().count();
        int connections = proxy.connections();
        int failed = proxy.failed();
        List<String> messages = new CopyOnWriteArrayList<>();
        proxy.failPublishes(4, MqttFaultProxy.Fault.SWALLOW, topic -> topic.startsWith(DATA));
        ingest(10);

        // Swallowed four times: the first send and three resends, each after the watchdog's reconnect.
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            HealthCheck.Result result = readiness();
            if (result.getState() == HealthCheck.State.DOWN) {
                result.getMessage().ifPresent(messages::add);
            }
            return timestamps().size() == 1;
        });
        assertThat(proxy.failed() - failed).isEqualTo(4);
        assertThat(meters().get("mmi.mqtt.watchdog.reconnects").counter().count() - reconnects)
                .as("one reconnect per swallowed publish")
                .isEqualTo(4);
        assertThat(proxy.connections() - connections).isEqualTo(4);
        assertThat(messages).as("readiness while no PUBACK came")
                .anyMatch(message -> message.contains("the connection was dropped for want of a PUBACK, no PUBACK for"
                        + " "));
        // The PUBACK of the resend that got through makes it ready again.
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveryReadiness() == HealthCheck.State.UP);
        assertThat(recorder.on("mmi/dlq/")).isEmpty();
    }
}
