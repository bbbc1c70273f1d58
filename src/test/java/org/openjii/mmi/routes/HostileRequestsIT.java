package org.openjii.mmi.routes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests that could silence or fool the bridge, through a real Mosquitto to a simulated MultispeQ on a
 * pseudo-terminal: correlation data of 40 KiB (beyond the 32 KiB a signed-short length decoder survives), live and
 * retained; retained requests, which must never run at a (re)connect; and a request that comes again with the same
 * correlation data (a QoS 1 redelivery), which must run once. After each, the bridge goes on publishing measurements
 * and answering. The requester is the HiveMQ MQTT 5 client, which reads correlation data of any length (Paho 1.2.5's
 * decoder does not).
 */
class HostileRequestsIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String COMMANDS = "mmi/v1/" + CLIENT_ID + "/command";
    private static final String REPLIES = "mmi/v1/" + CLIENT_ID + "/response/hostile";
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";
    private static final int LARGE_CORRELATION = 40 * 1024;
    private static final String BATTERY = "{\"command\": \"battery\"}";

    private static PtyCommandRig rig;
    private static Mqtt5AsyncClient requester;
    private static final List<Mqtt5Publish> responses = new CopyOnWriteArrayList<>();
    private static byte[] retainedLarge;
    private static byte[] retainedBattery;

    @BeforeAll
    static void startDeviceAndRetainRequests() throws Exception {
        rig = PtyCommandRig.start("HOSTILE", "id=cc:00:00:18,firmware=2.3465,battery=81,battery-format=json,"
                + "run-time=estimate,max-run-time=10s,pause=0ms", COMMANDS);
        override("mmi.device.interval", "2s");
        override("mmi.device.protocol", "[{\"pulses\":[10],\"pulse_distance\":[1000],\"detectors\":[[1]]}]");
        requester = PtyCommandRig.requester("hostile-requester").useMqttVersion5().buildAsync();
        requester.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        requester.subscribeWith()
                .topicFilter(REPLIES + "/#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(responses::add)
                .send()
                .get(10, TimeUnit.SECONDS);
        // Waiting for the bridge before it starts: a fresh session gets them when it subscribes, unless it asks not to.
        retainedLarge = correlation(LARGE_CORRELATION);
        retainedBattery = correlation(36);
        request(BATTERY, retainedLarge, true);
        request(BATTERY, retainedBattery, true);
    }

    @AfterAll
    static void stopDeviceAndRequester() throws Exception {
        if (requester != null) {
            requester.disconnect().get(10, TimeUnit.SECONDS);
        }
        if (rig != null) {
            rig.close();
        }
    }

    @BeforeEach
    void measuring() {
        await().atMost(WAIT).until(() -> !recorder.on(DATA).isEmpty());
    }

    /** Correlation data of this length: a UUID, then filler. */
    private static byte[] correlation(int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 'c');
        byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(id, 0, bytes, 0, Math.min(id.length, length));
        return bytes;
    }

    private static void request(String payload, byte[] correlation, boolean retained) throws Exception {
        requester.publishWith()
                .topic(COMMANDS)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(retained)
                .responseTopic(REPLIES + "/" + (retained ? "retained" : "live"))
                .correlationData(correlation)
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    private static List<Mqtt5Publish> responsesTo(byte[] correlation) {
        ByteBuffer wanted = ByteBuffer.wrap(correlation);
        return responses.stream().filter(r -> r.getCorrelationData().map(wanted::equals).orElse(false)).toList();
    }

    private static JsonNode answer(Mqtt5Publish response) throws Exception {
        return DeviceJson.parse(new String(response.getPayloadAsBytes(), StandardCharsets.UTF_8));
    }

    /** The bridge still measures and publishes, and still answers. */
    private void stillPublishingAndAnswering() throws Exception {
        int published = recorder.on(DATA).size();
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() > published);
        byte[] probe = correlation(36);
        request(BATTERY, probe, false);
        await().atMost(WAIT).until(() -> !responsesTo(probe).isEmpty());
        assertThat(answer(responsesTo(probe).get(0)).get("ok").asBoolean()).isTrue();
    }

    @Test
    void aRequestWith40KibOfCorrelationDataIsAnsweredWithItAndNothingStops() throws Exception {
        byte[] large = correlation(LARGE_CORRELATION);

        request(BATTERY, large, false);

        await().atMost(WAIT).until(() -> !responsesTo(large).isEmpty());
        Mqtt5Publish response = responsesTo(large).get(0);
        assertThat(response.getCorrelationData().orElseThrow().remaining()).isEqualTo(LARGE_CORRELATION);
        assertThat(answer(response).at("/result/battery").asInt()).isEqualTo(81);
        stillPublishingAndAnswering();
    }

    @Test
    void retainedRequestsAreNeverRunLargeOrNot() throws Exception {
        stillPublishingAndAnswering();
        // The bridge reconnects: a retained request must not run then either.
        delivery().connection().reconnectNow("the test reconnects");
        await().atMost(WAIT).until(() -> delivery().connection().isConnected());
        stillPublishingAndAnswering();

        assertThat(responsesTo(retainedLarge)).isEmpty();
        assertThat(responsesTo(retainedBattery)).isEmpty();
    }

    @Test
    void aRequestThatComesAgainIsRunOnce() throws Exception {
        byte[] twice = correlation(36);
        MeterRegistry meters = context.getRegistry()
                .lookupByNameAndType(Observability.METER_REGISTRY_NAME, MeterRegistry.class);
        double duplicates = meters.find("mmi.commands.duplicates")
                .counters()
                .stream()
                .mapToDouble(c -> c.count())
                .sum();

        request(BATTERY, twice, false);
        await().atMost(WAIT).until(() -> !responsesTo(twice).isEmpty());
        request(BATTERY, twice, false);

        await().atMost(WAIT)
                .until(() -> meters.find("mmi.commands.duplicates")
                        .counters()
                        .stream()
                        .mapToDouble(c -> c.count())
                        .sum() > duplicates);
        stillPublishingAndAnswering();
        assertThat(responsesTo(twice)).as("answered once").hasSize(1);
    }
}
