package org.openjii.mmi.routes;

import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.simulator.MultispeqSimulator;
import org.openjii.mmi.simulator.SimulatorFault;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MqttRecorder.Received;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Failed device replies, from the shipped device route, end as dead letters with the raw bytes; data goes on. */
class DeviceDeadLettersIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/2/01:12:53:20";

    @BeforeAll
    static void simulatedDevice() {
        override("mmi.device.port", "sim");
        override("mmi.device.interval", "200ms");
        override("mmi.simulator.options", "run-time=0s,pause=0ms,replug=300ms");
    }

    @BeforeEach
    void forget() {
        recorder.clear();
    }

    private MultispeqSimulator simulator() {
        return context.getComponent("multispeq", MultispeqComponent.class).getSimulatedDevice("sim").simulator();
    }

    private Received deadLetterAfter(SimulatorFault... faults) {
        await().atMost(WAIT).until(() -> !recorder.on(DATA).isEmpty());
        simulator().injectNext(faults[0], Arrays.copyOfRange(faults, 1, faults.length));
        await().atMost(WAIT).until(() -> !recorder.on("mmi/dlq/").isEmpty());
        int before = recorder.on(DATA).size();
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() > before);
        return recorder.on("mmi/dlq/").get(0);
    }

    @Test
    void shouldDeadLetterAChecksumMismatchWithTheBytesReceived() throws Exception {
        Received dead = deadLetterAfter(SimulatorFault.CRC_ERROR);

        assertThat(dead.topic()).isEqualTo("mmi/dlq/" + CLIENT_ID + "/crc-mismatch");
        JsonNode envelope = DeviceJson.parse(dead.payload());
        assertThat(envelope.get("raw").asText()).startsWith("{\"device_name\":\"MultispeQ\"");
        assertThat(envelope.get("device_id").asText()).isEqualTo("01:12:53:20");
        assertThat(envelope.get("port").asText()).isEqualTo("sim");
        assertThat(envelope.get("route_id").asText()).isEqualTo("device-multispeq");
    }

    @Test
    void shouldDeadLetterAReplyCutOffByAnUnplug() throws Exception {
        Received dead = deadLetterAfter(SimulatorFault.TRUNCATE, SimulatorFault.UNPLUG);

        assertThat(dead.topic()).isEqualTo("mmi/dlq/" + CLIENT_ID + "/truncated");
        assertThat(DeviceJson.parse(dead.payload()).get("raw").asText()).startsWith("{\"device_name\"");
    }
}
