package org.openjii.mmi.routes;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.test.TestJson.json;

/**
 * Delivery through the durable outbox and the one MQTT connection, against a real Mosquitto: messages the broker
 * refuses (ACL, size) become dead letters with the MQTT reason code and are not retried. ({@link BrokerOutageIT}: a
 * 30 s outage loses nothing; {@link DeliveryStartupIT}: the process starts while the broker is down.)
 */
class DeliveryIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";
    private static final String REFUSED = "mmi/dlq/" + CLIENT_ID + "/rejected-by-broker";
    private static final String FORBIDDEN_EXPERIMENT = "forbidden-experiment";
    /**
     * Mosquitto's {@code max_packet_size}, announced in CONNACK: larger than a PAR (340 B) or RIDES (about 10 KB)
     * message, smaller than the 66 KB fluorescence output's (about 22 KB).
     */
    private static final int BROKER_PACKET_LIMIT = 20_000;
    /**
     * Mosquitto's {@code message_size_limit}, not announced: it answers a larger PUBLISH with PUBACK 0x95, a code
     * MQTT 5 does not allow in a PUBACK, which the client treats as a protocol error: it drops the connection. Between
     * a PAR
     * and a RIDES message.
     */
    private static final int BROKER_SILENT_LIMIT = 8_000;

    static {
        brokerConfig = dir -> {
            try {
                // Everyone may read everything; the bridge may write its status, dead letters and this experiment.
                Files.write(dir.resolve("acl"), List.of("topic read #", "topic write mmi/#",
                        "topic write experiment/data_ingest/v1/" + EXPERIMENT + "/#"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return List.of("acl_file " + dir.resolve("acl"), "max_packet_size " + BROKER_PACKET_LIMIT,
                    "message_size_limit " + BROKER_SILENT_LIMIT);
        };
    }

    private final String par = TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json");

    @BeforeEach
    void forgetEarlierMessages() {
        recorder.clear();
    }

    /** A PAR output finished at second {@code n} of the test day: its timestamp identifies it on the broker. */
    private void ingest(int n) {
        ingest(par, n, Map.of());
    }

    private void ingest(String output, int n, Map<String, Object> headers) {
        Map<String, Object> all = new HashMap<>(headers);
        all.put(MultispeqConstants.LAST_BYTE_AT, Instant.parse("2026-03-09T00:00:00Z").plusSeconds(n));
        all.put(MultispeqConstants.PORT, "/dev/ttyTEST0");
        template.sendBodyAndHeaders("direct:ingest", output, all);
    }

    private static Set<String> timestamps(List<MqttRecorder.Received> messages) {
        return messages.stream().map(m -> json(m.payload()).path("timestamp").asText()).collect(Collectors.toSet());
    }

    private static long count(Pattern pattern, String text) {
        return pattern.matcher(text).results().count();
    }

    @Test
    void shouldDeadLetterAPublishTheBrokerRefusesAsNotAuthorizedWithoutRetrying() throws Exception {
        long quarantined = delivery().outbox().quarantined();
        ingest(par, 100, Map.of(IngestHeaders.EXPERIMENT_ID, FORBIDDEN_EXPERIMENT));
        // A later message gets through: the refused one does not block the outbox.
        ingest(101);

        await().atMost(WAIT).until(() -> recorder.on(REFUSED).size() == 1 && recorder.on(DATA).size() == 1);
        JsonNode letter = json(recorder.on(REFUSED).get(0).payload());
        assertThat(letter.path("reason").asText()).isEqualTo("rejected-by-broker");
        assertThat(letter.path("mqtt_reason_code").asInt()).isEqualTo(0x87);
        assertThat(letter.path("mqtt_reason").asText()).isEqualTo("Not authorized");
        assertThat(letter.path("refused_topic").asText()).contains("/" + FORBIDDEN_EXPERIMENT + "/");
        JsonNode refused = json(letter.path("raw").asText());
        assertThat(refused.path("timestamp").asText()).isEqualTo("2026-03-09T01:01:40.000+01:00");
        assertThat(refused.path("_client_id").asText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}"
                + "-[0-9a-f]{12}").isNotEqualTo(letter.path("message_id").asText());
        assertThat(refused.path("device_id").asText()).isEqualTo(json(par).path("device_id").asText());

        await().atMost(WAIT).until(() -> delivery().outbox().depth() == 0);
        assertThat(delivery().outbox().quarantined()).isEqualTo(quarantined + 1);
        MeterRegistry meters = context.getRegistry()
                .lookupByNameAndType(Observability.METER_REGISTRY_NAME,
                        MeterRegistry.class);
        assertThat(meters.get("mmi.mqtt.refused").tag("reason_code", "0x87").counter().count()).isEqualTo(1);
        assertThat(meters.get("mmi.mqtt.published").counter().count()).isGreaterThanOrEqualTo(2);
        assertThat(count(Pattern.compile("Denied PUBLISH from " + Pattern.quote(CLIENT_ID) + " .*"
                + FORBIDDEN_EXPERIMENT), broker.logText()))
                .as("refused once, never retried")
                .isEqualTo(1);
    }

    /**
     * The usual IoT policy mistake: the broker refuses every data message (0x87). Readiness goes DOWN after three in a
     * row, naming the refusal, and comes back with the first one it accepts.
     */
    @Test
    void shouldReportNotReadyWhileTheBrokerRefusesEveryDataMessage() throws Exception {
        ingest(500);
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() == 1);
        assertThat(deliveryReadiness()).isEqualTo(HealthCheck.State.UP);

        for (int n = 501; n <= 503; n++) {
            ingest(par, n, Map.of(IngestHeaders.EXPERIMENT_ID, FORBIDDEN_EXPERIMENT));
        }
        await().atMost(WAIT).until(() -> recorder.on(REFUSED).size() == 3);
        HealthCheck.Result refused = HealthCheckRegistry.get(context).getCheck("delivery").orElseThrow().call();
        assertThat(refused.getState()).isEqualTo(HealthCheck.State.DOWN);
        assertThat(refused.getMessage()).hasValueSatisfying(message -> assertThat(message)
                .startsWith("The broker refused the last 3 data messages (the last: ")
                .contains("Not authorized (0x87)"));
        assertThat(refused.getDetails()).containsEntry("publisher.data-refused-in-a-row", 3);

        ingest(504);
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() == 2);
        await().atMost(WAIT).until(() -> deliveryReadiness() == HealthCheck.State.UP);
    }

    @Test
    void shouldDeadLetterAMessageOverTheBrokersMaximumPacketSizeWithoutSendingIt() throws Exception {
        long quarantined = delivery().outbox().quarantined();
        String fluorescence = TestResources.text(
                "/fixtures/multispeq/public/measurements/fluorescence-detector-offsets_fw2.343_66KB.json");
        ingest(fluorescence, 200, Map.of());

        await().atMost(WAIT).until(() -> recorder.on(REFUSED).size() == 1);
        JsonNode letter = json(recorder.on(REFUSED).get(0).payload());
        assertThat(letter.path("mqtt_reason_code").asInt()).isEqualTo(0x95);
        assertThat(letter.path("mqtt_reason").asText()).isEqualTo("Packet too large");
        assertThat(letter.path("raw_quarantined").asBoolean()).isTrue();
        assertThat(letter.path("raw_bytes").asInt()).isGreaterThan(BROKER_PACKET_LIMIT);
        assertThat(letter.path("raw").isNull()).isTrue();
        assertThat(recorder.on(DATA)).isEmpty();
        await().atMost(WAIT).until(() -> delivery().outbox().depth() == 0);
        assertThat(delivery().outbox().quarantined()).isEqualTo(quarantined + 1);
        assertThat(broker.logText()).doesNotContain("52:00:12:bc");
    }

    @Test
    void shouldDeadLetterAMessageTheBrokerAnswersByDisconnectingAfterAFewTries() throws Exception {
        long quarantined = delivery().outbox().quarantined();
        String rides = TestResources.text("/fixtures/multispeq/public/measurements/rides_fw2.21.json");
        ingest(rides, 400, Map.of());
        ingest(401);

        // (The PAR message may arrive twice: it can be in flight when the broker drops the connection.)
        await().atMost(Duration.ofSeconds(60))
                .until(() -> recorder.on(REFUSED).size() == 1 && timestamps(recorder.on(DATA)).size() == 1);
        JsonNode letter = json(recorder.on(REFUSED).get(0).payload());
        assertThat(letter.path("refused_by").asText()).isEqualTo("disconnecting");
        assertThat(letter.path("raw_quarantined").asBoolean()).isTrue();
        assertThat(letter.path("raw_bytes").asInt()).isGreaterThan(BROKER_SILENT_LIMIT);
        assertThat(json(recorder.on(DATA).get(0).payload()).path("timestamp").asText())
                .isEqualTo("2026-03-09T01:06:41.000+01:00");
        await().atMost(WAIT).until(() -> delivery().outbox().depth() == 0);
        assertThat(delivery().outbox().quarantined()).isEqualTo(quarantined + 1);
        assertThat(count(Pattern.compile("Dropped too large PUBLISH from " + Pattern.quote(CLIENT_ID)),
                broker.logText()))
                .as("tried a few times, not forever: the drop that starts probing (other messages may be in"
                        + " flight then), and three with the message alone in flight")
                .isBetween(3L, 4L);
    }

    /** {@code mmi.delivery.latency} counts from the device's last byte, through the real routes, to the PUBACK. */
    @Test
    void shouldMeasureTheDeliveryLatencyFromTheDevicesLastByte() {
        MeterRegistry meters = context.getRegistry()
                .lookupByNameAndType(Observability.METER_REGISTRY_NAME, MeterRegistry.class);
        long before = meters.get("mmi.delivery.latency").timer().count();
        Instant lastByte = Instant.now();
        template.sendBodyAndHeaders("direct:ingest", par, Map.of(MultispeqConstants.LAST_BYTE_AT, lastByte,
                MultispeqConstants.PORT, "/dev/ttyTEST0"));

        await().atMost(WAIT).until(() -> meters.get("mmi.delivery.latency").timer().count() > before);
        assertThat(meters.get("mmi.delivery.latency").timer().max(TimeUnit.MILLISECONDS))
                .isBetween(0.0, (double) Duration.between(lastByte, Instant.now()).toMillis());
    }

    @Test
    void shouldPublishARetainedOnlineStatus() throws Exception {
        await().atMost(WAIT).until(() -> delivery().connection().isConnected());
        try (MqttRecorder status = MqttRecorder.subscribe(broker.url(), "status-reader",
                "mmi/v1/" + CLIENT_ID + "/status")) {
            await().atMost(WAIT).until(() -> !status.messages().isEmpty());
            JsonNode online = json(status.messages().get(0).payload());
            assertThat(online.path("status").asText()).isEqualTo("online");
            assertThat(online.path("client_id").asText()).isEqualTo(CLIENT_ID);
        }
    }
}
