package org.openjii.mmi.routes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Remote control with {@code mmi.mqtt.protocol-version=3.1.1}, through a real Mosquitto to a simulated MultispeQ: MQTT
 * 3.1.1 has no response topic or correlation data, so every answer goes to {@code mmi.commands.response-topic}; and
 * the broker sends retained messages at every subscription (there is no Retain Handling), so a retained request
 * arrives flagged retained and must be ignored. The operator speaks MQTT 3.1.1 too.
 */
class CommandsMqtt311IT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String COMMANDS = "mmi/v1/" + CLIENT_ID + "/command";
    private static final String FALLBACK = "mmi/v1/" + CLIENT_ID + "/response";

    private static PtyCommandRig rig;
    private static Mqtt3AsyncClient operator;
    private static final List<Mqtt3Publish> answers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void mqtt311AndARetainedRequest() throws Exception {
        rig = PtyCommandRig.start("311", "id=cc:00:00:31,firmware=2.3465,battery=64,battery-format=json,"
                + "run-time=estimate,max-run-time=10s,pause=0ms", COMMANDS);
        override("mmi.device.interval", "1h");
        override("mmi.mqtt.protocol-version", "3.1.1");
        operator = PtyCommandRig.requester("operator-311").useMqttVersion3().buildAsync();
        operator.connectWith().cleanSession(true).send().get(10, TimeUnit.SECONDS);
        operator.subscribeWith()
                .topicFilter(FALLBACK)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(answers::add)
                .send()
                .get(10, TimeUnit.SECONDS);
        // Retained before the bridge subscribes: MQTT 3.1.1 brokers send it at the subscription, flagged retained.
        request("{\"command\": \"device_info\"}", true);
    }

    @AfterAll
    static void stopDeviceAndOperator() throws Exception {
        if (operator != null) {
            operator.disconnect().get(10, TimeUnit.SECONDS);
        }
        if (rig != null) {
            rig.close();
        }
    }

    private static void request(String payload, boolean retained) throws Exception {
        operator.publishWith()
                .topic(COMMANDS)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE)
                .retain(retained)
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    private static JsonNode answer(Mqtt3Publish publish) throws Exception {
        return DeviceJson.parse(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aRequestIsAnsweredOnTheConfiguredResponseTopicAndARetainedOneNever() throws Exception {
        await().atMost(WAIT).until(() -> delivery().connection().isConnected());

        request("{\"command\": \"battery\"}", false);

        await().atMost(WAIT).until(() -> !answers.isEmpty());
        // The retained device_info came first, at the subscription: had it run, its answer would be here too.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> answers.size() == 1);
        JsonNode answer = answer(answers.get(0));
        assertThat(answer.get("ok").asBoolean()).as(answer.toString()).isTrue();
        assertThat(answer.at("/result/battery").asInt()).isEqualTo(64);
        assertThat(broker.logText()).contains("as " + CLIENT_ID + " (p2, ");
    }
}
