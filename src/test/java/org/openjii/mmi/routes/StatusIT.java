package org.openjii.mmi.routes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.control.BridgeStatus;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.BridgeProcess;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The retained status message as a remote operator sees it, with a plain Paho MQTT 5 client on a real Mosquitto: the
 * device on the built-in simulator with its identity and battery, its last measurement time advancing, and its
 * unplug and return; and the Last Will {@code offline} when a bridge process is killed with {@code kill -9}.
 */
class StatusIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String STATUS = "mmi/v1/" + CLIENT_ID + "/status";
    private static final String DEVICE_ID = "cc:00:00:57";
    private static final String FIRMWARE = "2.3465";
    private static final int BATTERY = 64;

    @BeforeAll
    static void configureTheBridge() {
        override("mmi.device.port", "sim");
        override("mmi.device.interval", "300ms");
        // The device unplugs itself after 12 replies (handshake, battery, about 9 measurements) and is back 2 s later.
        override("mmi.simulator.options", "id=" + DEVICE_ID + ",firmware=" + FIRMWARE + ",battery=" + BATTERY
                + ",max-run-time=0s,pause=0ms,faults=unplug:after=12,replug=2s");
        override("mmi.status.min-interval", "200ms");
        override("mmi.status.battery-interval", "1s");
    }

    /** A status message as received: its JSON, and whether the broker sent it as a retained message. */
    record Status(JsonNode json, boolean retained) {

        JsonNode device() {
            return json.path("devices").path(0);
        }

        boolean connected() {
            return device().path("connected").asBoolean(false);
        }
    }

    /**
     * The remote operator's view of one status topic: a Paho MQTT 5 client (clean start) that records every message
     * with its retain flag. Subscribing after the fact, it first gets the retained status.
     */
    static final class StatusWatcher implements AutoCloseable {

        private final MqttClient client;
        private final List<Status> received = new CopyOnWriteArrayList<>();

        StatusWatcher(String brokerUrl, String clientId, String topic) throws MqttException {
            client = new MqttClient(brokerUrl, clientId, new MemoryPersistence());
            // One callback for all messages, set before subscribing: Paho 1.2.5's listener overloads are broken (the
            // single-filter subscribe with a listener calls itself until the stack overflows).
            client.setCallback(new MqttCallback() {

                @Override
                public void disconnected(MqttDisconnectResponse response) {
                }

                @Override
                public void mqttErrorOccurred(MqttException exception) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) throws IOException {
                    received.add(new Status(DeviceJson.parse(new String(message.getPayload(),
                            StandardCharsets.UTF_8)), message.isRetained()));
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                }
            });
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            client.connect(options);
            client.subscribe(topic, 1);
        }

        List<Status> received() {
            return List.copyOf(received);
        }

        Optional<Status> first() {
            return received.stream().findFirst();
        }

        Optional<Status> last() {
            List<Status> all = received();
            return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
        }

        @Override
        public void close() throws MqttException {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
    }

    private static Instant lastMeasurement(Status status) {
        String text = status.device().path("last_measurement_at").asText(null);
        return text == null ? null : Instant.parse(text);
    }

    @Test
    void shouldKeepARetainedStatusWithTheDeviceItsBatteryAndItsLastMeasurementUpToDate() throws Exception {
        try (StatusWatcher operator = new StatusWatcher(broker.url(), "status-operator", STATUS)) {
            // The bridge's full status, not the bare online: the device connected, as the simulator identifies it.
            await().atMost(WAIT)
                    .until(() -> operator.received()
                            .stream()
                            .anyMatch(s -> s.connected() && lastMeasurement(s) != null
                                    && !s.device().path("battery").isNull()));
            Status full = operator.received()
                    .stream()
                    .filter(s -> s.connected() && lastMeasurement(s) != null)
                    .findFirst()
                    .orElseThrow();
            JsonNode status = full.json();
            assertThat(status.path("status").asText()).isEqualTo("online");
            assertThat(status.path("client_id").asText()).isEqualTo(CLIENT_ID);
            assertThat(status.path("mmi_version").asText()).isNotBlank();
            assertThat(Instant.parse(status.path("since").asText())).isBefore(Instant.parse(status.path("updated_at")
                    .asText()));
            assertThat(status.path("outbox_depth").isIntegralNumber()).as(status.toString()).isTrue();
            assertThat(status.path("devices")).hasSize(1);
            JsonNode device = full.device();
            assertThat(device.path("name").asText()).isEqualTo("multispeq");
            assertThat(device.path("port").asText()).isNotBlank();
            assertThat(device.path("device_id").asText()).isEqualTo(DEVICE_ID);
            assertThat(device.path("firmware").asText()).isEqualTo(FIRMWARE);
            assertThat(device.path("battery").asInt()).isEqualTo(BATTERY);

            // Every new measurement moves last_measurement_at on.
            Instant first = lastMeasurement(full);
            await().atMost(WAIT)
                    .until(() -> operator.last()
                            .map(StatusIT::lastMeasurement)
                            .filter(later -> later.isAfter(first))
                            .isPresent());

            // The device unplugs itself and comes back: both changes reach the status, the identity is kept.
            await().atMost(WAIT).until(() -> operator.last().filter(s -> !s.connected()).isPresent());
            Status unplugged = operator.last().orElseThrow();
            assertThat(unplugged.device().path("device_id").asText()).isEqualTo(DEVICE_ID);
            await().atMost(WAIT).until(() -> operator.last().filter(Status::connected).isPresent());
        }

        // What the broker keeps: a newcomer gets the latest status at once, as a retained message.
        try (StatusWatcher newcomer = new StatusWatcher(broker.url(), "status-newcomer", STATUS)) {
            await().atMost(WAIT).until(() -> newcomer.first().isPresent());
            Status retained = newcomer.first().orElseThrow();
            assertThat(retained.retained()).isTrue();
            assertThat(retained.json().path("status").asText()).isEqualTo("online");
            assertThat(retained.device().path("device_id").asText()).isEqualTo(DEVICE_ID);
        }
    }

    @Test
    void shouldAnswerTheStatusBeanWithTheSameContentAsTheRetainedMessage() throws Exception {
        // The status a command's {"action":"status"} answers with (bean mmiStatus, method snapshot).
        BridgeStatus bean = context.getRegistry().lookupByNameAndType(BridgeStatus.BEAN_NAME, BridgeStatus.class);
        await().atMost(WAIT)
                .until(() -> DeviceJson.mapper()
                        .valueToTree(bean.snapshot())
                        .at("/devices/0/connected")
                        .asBoolean(false));
        try (StatusWatcher newcomer = new StatusWatcher(broker.url(), "status-snapshot", STATUS)) {
            await().atMost(WAIT)
                    .until(() -> newcomer.last().filter(s -> s.connected() && lastMeasurement(s) != null).isPresent());
            JsonNode retained = newcomer.last().orElseThrow().json();
            JsonNode snapshot = DeviceJson.mapper().valueToTree(bean.snapshot());

            assertThat(fieldNames(snapshot)).isEqualTo(fieldNames(retained));
            assertThat(fieldNames(snapshot.at("/devices/0"))).isEqualTo(fieldNames(retained.at("/devices/0")));
            for (String same : List.of("/status", "/client_id", "/mmi_version", "/since", "/devices/0/name",
                    "/devices/0/device_id", "/devices/0/firmware", "/devices/0/battery")) {
                assertThat(snapshot.at(same)).as(same).isEqualTo(retained.at(same));
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void shouldFlipTheRetainedStatusToOfflineWhenTheBridgeProcessIsKilled() throws Exception {
        String clientId = "mmi-status-killed";
        String topic = "mmi/v1/" + clientId + "/status";
        Path dir = Files.createTempDirectory("mmi-status-process");
        try (StatusWatcher operator = new StatusWatcher(broker.url(), "status-operator-kill", topic);
                BridgeProcess bridge = BridgeProcess.start(dir.resolve("bridge.log"), Map.of(
                        "mmi.mqtt.broker-url", broker.url(), "mmi.mqtt.client-id", clientId,
                        "mmi.outbox.dir", dir.resolve("outbox").toString(), "mmi.experiment-id", EXPERIMENT,
                        "mmi.device.port", "sim", "mmi.device.interval", "1s",
                        "mmi.simulator.options", "max-run-time=0s",
                        // IoT Core's (and the bridge's) shortest keep-alive: the broker would notice a silent peer
                        // within 45 s; a killed process's socket is closed by its kernel at once anyway.
                        "mmi.mqtt.keep-alive", "30s"))) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> operator.last()
                            .filter(s -> "online".equals(s.json().path("status").asText()) && s.connected())
                            .isPresent());
            assertThat(bridge.isAlive()).as(bridge.output()).isTrue();

            bridge.killHard();

            await().atMost(Duration.ofSeconds(60))
                    .until(() -> operator.last()
                            .filter(s -> "offline".equals(s.json().path("status").asText()))
                            .isPresent());
            Status offline = operator.last().orElseThrow();
            assertThat(offline.json().path("client_id").asText()).isEqualTo(clientId);
            assertThat(broker.logText()).contains("Client " + clientId + " closed its connection")
                    .doesNotContain("Client " + clientId + " disconnected.");
        }
        // The Last Will was retained: the broker now tells a newcomer the bridge is offline.
        try (StatusWatcher newcomer = new StatusWatcher(broker.url(), "status-newcomer-kill", topic)) {
            await().atMost(WAIT).until(() -> newcomer.first().isPresent());
            assertThat(newcomer.first().orElseThrow().retained()).isTrue();
            assertThat(newcomer.first().orElseThrow().json().path("status").asText()).isEqualTo("offline");
        }
    }
}
