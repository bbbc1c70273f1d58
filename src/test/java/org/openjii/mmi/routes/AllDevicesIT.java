package org.openjii.mmi.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.ToolAssumptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** mmi.device.port=auto with mmi.device.all=true: a route for every MultispeQ found, also one plugged in later. */
class AllDevicesIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static Path dir;
    private static PtySimulator first;
    private static PtySimulator later;

    @BeforeAll
    static void startFirstDevice() throws Exception {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        dir = Files.createTempDirectory("mmi-scan");
        first = PtySimulator.start(dir.resolve("ttyM1"), DeviceRoutesIT.fast("aa:00:00:01", "2.3465"));
        override("mmi.device.port", "auto");
        override("mmi.device.all", "true");
        override("mmi.device.scan-patterns", dir + "/ttyM?");
        override("mmi.device.scan-interval", "500ms");
        override("mmi.device.interval", "500ms");
    }

    @AfterAll
    static void stopDevices() {
        if (first != null) {
            first.close();
        }
        if (later != null) {
            later.close();
        }
    }

    @Test
    void shouldGiveEveryMultispeqFoundItsRouteIncludingOnePluggedInLater() throws Exception {
        String data = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/2/";
        await().atMost(WAIT).until(() -> !recorder.on(data + "aa:00:00:01").isEmpty());

        later = PtySimulator.start(dir.resolve("ttyM2"), DeviceRoutesIT.fast("cc:00:00:03", "2.3465"));

        await().atMost(WAIT).until(() -> !recorder.on(data + "cc:00:00:03").isEmpty());
        assertThat(context.getRoute("device-ttym1")).isNotNull();
        assertThat(context.getRoute("device-ttym2")).isNotNull();
    }
}
