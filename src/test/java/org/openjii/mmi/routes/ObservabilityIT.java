package org.openjii.mmi.routes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.component.multispeq.transport.SimulatedDevice;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MqttRecorder.Received;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health and Prometheus metrics fetched over HTTP from the running application (the simulated MultispeQ, a real
 * Mosquitto), as a Kubernetes probe and a Prometheus scrape see them: ready while the broker is up and the device
 * measures; a dead letter counted under its reason; still ready while the device is unplugged (its own check and
 * metric say so); not ready (but still alive) while the broker is down.
 */
class ObservabilityIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static int port;

    @BeforeAll
    static void observeOnAFreePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        override("mmi.http.port", String.valueOf(port));
        override("mmi.http.host", "127.0.0.1");
        override("mmi.device.port", "sim");
        override("mmi.device.interval", "500ms");
    }

    @Test
    void shouldReportDeviceAndBrokerStateOverHttp() throws Exception {
        // Given the bridge measuring the simulator and publishing to Mosquitto: ready, connected, counting.
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> ready = get("/observe/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(DeviceJson.parse(ready.body()).path("status").asText()).isEqualTo("UP");
            String metrics = get("/observe/metrics").body();
            assertThat(value(metrics, "mmi_mqtt_connected", "")).hasValue(1.0);
            assertThat(value(metrics, "mmi_device_connected", "device=\"multispeq\"")).hasValue(1.0);
            assertThat(value(metrics, "mmi_measurements_total", "device=\"multispeq\"").orElse(0)).isPositive();
            assertThat(value(metrics, "mmi_mqtt_published_total", "").orElse(0)).isPositive();
            // Counts are counters (_total); the version; the JVM's and the process's metrics (camel.metrics.binders).
            assertThat(metrics).contains("# TYPE mmi_outbox_dropped_total counter",
                    "# TYPE mmi_outbox_refused_full_total counter", "# TYPE mmi_outbox_refused_full_data_total counter")
                    .containsPattern("(?m)^mmi_build_info\\{version=\"[^\"]+\"} 1")
                    .containsPattern("(?m)^jvm_memory_used_bytes\\{")
                    .containsPattern("(?m)^jvm_gc_pause_seconds_count\\{")
                    .containsPattern("(?m)^process_cpu_usage ")
                    .containsPattern("(?m)^process_uptime_seconds ");
        });
        double measured = value(get("/observe/metrics").body(), "mmi_measurements_total", "device=\"multispeq\"")
                .orElseThrow();
        await().atMost(WAIT)
                .until(() -> value(get("/observe/metrics").body(), "mmi_measurements_total",
                        "device=\"multispeq\"").orElseThrow() > measured);
        HttpResponse<String> live = get("/observe/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(get("/observe/health/ready?exposureLevel=full").body()).contains("\"delivery\"")
                .doesNotContain("device:multispeq");
        assertThat(get("/observe/health?exposureLevel=full").body()).contains("\"delivery\"",
                "\"device:multispeq\"");

        // When a device output is garbage: a dead letter, counted under the reason its topic names.
        template.sendBodyAndHeaders("direct:ingest", "this is not JSON {",
                Map.of(MultispeqConstants.LAST_BYTE_AT, Instant.now(), MultispeqConstants.PORT, "/dev/ttyTEST0"));
        String dead = "mmi/dlq/" + CLIENT_ID + "/";
        await().atMost(WAIT).until(() -> !recorder.on(dead).isEmpty());
        Received letter = recorder.on(dead).get(0);
        String reason = letter.topic().substring(dead.length());
        assertThat(DeviceJson.parse(letter.payload()).path("reason").asText()).isEqualTo(reason);
        assertThat(value(get("/observe/metrics").body(), "mmi_dead_letters_total", "reason=\"" + reason + "\""))
                .hasValue(1.0);

        // When the device is unplugged: its own check DOWN and its metric 0; still ready (the bridge takes and keeps
        // data) and alive.
        SimulatedDevice device = context.getComponent("multispeq", MultispeqComponent.class).getSimulatedDevice("sim");
        device.unplug(null);
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> all = get("/observe/health");
            assertThat(all.statusCode()).isEqualTo(503);
            assertThat(DeviceJson.parse(all.body()).path("checks").toString()).contains("device:multispeq")
                    .doesNotContain("delivery");
            assertThat(value(get("/observe/metrics").body(), "mmi_device_connected", "device=\"multispeq\""))
                    .hasValue(0.0);
        });
        assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200);
        assertThat(get("/observe/health/live").statusCode()).isEqualTo(200);
        device.replug();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(get("/observe/health").statusCode()).isEqualTo(200);
            assertThat(value(get("/observe/metrics").body(), "mmi_device_connected", "device=\"multispeq\""))
                    .hasValue(1.0);
        });

        // When the broker stops: not ready, MQTT not connected; still alive (a restart would not bring it back).
        broker.stop();
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> ready = get("/observe/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            JsonNode body = DeviceJson.parse(ready.body());
            assertThat(body.path("status").asText()).isEqualTo("DOWN");
            assertThat(body.path("checks").toString()).contains("delivery", "is not connected");
            assertThat(value(get("/observe/metrics").body(), "mmi_mqtt_connected", "")).hasValue(0.0);
        });
        live = get("/observe/health/live");
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        assertThat(DeviceJson.parse(live.body()).path("status").asText()).isEqualTo("UP");
        assertThat(value(get("/observe/metrics").body(), "mmi_device_connected", "device=\"multispeq\""))
                .hasValue(1.0);

        // Then, with the broker back, ready again.
        broker.restart();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200);
            assertThat(value(get("/observe/metrics").body(), "mmi_mqtt_connected", "")).hasValue(1.0);
        });
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The value of a sample in Prometheus text format ({@code name{labels} value}) whose labels contain
     * {@code label}; empty when there is none.
     */
    private static OptionalDouble value(String exposition, String name, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(exposition);
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(label)) {
                return OptionalDouble.of(Double.parseDouble(m.group(2)));
            }
        }
        return OptionalDouble.empty();
    }
}
