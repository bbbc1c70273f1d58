package org.openjii.mmi.cli;

import java.nio.file.Path;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;
import org.openjii.mmi.test.openjii.OnboardingConfig.Procedure;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.InvalidConfig;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.Packaging;
import org.openjii.mmi.test.openjii.OpenJiiPolicyBroker;
import org.openjii.mmi.test.openjii.OpenJiiSite;
import org.openjii.mmi.test.openjii.OpenJiiThing;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmi check --openjii DIR} against openJII's downloads in its web app's layout, a MultispeQ on a pty and a TLS
 * Mosquitto that enforces openJII's IoT policy: per Thing its plan, instrument, key material and broker; a broken
 * download and a refused command named; nothing published.
 */
class OpenJiiCheckIT {

    private static final String PAR = "[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]";

    @TempDir
    Path dir;

    private OpenJiiPolicyBroker broker;
    private PtySimulator instrument;
    private OpenJiiDownloadsFixture downloads;
    private OpenJiiThing attached;
    private OpenJiiThing broken;
    private Experiment experiment;

    @BeforeEach
    void start() throws Exception {
        OpenJiiSite site = OpenJiiSite.start(dir);
        broker = site.broker();
        downloads = site.downloads();
        experiment = Experiment.of("multispeq", "Leaf photosynthesis",
                Procedure.protocol(UUID.randomUUID(), "PAR", "multispeq", PAR),
                Procedure.command("string", "reset"),
                Procedure.multiChoice("q1", "plot", "Which plot?", "A1", "A1", "B2"));
        attached = downloads.register("multispeq", "01:12:53:20").onboard(experiment);
        broken = downloads.register("multispeq", "01:12:53:21").onboard(experiment);
        downloads.writeGroupCredentials("Greenhouse 2", Packaging.ZIP, attached, broken);
        downloads.writeDeviceConfig(attached);
        downloads.writeInvalidConfig(broken, InvalidConfig.EXPERIMENT_ID_NOT_UUID);
        instrument = PtySimulator.start(dir.resolve("ttyA"), SimulatorOptions.builder()
                .deviceId("01:12:53:20")
                .build());
    }

    @AfterEach
    void stop() throws Exception {
        if (instrument != null) {
            instrument.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private CheckRun check() {
        return CheckRun.of("--openjii", downloads.dir().toString(), "--set", "mmi.openjii.port=" + broker.port(),
                "--set", "mmi.device.port=" + instrument.hostLink() + "," + dir.resolve("ttyB"));
    }

    @Test
    void shouldReportEachThingsPlanInstrumentKeysAndBrokerWithoutPublishing() throws Exception {
        CheckRun run = check();

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        String thing = attached.thingName();
        assertThat(run.line("instruments")).contains("MultispeQ 01:12:53:20 at " + instrument.hostLink())
                .contains("nothing at " + dir.resolve("ttyB"));
        assertThat(run.line(thing + " config")).contains("endpoint " + OpenJiiPolicyBroker.HOST);
        // The topic of openJII's data channel for this instrument: its sensorVersion and sensorId from the handshake.
        assertThat(run.line(thing + " experiment " + experiment.experimentId())).contains("publishes to "
                + experiment.topic("2", "01:12:53:20"));
        assertThat(run.out()).contains("✔ " + thing + " procedure 1: protocol PAR " + experiment.protocols()
                .get(0)
                .protocolId());
        assertThat(run.out()).contains("✘ " + thing + " procedure 2: command 'reset' is not sent")
                .contains("mmi.commands.allow");
        assertThat(run.line(thing + " procedure 3")).contains("question plot = \"A1\"");
        assertThat(run.out()).contains("✔ " + thing + " instrument: attached at " + instrument.hostLink());
        assertThat(run.out()).contains("✔ " + thing + " certificate: CN=" + thing);
        assertThat(run.out()).contains("✔ " + thing + " MQTT CONNECT: connected to ssl://localhost:" + broker.port()
                + " as '" + thing + "-check'");

        // The broken download is named; its Thing has no plan and no instrument here.
        assertThat(run.out()).contains("✘ download " + OpenJiiDownloadsFixture.configFileName(broken) + ": ");
        assertThat(run.out()).contains("✘ " + broken.thingName() + " config: no onboarding file");
        assertThat(run.out()).contains("– " + broken.thingName() + " instrument: skipped (not attached here");

        // Connected as <thing>-check, never as the Thing, and published nothing.
        assertThat(broker.log().clientIds()).contains(thing + "-check").doesNotContain(thing);
        assertThat(broker.log().publishes()).isEmpty();
        // The one departure from the device contract (client id = Thing name), which openJII's policy allows
        // (iot:Connect on client/${iot:ClientId}): a connection that subscribes and publishes nothing.
        assertThat(broker.violations()).containsExactly("client id " + thing + "-check connected with the"
                + " certificate of " + thing);
        assertThat(run.toString()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void shouldSayWhenTheBrokerRefusesARevokedCertificate() throws Exception {
        broker.restartWithCrl(attached.certificate());

        CheckRun run = check();

        assertThat(run.exitCode()).isEqualTo(1);
        String thing = attached.thingName();
        assertThat(run.out()).as(run.toString())
                .containsPattern("✘ " + Pattern.quote(thing) + " (TLS handshake|MQTT CONNECT): ");
        assertThat(broker.log().refusedCertificates()).isNotEmpty();
        assertThat(broker.log().publishes()).isEmpty();
    }

    @Test
    void shouldReportAThingWhoseInstrumentIsElsewhereWithoutFailingIt() {
        instrument.unplug();
        CheckRun run = CheckRun.of("--openjii", downloads.dir().toString(), "--set", "mmi.openjii.port=" + broker
                .port(), "--set", "mmi.device.port=" + instrument.hostLink(), "--timeout", "5");
        assertThat(run.line("instruments")).contains("no MultispeQ answered at " + instrument.hostLink());
        assertThat(run.out()).contains("– " + attached.thingName() + " instrument: skipped (not attached here");
        assertThat(run.out()).contains("✔ " + attached.thingName() + " MQTT CONNECT");
    }
}
