package org.openjii.mmi.openjii;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.OpenJiiAsyncApi;
import org.openjii.mmi.test.openjii.DeviceScriptMessage;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;
import org.openjii.mmi.test.openjii.OnboardingConfig.Procedure;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.Packaging;
import org.openjii.mmi.test.openjii.OpenJiiPolicyBroker;
import org.openjii.mmi.test.openjii.OpenJiiSite;
import org.openjii.mmi.test.openjii.OpenJiiThing;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The openJII mode end to end: openJII's downloads as a group gets them (credentials and configs zips), two simulated
 * MultispeQs on two ptys, the bridge as its own process ({@code mmi run --openjii DIR}), and a TLS Mosquitto that
 * enforces openJII's IoT policy (publish on data channels only, subscribe only to the device's own scripts topic, the
 * client's user name its certificate's CN).
 */
class OpenJiiModeIT {

    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final String PAR = "[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]";
    private static final String SPAD = "[{\"averages\":1,\"protocol_id\":\"spad\",\"pulses\":[20,20]}]";

    @TempDir
    static Path dir;

    private static OpenJiiPolicyBroker broker;
    private static MqttRecorder data;
    private static final List<PtySimulator> devices = new ArrayList<>();
    private static PtySimulator first;
    private static PtySimulator second;
    private static OpenJiiDownloadsFixture downloads;
    private static OpenJiiThing firstThing;
    private static OpenJiiThing secondThing;
    private static Experiment firstExperiment;
    private static Experiment secondExperiment;
    private static BridgeProcess bridge;

    @BeforeAll
    static void start() throws Exception {
        OpenJiiSite site = OpenJiiSite.start(dir);
        broker = site.broker();
        data = broker.recordData("openjii-ingest");
        downloads = site.downloads();
        firstExperiment = Experiment.of("multispeq", "Leaf photosynthesis", Procedure.protocol(UUID.randomUUID(),
                "PAR", "multispeq", PAR), Procedure.command("string", "battery"),
                Procedure.multiChoice(
                        "0b1f6c2e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", "plot", "Which plot?", "A1", "A1", "B1"));
        secondExperiment = Experiment.of("multispeq", "Chlorophyll", Procedure.protocol(UUID.randomUUID(), "SPAD",
                "multispeq", SPAD));
        firstThing = downloads.register("multispeq", "01:12:53:20").onboard(firstExperiment);
        secondThing = downloads.register("multispeq", "01:12:53:21").onboard(secondExperiment);
        downloads.writeGroupCredentials("Greenhouse 2", Packaging.ZIP, firstThing, secondThing);
        downloads.writeGroupConfigs("Greenhouse 2", Packaging.ZIP, firstThing, secondThing);
        first = device("ttyA", "01:12:53:20");
        second = device("ttyB", "01:12:53:21");
        bridge = BridgeProcess.start(dir.resolve("bridge.log"), OpenJiiBridgeSettings.of(downloads, broker, dir.resolve(
                "outbox"), INTERVAL, first, second));
    }

    static PtySimulator device(String link, String id) throws Exception {
        PtySimulator device = PtySimulator.start(dir.resolve(link), SimulatorOptions.builder()
                .deviceId(id)
                .runTime(Duration.ZERO)
                .maxRunTime(Duration.ZERO)
                .chunkPause(Duration.ZERO)
                .build());
        devices.add(device);
        return device;
    }

    @AfterAll
    static void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        for (PtySimulator device : devices) {
            device.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldPublishEachInstrumentAsItsOwnThingOnItsExperimentsTopic() throws Exception {
        String firstTopic = firstExperiment.topic("2", "01:12:53:20");
        String secondTopic = secondExperiment.topic("2", "01:12:53:21");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(data.on(firstTopic)).as(bridge.output()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(data.on(secondTopic)).hasSizeGreaterThanOrEqualTo(2);
        });

        // Published by the Thing's own connection: the broker's log names the client id of each publish.
        assertThat(broker.log().publishesFrom(firstThing.thingName())).isNotEmpty()
                .allSatisfy(publish -> assertThat(publish.topic()).isEqualTo(firstTopic));
        assertThat(broker.log().publishesFrom(secondThing.thingName())).isNotEmpty()
                .allSatisfy(publish -> assertThat(publish.topic()).isEqualTo(secondTopic));
        // Nothing outside openJII's policy: no denied publish or subscribe, no retained message, no Will.
        assertThat(broker.violations()).isEmpty();
        // The instrument ran the plan's code, as one compact line.
        assertThat(first.simulator().protocolsReceived()).contains(firstExperiment.protocols().get(0).compactCode());
        assertThat(second.simulator().protocolsReceived()).contains(secondExperiment.protocols()
                .get(0)
                .compactCode());

        // Every data message is one openJII's asyncapi.yaml describes, on a data channel of it.
        for (MqttRecorder.Received received : data.messages()) {
            OpenJiiAsyncApi.assertDataMessage(received.topic(), received.payload());
        }
        JsonNode message = DeviceJson.mapper().readTree(data.on(firstTopic).get(0).payload());
        assertThat(message.path("protocol_id").asText()).isEqualTo(firstExperiment.protocols()
                .get(0)
                .protocolId()
                .toString());
        assertThat(message.path("questions").toString()).isEqualTo(
                "[{\"question_label\":\"plot\",\"question_text\":\"Which plot?\",\"question_answer\":\"A1\"}]");
        assertThat(message.path("device_id").asText()).isEqualTo("01:12:53:20");
    }

    @Test
    void shouldApplyARetainedScriptUpdateOnceAndRefuseAWrongChecksum() throws Exception {
        String script = "[{\"averages\":2,\"environmental\":[[\"light_intensity\"]]}]";
        String wrong = "[{\"averages\":3}]";
        broker.publishScript("2", secondThing.thingName(), DeviceScriptMessage.scriptUpdate("upd-wrong", wrong,
                DeviceScriptMessage.sha256(wrong + " ")));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(bridge.output()).contains("Script update \"upd-wrong\": its checksum"));

        broker.publishScript("2", secondThing.thingName(), DeviceScriptMessage.scriptUpdate("upd-1", script));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(second.simulator().protocolsReceived()).contains(script));
        // The same id again (as after a reconnect, the retained message comes again): applied once.
        broker.publishScript("2", secondThing.thingName(), DeviceScriptMessage.scriptUpdate("upd-1", script));
        long runsBefore = second.simulator().measurementsStarted();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> second.simulator().measurementsStarted() >= runsBefore + 2);

        assertThat(count(bridge.output(), "runs the protocol of script update upd-1")).isEqualTo(1);
        assertThat(first.simulator().protocolsReceived()).doesNotContain(script, wrong);
        assertThat(second.simulator().protocolsReceived()).doesNotContain(wrong);
        assertThat(broker.violations()).isEmpty();
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
