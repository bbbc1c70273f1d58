package org.openjii.mmi.openjii;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;
import org.openjii.mmi.test.openjii.OnboardingConfig.Procedure;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.InvalidConfig;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.Packaging;
import org.openjii.mmi.test.openjii.OpenJiiPolicyBroker;
import org.openjii.mmi.test.openjii.OpenJiiSite;
import org.openjii.mmi.test.openjii.OpenJiiThing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Downloads that change while the bridge runs, as openJII delivers them: a re-issued onboarding file moves a Thing to
 * another experiment within one measurement interval, an invalid one changes nothing, and rotated key material is
 * used before the broker revokes the old certificate, with nothing lost for either Thing.
 */
class OpenJiiReissueIT {

    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final String PAR = "[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]";

    @TempDir
    Path dir;

    private OpenJiiPolicyBroker broker;
    private MqttRecorder data;
    private PtySimulator first;
    private PtySimulator second;
    private OpenJiiDownloadsFixture downloads;
    private OpenJiiThing firstThing;
    private OpenJiiThing secondThing;
    private Experiment firstExperiment;
    private Experiment secondExperiment;
    private BridgeProcess bridge;

    @BeforeEach
    void start() throws Exception {
        OpenJiiSite site = OpenJiiSite.start(dir);
        broker = site.broker();
        data = broker.recordData("openjii-ingest");
        downloads = site.downloads();
        firstExperiment = experiment("Leaf photosynthesis");
        secondExperiment = experiment("Chlorophyll");
        firstThing = downloads.register("multispeq", "01:12:53:20").onboard(firstExperiment);
        secondThing = downloads.register("multispeq", "01:12:53:21").onboard(secondExperiment);
        // One device as its own downloads, the other unpacked from a group's: both forms at once.
        downloads.writeDeviceDownloads(Packaging.ZIP, firstThing);
        downloads.writeGroupCredentials("Greenhouse 2", Packaging.UNPACKED_IN_FOLDER, secondThing);
        downloads.writeGroupConfigs("Greenhouse 2", Packaging.UNPACKED, secondThing);
        first = device("ttyA", "01:12:53:20");
        second = device("ttyB", "01:12:53:21");
        bridge = BridgeProcess.start(dir.resolve("bridge.log"), OpenJiiBridgeSettings.of(downloads, broker, dir.resolve(
                "outbox"), INTERVAL, first, second));
    }

    private static Experiment experiment(String name) {
        return Experiment.of("multispeq", name, Procedure.protocol(UUID.randomUUID(), "PAR", "multispeq", PAR));
    }

    private PtySimulator device(String link, String id) throws Exception {
        return PtySimulator.start(dir.resolve(link), SimulatorOptions.builder()
                .deviceId(id)
                .runTime(Duration.ZERO)
                .maxRunTime(Duration.ZERO)
                .chunkPause(Duration.ZERO)
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        for (PtySimulator device : new PtySimulator[]{first, second}) {
            if (device != null) {
                device.close();
            }
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldMoveAThingToItsNewExperimentWithinOneIntervalAndKeepTheOldStateForAnInvalidFile() throws Exception {
        String before = firstExperiment.topic("2", "01:12:53:20");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(data.on(before)).as(bridge.output())
                        .isNotEmpty());
        Experiment moved = experiment("Leaf photosynthesis, second season");
        String after = moved.topic("2", "01:12:53:20");

        downloads.reissueConfig(firstThing, moved);
        // Read within the poll interval (500 ms), run at the next interval: one interval and a little.
        await().atMost(INTERVAL.plusSeconds(5)).untilAsserted(() -> assertThat(data.on(after)).isNotEmpty());
        int oldCount = data.on(before).size();
        await().atMost(INTERVAL.multipliedBy(4)).until(() -> data.on(after).size() >= 2);
        assertThat(data.on(before)).as("nothing more for the experiment no longer listed").hasSize(oldCount);

        // An invalid file for the other Thing: one line naming it, and its data goes on as before.
        String secondTopic = secondExperiment.topic("2", "01:12:53:21");
        int secondCount = data.on(secondTopic).size();
        Path invalid = downloads.writeInvalidConfig(secondThing, InvalidConfig.EXPERIMENT_ID_NOT_UUID);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(bridge.output()).contains(
                        "openJII download " + downloads.dir().relativize(invalid) + ": "));
        await().atMost(INTERVAL.multipliedBy(3))
                .untilAsserted(() -> assertThat(data.on(secondTopic)).as(bridge.output())
                        .hasSizeGreaterThanOrEqualTo(secondCount + 2));
        assertThat(broker.violations()).isEmpty();
    }

    @Test
    void shouldUseRotatedKeysSoARevokedCertificateLosesNothing() throws Exception {
        String firstTopic = firstExperiment.topic("2", "01:12:53:20");
        String secondTopic = secondExperiment.topic("2", "01:12:53:21");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(data.on(firstTopic)).as(bridge.output()).isNotEmpty();
            assertThat(data.on(secondTopic)).isNotEmpty();
        });

        int connections = broker.log().connections().size();
        X509Certificate old = downloads.rotateCredentials(firstThing, Packaging.ZIP);
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(bridge.output()).containsPattern(
                        "MQTT: reconnecting to ssl://localhost:" + broker.port() + ", .* as client id '"
                                + Pattern.quote(firstThing.thingName()) + "' with new key material"));
        await().atMost(Duration.ofSeconds(20)).until(() -> broker.log().connections().size() > connections);
        broker.restartWithCrl(old);
        long firstAtRestart = data.on(firstTopic).size();
        long secondAtRestart = data.on(secondTopic).size();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> data.on(firstTopic).size() >= firstAtRestart + 2 && data
                        .on(secondTopic)
                        .size() >= secondAtRestart + 2);

        // Every measurement the instruments sent arrived, each once at least: stop measuring, then count.
        first.unplug();
        second.unplug();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(distinctIds(firstTopic)).isEqualTo(first.simulator().measurementsSent());
            assertThat(distinctIds(secondTopic)).isEqualTo(second.simulator().measurementsSent());
        });
        assertThat(broker.log().refusedCertificates()).as("the revoked certificate was never offered again")
                .isEmpty();
    }

    private long distinctIds(String topic) throws Exception {
        Set<String> ids = new HashSet<>();
        for (MqttRecorder.Received message : data.on(topic)) {
            ids.add(message.userProperties().get("message-id"));
        }
        return ids.size();
    }
}
