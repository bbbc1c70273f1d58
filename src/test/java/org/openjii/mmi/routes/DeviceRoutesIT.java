package org.openjii.mmi.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.IngestMessageSchema;
import org.openjii.mmi.test.OpenJiiAsyncApi;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two simulated MultispeQs on two ptys listed in mmi.device.port: two device routes, correctly attributed data. */
class DeviceRoutesIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static PtySimulator first;
    private static PtySimulator second;

    @BeforeAll
    static void startDevices() throws Exception {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        Path dir = Files.createTempDirectory("mmi-ptys");
        first = PtySimulator.start(dir.resolve("ttyA"), fast("aa:00:00:01", "2.3465"));
        second = PtySimulator.start(dir.resolve("ttyB"), fast("bb:00:00:02", "1.17"));
        override("mmi.device.port", first.hostLink() + "," + second.hostLink());
        override("mmi.device.interval", "500ms");
    }

    static SimulatorOptions fast(String id, String firmware) {
        return SimulatorOptions.builder()
                .deviceId(id)
                .firmware(firmware)
                .deviceVersion(firmware.substring(0, 1))
                .runTime(Duration.ZERO)
                .chunkPause(Duration.ZERO)
                .build();
    }

    @AfterAll
    static void stopDevices() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    @Test
    void shouldRunOneRoutePerDeviceAndAttributeEachMessageToItsDevice() throws Exception {
        String data = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";

        await().atMost(WAIT)
                .until(() -> !recorder.on(data + "2/aa:00:00:01").isEmpty()
                        && !recorder.on(data + "1/bb:00:00:02").isEmpty());

        assertThat(context.getRoute("device-multispeq-1")).isNotNull();
        assertThat(context.getRoute("device-multispeq-2")).isNotNull();
        for (var m : recorder.on(data)) {
            IngestMessageSchema.assertValid(m.payload());
            OpenJiiAsyncApi.assertDataMessage(m.topic(), m.payload());
            JsonNode payload = DeviceJson.parse(m.payload());
            String id = payload.get("device_id").asText();
            assertThat(m.topic()).endsWith("/" + payload.get("device_version").asText() + "/" + id);
            assertThat(payload.get("device_firmware").asText()).isEqualTo(id.startsWith("aa") ? "2.3465" : "1.17");
        }
        assertThat(recorder.on("mmi/dlq/")).isEmpty();
    }
}
