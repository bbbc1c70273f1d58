package org.openjii.mmi.openjii;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.openjii.MosquittoLog;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;
import org.openjii.mmi.test.openjii.OnboardingConfig.Procedure;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.Packaging;
import org.openjii.mmi.test.openjii.OpenJiiPolicyBroker;
import org.openjii.mmi.test.openjii.OpenJiiSite;
import org.openjii.mmi.test.openjii.OpenJiiThing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateways sharing one group's downloads, as the {@code openjii-gateways} DaemonSet in k8s runs them: two bridges
 * (two processes) with the same downloads folder, each with its own outbox and its own two ports, and one of the two
 * instruments plugged into each. Each gateway connects only the Thing whose instrument it finds; an instrument moved
 * from one gateway to the other moves its Thing's connection without two connections fighting over its client id,
 * and nothing it measured on either gateway is lost.
 */
class OpenJiiGatewaysIT {

    private static final Duration INTERVAL = Duration.ofSeconds(2);
    private static final String PAR = "[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]";
    private static final String FIRST_SERIAL = "01:12:53:20";
    private static final String SECOND_SERIAL = "01:12:53:21";

    @TempDir
    Path dir;

    private OpenJiiPolicyBroker broker;
    private MqttRecorder data;
    private final List<PtySimulator> instruments = new ArrayList<>();
    private OpenJiiThing firstThing;
    private OpenJiiThing secondThing;
    private Experiment firstExperiment;
    private Experiment secondExperiment;
    private Gateway gatewayA;
    private Gateway gatewayB;
    private PtySimulator firstOnA;
    private PtySimulator secondOnB;

    /** A gateway: its bridge, its outbox and the two ports it probes (whether anything is plugged in or not). */
    private record Gateway(BridgeProcess bridge, Path outbox, Path firstPort, Path secondPort) {

        String output() throws Exception {
            return bridge.output();
        }
    }

    @BeforeEach
    void start() throws Exception {
        OpenJiiSite site = OpenJiiSite.start(dir);
        broker = site.broker();
        data = broker.recordData("openjii-ingest");
        OpenJiiDownloadsFixture downloads = site.downloads();
        firstExperiment = experiment("Leaf photosynthesis");
        secondExperiment = experiment("Chlorophyll");
        firstThing = downloads.register("multispeq", FIRST_SERIAL).onboard(firstExperiment);
        secondThing = downloads.register("multispeq", SECOND_SERIAL).onboard(secondExperiment);
        // One group's downloads, as a user gets them, mounted on both gateways alike.
        downloads.writeGroupCredentials("Greenhouse 2", Packaging.ZIP, firstThing, secondThing);
        downloads.writeGroupConfigs("Greenhouse 2", Packaging.ZIP, firstThing, secondThing);

        Path a = Files.createDirectories(dir.resolve("gateway-a"));
        Path b = Files.createDirectories(dir.resolve("gateway-b"));
        firstOnA = plugIn(a.resolve("ttyA1"), FIRST_SERIAL);
        secondOnB = plugIn(b.resolve("ttyB1"), SECOND_SERIAL);
        gatewayA = startGateway(downloads, a, a.resolve("ttyA1"), a.resolve("ttyA2"));
        gatewayB = startGateway(downloads, b, b.resolve("ttyB1"), b.resolve("ttyB2"));
    }

    private static Experiment experiment(String name) {
        return Experiment.of("multispeq", name, Procedure.protocol(UUID.randomUUID(), "PAR", "multispeq", PAR));
    }

    private PtySimulator plugIn(Path port, String serial) throws Exception {
        PtySimulator instrument = PtySimulator.start(port, SimulatorOptions.builder()
                .deviceId(serial)
                .runTime(Duration.ZERO)
                .maxRunTime(Duration.ZERO)
                .chunkPause(Duration.ZERO)
                .build());
        instruments.add(instrument);
        return instrument;
    }

    private Gateway startGateway(OpenJiiDownloadsFixture downloads, Path home, Path firstPort, Path secondPort)
            throws Exception {
        Map<String, String> settings = OpenJiiBridgeSettings.of(downloads, broker, home.resolve("outbox"), INTERVAL);
        // Both ports, plugged or not: a gateway probes its own ports only, and keeps probing a missing one.
        settings.put("mmi.device.port", firstPort + "," + secondPort);
        return new Gateway(BridgeProcess.start(home.resolve("bridge.log"), settings), home.resolve("outbox"),
                firstPort, secondPort);
    }

    @AfterEach
    void stop() throws Exception {
        for (Gateway gateway : new Gateway[]{gatewayA, gatewayB}) {
            if (gateway != null) {
                gateway.bridge().close();
            }
        }
        for (PtySimulator instrument : instruments) {
            instrument.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldServeEachThingFromItsInstrumentsGatewayAndMoveItWithTheInstrument() throws Exception {
        String firstTopic = firstExperiment.topic("2", FIRST_SERIAL);
        String secondTopic = secondExperiment.topic("2", SECOND_SERIAL);
        String first = firstThing.thingName();
        String second = secondThing.thingName();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(data.on(firstTopic)).as(gatewayA.output()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(data.on(secondTopic)).as(gatewayB.output()).hasSizeGreaterThanOrEqualTo(2);
        });

        // Each Thing connected once, from its instrument's gateway only.
        MosquittoLog log = broker.log();
        assertThat(connectionsOf(log, first)).isEqualTo(1);
        assertThat(connectionsOf(log, second)).isEqualTo(1);
        assertThat(log.takeovers()).isEmpty();
        assertThat(gatewayA.output()).contains(connects(first, FIRST_SERIAL, gatewayA.firstPort()))
                .doesNotContain("openJII: " + second + " connects");
        assertThat(gatewayB.output()).contains(connects(second, SECOND_SERIAL, gatewayB.firstPort()))
                .doesNotContain("openJII: " + first + " connects");
        assertThat(gatewayA.outbox().resolve(second)).as("no outbox on A for the Thing served by B").doesNotExist();
        assertThat(gatewayB.outbox().resolve(first)).as("no outbox on B for the Thing served by A").doesNotExist();
        assertPublishedOnlyOn(log, first, firstTopic);
        assertPublishedOnlyOn(log, second, secondTopic);

        // Move the first instrument from A to B: unplugged from A right after a run had arrived (closing a pty drops
        // what the host has not read yet, which a USB host would already hold), then plugged into B's second port,
        // which B has been probing since it started.
        int arrived = data.on(firstTopic).size();
        await().atMost(INTERVAL.multipliedBy(5))
                .until(() -> data.on(firstTopic).size() > arrived && distinctIds(firstTopic) == firstOnA.simulator()
                        .measurementsSent());
        firstOnA.close();
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(gatewayA.output()).contains("openJII: " + first
                        + " disconnected: its MultispeQ left"));
        assertThat(gatewayA.output()).as("released with its outbox empty, nothing left behind on A")
                .doesNotContain("wait in its outbox");
        // The broker saw A end the connection itself, before the instrument reaches B.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> assertThat(broker.log().disconnects()).extracting(MosquittoLog.Disconnect::clientId)
                                .containsExactly(first));
        long publishedFromA = distinctIds(firstTopic);
        PtySimulator firstOnB = plugIn(gatewayB.secondPort(), FIRST_SERIAL);
        await().atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> assertThat(distinctIds(firstTopic)).as(gatewayB.output())
                        .isGreaterThanOrEqualTo(publishedFromA + 2));
        assertThat(gatewayB.output()).contains(connects(first, FIRST_SERIAL, gatewayB.secondPort()));

        // Everything each instrument measured, on A and on B, arrived: stop measuring, then count.
        firstOnB.close();
        secondOnB.close();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(distinctIds(firstTopic)).isEqualTo(firstOnA.simulator().measurementsSent() + firstOnB
                    .simulator()
                    .measurementsSent());
            assertThat(distinctIds(secondTopic)).isEqualTo(secondOnB.simulator().measurementsSent());
        });

        // The Thing's client id connected twice (A, then B), one connection after the other: no takeover. B
        // releases both Things once their instruments are gone.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(broker.log().disconnects()).extracting(
                        MosquittoLog.Disconnect::clientId)
                        .containsExactlyInAnyOrder(first, first, second));
        log = broker.log();
        assertThat(connectionsOf(log, first)).isEqualTo(2);
        assertThat(connectionsOf(log, second)).isEqualTo(1);
        assertThat(log.takeovers()).isEmpty();
        assertPublishedOnlyOn(log, first, firstTopic);
        assertPublishedOnlyOn(log, second, secondTopic);
        assertThat(broker.violations()).isEmpty();
    }

    private static String connects(String thing, String serial, Path port) {
        return "openJII: " + thing + " connects for MultispeQ " + serial + " at " + port + " to ";
    }

    private static long connectionsOf(MosquittoLog log, String clientId) {
        return log.connections().stream().filter(c -> c.clientId().equals(clientId)).count();
    }

    /** The client id published on its topic only, and nobody else on it. */
    private static void assertPublishedOnlyOn(MosquittoLog log, String clientId, String topic) {
        assertThat(log.publishesFrom(clientId)).isNotEmpty()
                .allSatisfy(publish -> assertThat(publish.topic()).isEqualTo(topic));
        assertThat(log.publishes()).filteredOn(publish -> publish.topic().equals(topic))
                .allSatisfy(publish -> assertThat(publish.clientId()).isEqualTo(clientId));
    }

    private long distinctIds(String topic) {
        Set<String> ids = new HashSet<>();
        for (MqttRecorder.Received message : data.on(topic)) {
            ids.add(message.userProperties().get("message-id"));
        }
        return ids.size();
    }
}
