package org.openjii.mmi.openjii;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.DeadLetterMode;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxBudget;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.OutboxQuarantine;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MqttRecorder;
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
 * An instrument unplugged in the middle of a measurement: its Thing is released only after that run has ended, so the
 * broken run is kept as the Thing's local dead letter instead of finding no identity to go to.
 */
class OpenJiiReleaseIT {

    private static final String PAR = "[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]";

    @TempDir
    Path dir;

    private OpenJiiPolicyBroker broker;
    private PtySimulator instrument;
    private BridgeProcess bridge;

    @AfterEach
    void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (instrument != null) {
            instrument.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldKeepTheRunCutShortByAnUnplugAsTheThingsDeadLetter() throws Exception {
        OpenJiiSite site = OpenJiiSite.start(dir);
        broker = site.broker();
        MqttRecorder data = broker.recordData("openjii-ingest");
        OpenJiiDownloadsFixture downloads = site.downloads();
        Experiment experiment = Experiment.of("multispeq", "Leaf photosynthesis", Procedure.protocol(UUID
                .randomUUID(), "PAR", "multispeq", PAR));
        OpenJiiThing thing = downloads.register("multispeq", "01:12:53:20").onboard(experiment);
        downloads.writeDeviceDownloads(Packaging.ZIP, thing);
        // Each measurement takes 2 s before its data comes: long enough to pull the plug in the middle of one.
        instrument = PtySimulator.start(dir.resolve("ttyA"), SimulatorOptions.builder()
                .deviceId("01:12:53:20")
                .runTime(Duration.ofSeconds(2))
                .maxRunTime(Duration.ofSeconds(2))
                .build());
        Path outboxRoot = dir.resolve("outbox");
        bridge = BridgeProcess.start(dir.resolve("bridge.log"), OpenJiiBridgeSettings.of(downloads, broker,
                outboxRoot, Duration.ofMillis(500), instrument));
        String topic = experiment.topic("2", "01:12:53:20");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(data.on(topic)).as(bridge.output()).isNotEmpty());

        // Unplugged while a measurement runs: started, no data yet.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> instrument.simulator().measurementsStarted() > instrument.simulator()
                        .measurementsSent());
        instrument.unplug();
        await().atMost(Duration.ofSeconds(40))
                .untilAsserted(() -> assertThat(bridge.output()).contains("openJII: " + thing.thingName()
                        + " disconnected: its MultispeQ left"));
        bridge.close();

        assertThat(bridge.output()).doesNotContain("No iot: identity");
        try (Outbox outbox = Outbox.open(outboxRoot.resolve(thing.thingName()), OutboxBudget.forData(10_000_000),
                Outbox.FullPolicy.REJECT, DeadLetterMode.LOCAL, Clock.systemUTC())) {
            List<OutboxQuarantine.Entry> kept = outbox.quarantine().list();
            assertThat(kept).as(bridge.output())
                    .filteredOn(entry -> entry.kind() == OutboxEntry.Kind.DEAD_LETTER)
                    .isNotEmpty();
        }
        assertThat(broker.violations()).isEmpty();
    }
}
