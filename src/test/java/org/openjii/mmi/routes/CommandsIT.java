package org.openjii.mmi.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.ProtocolTimeoutEstimator;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MqttOperator;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.SchemaFile;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Remote control as an operator uses it: a Paho MQTT 5 client publishes requests to the bridge's command topic on a
 * real Mosquitto, and reads the answers; the device is a simulated MultispeQ on a pseudo-terminal. The last test
 * unplugs it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommandsIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String COMMANDS = "mmi/v1/" + CLIENT_ID + "/command";
    private static final String FALLBACK = "mmi/v1/" + CLIENT_ID + "/response";
    /** Under mmi.commands.response-topic-filter's default, mmi/v1/{clientId}/response/#. */
    private static final String REPLIES = FALLBACK + "/operator";
    private static final String DEVICE_ID = "cc:00:00:03";
    private static final int BATTERY = 77;
    private static final String OTHER_EXPERIMENT = "6f1c0d2e-0000-4000-8000-00000000e0c5";
    private static final String PLATFORM_PROTOCOL = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    /** 10 pulses 1 ms apart: 10 ms on the simulator, which runs a protocol for as long as openJII estimates. */
    private static final String SHORT = "[{\"pulses\":[10],\"pulse_distance\":[1000],\"detectors\":[[1]]}]";
    /** 1,000 pulses 1 ms apart: 1 s. */
    private static final String ONE_SECOND = "[{\"pulses\":[1000],\"pulse_distance\":[1000],\"detectors\":[[1]]}]";
    /** 300 pulses 10 ms apart: 3 s. */
    private static final String THREE_SECONDS = "[{\"pulses\":[300],\"pulse_distance\":[10000],\"detectors\":[[1]]}]";
    /** 3,000 pulses 10 ms apart: 30 s, cancelled long before. */
    private static final String LONG = "[{\"pulses\":[3000],\"pulse_distance\":[10000],\"detectors\":[[1]]}]";
    private static final SchemaFile RESPONSE_SCHEMA = SchemaFile.load("mmi-command-response.schema.json");

    private static PtySimulator device;
    private static MqttOperator operator;
    private static MqttRecorder watcher;

    @BeforeAll
    static void startDevice() throws Exception {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        Path dir = Files.createTempDirectory("mmi-commands");
        device = PtySimulator.start(dir.resolve("ttyCMD"), SimulatorOptions.parse("id=" + DEVICE_ID
                + ",firmware=2.3465,battery=" + BATTERY + ",battery-format=json,run-time=estimate,max-run-time=60s,"
                + "pause=0ms"));
        override("mmi.device.port", device.hostLink().toString());
        // One measurement at start, then the device is the operator's.
        override("mmi.device.interval", "1h");
        override("mmi.device.protocol", SHORT);
        override("mmi.commands.queue-size", "2");
        operator = MqttOperator.connect(broker.url(), "operator", REPLIES + "/#", FALLBACK);
        watcher = MqttRecorder.subscribe(broker.url(), "watcher", "mmi/dlq/#");
    }

    @AfterAll
    static void stopDevice() throws Exception {
        if (operator != null) {
            operator.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (device != null) {
            device.close();
        }
    }

    @BeforeEach
    void waitForTheBridge() {
        // Subscribed and the device ready: the one start-up measurement has been published.
        await().atMost(WAIT).until(() -> !recorder.on("experiment/").isEmpty());
        // Every test has a context of its own whose session connects anew; the recorder keeps the first test's
        // measurement, so wait for the handshake too (a status asked before it has no device id yet).
        MultispeqComponent multispeq = context.getComponent("multispeq", MultispeqComponent.class);
        await().atMost(WAIT).until(() -> multispeq.sessions().stream().anyMatch(DeviceSession::isReady));
    }

    private static String correlation() {
        return UUID.randomUUID().toString();
    }

    private static JsonNode answer(MqttOperator.Response response) throws Exception {
        RESPONSE_SCHEMA.assertValid(response.payload());
        return DeviceJson.parse(response.payload());
    }

    @Test
    @Order(1)
    void shouldAnswerACommandOnTheResponseTopicWithTheCorrelationData() throws Exception {
        String id = correlation();

        operator.request(COMMANDS, "{\"command\": \"battery\"}", REPLIES + "/1", id, null);

        MqttOperator.Response response = operator.awaitResponse(id, WAIT);
        assertThat(response.topic()).isEqualTo(REPLIES + "/1");
        JsonNode answer = answer(response);
        assertThat(answer.get("ok").asBoolean()).isTrue();
        assertThat(answer.at("/result/battery").asInt()).as(answer.toString()).isEqualTo(BATTERY);
        assertThat(answer.get("duration_ms").asLong()).isNotNegative();
    }

    @Test
    @Order(2)
    void shouldAnswerOnTheFallbackTopicWhenTheRequestNamesNone() throws Exception {
        String id = correlation();

        operator.request(COMMANDS, "{\"command\": \"device_info\"}", null, id, null);

        MqttOperator.Response response = operator.awaitResponse(id, WAIT);
        assertThat(response.topic()).isEqualTo(FALLBACK);
        JsonNode answer = answer(response);
        assertThat(answer.get("ok").asBoolean()).isTrue();
        assertThat(answer.at("/result/device_id").asText()).isEqualTo(DEVICE_ID);
    }

    @Test
    @Order(2)
    void shouldAnswerAStatusRequestWithTheRetainedStatusContent() throws Exception {
        String id = correlation();

        operator.request(COMMANDS, "{\"action\": \"status\"}", REPLIES + "/status", id, null);

        JsonNode answer = answer(operator.awaitResponse(id, WAIT));
        assertThat(answer.get("ok").asBoolean()).isTrue();
        assertThat(answer.at("/result/status").asText()).isEqualTo("online");
        assertThat(answer.at("/result/devices/0/device_id").asText()).isEqualTo(DEVICE_ID);
        assertThat(answer.at("/result/devices/0/connected").asBoolean()).isTrue();
    }

    @Test
    @Order(3)
    void shouldRunARequestedProtocolThroughTheIngestPipelineAndAnswerWithTheMessageIds() throws Exception {
        String id = correlation();
        String request = "{\"protocol\": " + SHORT + ", \"experiment_id\": \"" + OTHER_EXPERIMENT
                + "\", \"protocol_id\": \"" + PLATFORM_PROTOCOL + "\", \"questions\": [{\"question_label\": \"plot\","
                + " \"question_text\": \"Plot\", \"question_answer\": \"12\"}]}";

        operator.request(COMMANDS, request, REPLIES + "/run", id, null);

        JsonNode answer = answer(operator.awaitResponse(id, WAIT));
        assertThat(answer.get("ok").asBoolean()).as(answer.toString()).isTrue();
        assertThat(answer.at("/result/device_id").asText()).isEqualTo(DEVICE_ID);
        List<String> ids = new ArrayList<>();
        answer.get("message_ids").forEach(node -> ids.add(node.asText()));
        assertThat(ids).hasSize(1);
        String topic = "experiment/data_ingest/v1/" + OTHER_EXPERIMENT + "/multispeq/2/" + DEVICE_ID;
        MqttRecorder.Received data = await().atMost(WAIT)
                .until(() -> recorder.on(topic)
                        .stream()
                        .filter(m -> ids.contains(m.userProperties().get("message-id")))
                        .findFirst(), java.util.Optional::isPresent)
                .orElseThrow();
        JsonNode payload = DeviceJson.parse(data.payload());
        assertThat(payload.get("protocol_id").asText()).isEqualTo(PLATFORM_PROTOCOL);
        assertThat(payload.at("/questions/0/question_answer").asText()).isEqualTo("12");
    }

    @Test
    @Order(4)
    void shouldCancelALongProtocolAndAnswerBothRequests() throws Exception {
        String run = correlation();
        operator.request(COMMANDS, "{\"protocol\": " + LONG + "}", REPLIES + "/long", run, null);

        // A cancel that arrives before the run has reached the device finds nothing to stop: ask until it has.
        List<String> cancels = new ArrayList<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).until(() -> {
            String cancel = correlation();
            cancels.add(cancel);
            operator.request(COMMANDS, "{\"action\": \"cancel\"}", REPLIES + "/cancel", cancel, null);
            return operator.response(run).isPresent();
        });

        JsonNode runAnswer = answer(operator.response(run).orElseThrow());
        assertThat(runAnswer.get("ok").asBoolean()).isFalse();
        assertThat(runAnswer.at("/error/code").asText()).isEqualTo("cancelled");
        List<JsonNode> cancelAnswers = new ArrayList<>();
        for (String cancel : cancels) {
            cancelAnswers.add(answer(operator.awaitResponse(cancel, WAIT)));
        }
        assertThat(cancelAnswers).allMatch(a -> a.get("ok").asBoolean());
        assertThat(cancelAnswers).anyMatch(a -> a.get("result").asBoolean());
        // Long before the 30 s the protocol would have run.
        assertThat(ProtocolTimeoutEstimator.estimateMillis(DeviceJson.parse(LONG))).isEqualTo(30_000);
        assertThat(runAnswer.has("duration_ms")).isFalse();
    }

    /**
     * A request that names the data topic as its response topic is answered {@code bad-request} on the fallback: no
     * status reply may arrive as a measurement. The test recorder subscribes to experiment/#.
     */
    @Test
    @Order(5)
    void shouldRefuseAResponseTopicOnTheDataPrefix() throws Exception {
        String dataTopic = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/2/" + DEVICE_ID;
        String id = correlation();

        operator.request(COMMANDS, "{\"action\": \"status\"}", dataTopic, id, null);

        MqttOperator.Response response = operator.awaitResponse(id, WAIT);
        assertThat(response.topic()).isEqualTo(FALLBACK);
        JsonNode answer = answer(response);
        assertThat(answer.at("/error/code").asText()).isEqualTo("bad-request");
        assertThat(answer.at("/error/message").asText()).contains("the data topic (mmi.mqtt.topic)");
        // The refused topic is filed as a dead letter; nothing but measurements ever arrived on the data prefix.
        await().atMost(WAIT)
                .until(() -> watcher.on("mmi/dlq/" + CLIENT_ID + "/bad-request")
                        .stream()
                        .anyMatch(m -> m.payload().contains(id) || m.payload().contains("the data topic")));
        assertThat(recorder.on("experiment/")).allSatisfy(m -> assertThat(m.payload()).doesNotContain("\"ok\"")
                .contains("\"sample\""));
    }

    @Test
    @Order(5)
    void shouldDenyACommandThatWritesToTheDevice() throws Exception {
        String id = correlation();

        operator.request(COMMANDS, "{\"command\": \"reboot\"}", REPLIES + "/denied", id, null);

        JsonNode answer = answer(operator.awaitResponse(id, WAIT));
        assertThat(answer.get("ok").asBoolean()).isFalse();
        assertThat(answer.at("/error/code").asText()).isEqualTo("denied");
        assertThat(answer.at("/error/message").asText()).contains("reboot");
    }

    @Test
    @Order(6)
    void shouldAnswerAMalformedRequestWithAnErrorAndADeadLetter() throws Exception {
        String id = correlation();
        String garbage = "{\"command\": \"battery\"";

        operator.request(COMMANDS, garbage, REPLIES + "/bad", id, null);

        JsonNode answer = answer(operator.awaitResponse(id, WAIT));
        assertThat(answer.get("ok").asBoolean()).isFalse();
        assertThat(answer.at("/error/code").asText()).isEqualTo("bad-request");
        MqttRecorder.Received deadLetter = await().atMost(WAIT)
                .until(() -> watcher.on("mmi/dlq/" + CLIENT_ID + "/bad-request")
                        .stream()
                        .filter(m -> m.payload().contains("\\\"command\\\""))
                        .findFirst(), java.util.Optional::isPresent)
                .orElseThrow();
        assertThat(DeviceJson.parse(deadLetter.payload()).get("reason").asText()).isEqualTo("bad-request");
    }

    @Test
    @Order(7)
    void shouldDropARequestThatExpiredWhileItWaitedAndAnswerTheNextOne() throws Exception {
        String run = correlation();
        String expiring = correlation();
        String next = correlation();
        long started = device.simulator().measurementsStarted();
        operator.request(COMMANDS, "{\"protocol\": " + THREE_SECONDS + "}", REPLIES + "/run", run, null);
        await().atMost(WAIT).until(() -> device.simulator().measurementsStarted() > started);

        // Both wait behind the 3 s run; the first may wait 1 s at most.
        operator.request(COMMANDS, "{\"command\": \"battery\"}", REPLIES + "/expiring", expiring, 1L);
        operator.request(COMMANDS, "{\"command\": \"battery\"}", REPLIES + "/next", next, null);

        assertThat(answer(operator.awaitResponse(run, WAIT)).get("ok").asBoolean()).isTrue();
        assertThat(answer(operator.awaitResponse(next, WAIT)).get("ok").asBoolean()).isTrue();
        // Requests are taken in order: the expired one was looked at, and dropped, before the next was answered.
        assertThat(operator.response(expiring)).isEmpty();
        assertThat(ProtocolTimeoutEstimator.estimateMillis(DeviceJson.parse(THREE_SECONDS))).isEqualTo(3_000);
    }

    @Test
    @Order(8)
    void shouldRunTwoRequestsOneAfterTheOtherAndAnswerBoth() throws Exception {
        String first = correlation();
        String second = correlation();

        operator.request(COMMANDS, "{\"protocol\": " + ONE_SECOND + "}", REPLIES + "/first", first, null);
        operator.request(COMMANDS, "{\"protocol\": " + ONE_SECOND + "}", REPLIES + "/second", second, null);

        JsonNode firstAnswer = answer(operator.awaitResponse(first, WAIT));
        JsonNode secondAnswer = answer(operator.awaitResponse(second, WAIT));
        assertThat(firstAnswer.get("ok").asBoolean()).as(firstAnswer.toString()).isTrue();
        assertThat(secondAnswer.get("ok").asBoolean()).as(secondAnswer.toString()).isTrue();
        long oneRun = ProtocolTimeoutEstimator.estimateMillis(DeviceJson.parse(ONE_SECOND));
        // Serialized: the second waited for the first's run, then ran its own.
        assertThat(firstAnswer.get("duration_ms").asLong()).isGreaterThanOrEqualTo(oneRun);
        assertThat(secondAnswer.get("duration_ms").asLong()).isGreaterThanOrEqualTo(2 * oneRun);
    }

    @Test
    @Order(9)
    void shouldAnswerBusyWhenTheQueueIsFull() throws Exception {
        String run = correlation();
        long started = device.simulator().measurementsStarted();
        operator.request(COMMANDS, "{\"protocol\": " + LONG + "}", REPLIES + "/long", run, null);
        await().atMost(WAIT).until(() -> device.simulator().measurementsStarted() > started);
        List<String> queued = List.of(correlation(), correlation());
        String refused = correlation();

        for (String id : queued) {
            operator.request(COMMANDS, "{\"command\": \"battery\"}", REPLIES + "/queued", id, null);
        }
        operator.request(COMMANDS, "{\"command\": \"battery\"}", REPLIES + "/refused", refused, null);

        JsonNode busy = answer(operator.awaitResponse(refused, WAIT));
        assertThat(busy.at("/error/code").asText()).isEqualTo("busy");
        operator.request(COMMANDS, "{\"action\": \"cancel\"}", REPLIES + "/cancel", correlation(), null);
        for (String id : queued) {
            assertThat(answer(operator.awaitResponse(id, WAIT)).get("ok").asBoolean()).isTrue();
        }
    }

    @Test
    @Order(10)
    void shouldAnswerDeviceAbsentOnceTheDeviceIsUnplugged() throws Exception {
        device.close();
        String id = correlation();

        // Until the bridge has noticed, a request may still find the device; then the answer is device-absent.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            String attempt = correlation();
            operator.request(COMMANDS, "{\"command\": \"battery\"}", REPLIES + "/unplugged", attempt, null);
            JsonNode answer = answer(operator.awaitResponse(attempt, WAIT));
            return !answer.get("ok").asBoolean() && "device-absent".equals(answer.at("/error/code").asText());
        });
        operator.request(COMMANDS, "{\"command\": \"battery\", \"device\": \"no-such-device\"}", REPLIES + "/absent",
                id, null);
        assertThat(answer(operator.awaitResponse(id, WAIT)).at("/error/code").asText()).isEqualTo("device-absent");
    }
}
