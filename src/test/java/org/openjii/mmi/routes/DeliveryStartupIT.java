package org.openjii.mmi.routes;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.test.TestResources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker is down when the bridge starts: the process starts anyway, readiness reports the delivery DOWN,
 * measurements wait in the outbox, and they are delivered once the broker is reachable.
 */
class DeliveryStartupIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);

    static {
        // The recorder's subscription must survive the broker's restart.
        brokerConfig = dir -> List.of("persistence true", "persistence_location " + dir + "/");
    }

    @BeforeAll
    static void brokerDownBeforeTheBridgeStarts() throws Exception {
        recorder.leave(broker);
        broker.stop();
    }

    @Test
    void shouldStartWhileTheBrokerIsDownAndDeliverOnceItIsBack() throws Exception {
        assertThat(context.getStatus().isStarted()).isTrue();
        assertThat(deliveryReadiness()).isEqualTo(HealthCheck.State.DOWN);
        template.sendBodyAndHeaders("direct:ingest",
                TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json"),
                Map.of(MultispeqConstants.LAST_BYTE_AT, Instant.parse("2026-03-09T12:00:00Z")));
        assertThat(delivery().outbox().depth()).isEqualTo(1);

        broker.restart();
        recorder.reconnect();
        await().atMost(WAIT).until(() -> recorder.on("experiment/").size() == 1);
        await().atMost(WAIT).until(() -> deliveryReadiness() == HealthCheck.State.UP);
        await().atMost(WAIT).until(() -> delivery().outbox().depth() == 0);
    }
}
