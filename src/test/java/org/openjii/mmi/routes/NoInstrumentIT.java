package org.openjii.mmi.routes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.BridgeProcess;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A gateway whose MultispeQ is not plugged in yet, as {@code kubectl rollout status} meets it: {@code mmi run} with a
 * device port that does not exist. Readiness (what the pod's readiness probe asks) is UP, since the bridge takes and
 * keeps data; the instrument's own health check in the full report is DOWN, its metric {@code mmi_device_connected}
 * is 0, and the log says so in a line.
 */
class NoInstrumentIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void shouldBeReadyWithoutItsInstrumentWhileTheInstrumentsCheckAndMetricSayAbsent() throws Exception {
        int port = freePort();
        String absent = dir.resolve("serial/by-id/usb-Teensyduino_USB_Serial_absent-if00").toString();
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("bridge.log"), Map.of("mmi.http.port",
                String.valueOf(port), "mmi.device.port", absent, "mmi.embedded.port", "0", "mmi.embedded.dir", dir
                        .resolve("broker")
                        .toString(),
                "mmi.outbox.dir", dir.resolve("outbox").toString()))) {
            await("ready").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptionsInstanceOf(
                            IOException.class)
                    .untilAsserted(() -> {
                        assertThat(bridge.isAlive()).as("running; output:%n%s", bridge.output()).isTrue();
                        HttpResponse<String> ready = get(port, "/observe/health/ready");
                        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                    });

            HttpResponse<String> all = get(port, "/observe/health?exposureLevel=full");
            assertThat(all.statusCode()).isEqualTo(503);
            JsonNode device = null;
            for (JsonNode check : DeviceJson.parse(all.body()).path("checks")) {
                if (check.path("name").asText().equals("device:multispeq")) {
                    device = check;
                }
            }
            assertThat(device).as("the instrument's own check in %s", all.body()).isNotNull();
            assertThat(device.path("status").asText()).isEqualTo("DOWN");
            assertThat(device.path("message").asText())
                    .contains("usb-Teensyduino_USB_Serial_absent-if00 does not exist");
            assertThat(get(port, "/observe/metrics").body()).containsPattern(
                    "(?m)^mmi_device_connected\\{device=\"multispeq\"} 0\\.0$");
            assertThat(bridge.output()).contains("usb-Teensyduino_USB_Serial_absent-if00: no MultispeQ (");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
