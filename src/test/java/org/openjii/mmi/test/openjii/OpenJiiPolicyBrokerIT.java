package org.openjii.mmi.test.openjii;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.Packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The broker that stands in for openJII's IoT Core enforces its policy on clients with the Things' certificates
 * from {@link OpenJiiDownloadsFixture}, and its log shows what Mosquitto lets through but AWS would not.
 */
class OpenJiiPolicyBrokerIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private OpenJiiDownloadsFixture downloads;
    private OpenJiiThing a;
    private OpenJiiThing b;
    private OpenJiiPolicyBroker broker;
    private final List<MqttClient> clients = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        downloads = new OpenJiiDownloadsFixture(dir.resolve("downloads"), OpenJiiPolicyBroker.HOST);
        a = downloads.register("multispeq", "0042").onboard(Experiment.of("multispeq", "Drought"));
        b = downloads.register("multispeq", "0043").onboard(Experiment.of("multispeq", "Shade"));
        broker = OpenJiiPolicyBroker.start(dir.resolve("broker"), downloads.authority());
    }

    @AfterEach
    void stop() throws Exception {
        for (MqttClient client : clients) {
            if (client.isConnected()) {
                client.disconnectForcibly(0, 1000, false);
            }
            client.close(true);
        }
        if (broker != null) {
            broker.close();
        }
    }

    private MqttClient connect(String clientId, OpenJiiThing thing) throws MqttException {
        MqttClient client = broker.connectDevice(clientId, thing.credentials());
        clients.add(client);
        return client;
    }

    private String dataTopic(OpenJiiThing thing) {
        return thing.config().experiments().get(0).topic("2", thing.serial());
    }

    private static void publish(MqttClient client, String topic, boolean retain) {
        // A refused QoS 1 publish comes back as PUBACK reason 135; whether Paho throws for it does not matter here.
        catchThrowable(() -> client.publish(topic, new MqttMessage("{}".getBytes(StandardCharsets.UTF_8), 1, retain,
                null)));
    }

    @Test
    void aThingPublishesOnItsDataChannelsAndIsDeniedElsewhere() throws Exception {
        MqttRecorder recorder = broker.recordData("openjii-ingest");
        MqttClient device = connect(a.thingName(), a);

        publish(device, dataTopic(a), false);
        publish(device, dataTopic(a) + "/" + "legacy-protocol-id", false);
        publish(device, "mmi/gateway/status", false);
        publish(device, "device/scripts/v1/multispeq/2/" + a.thingName(), false);

        await().atMost(WAIT).until(() -> broker.log().deniedPublishes().size() == 2);
        MosquittoLog log = broker.log();
        assertThat(log.publishesFrom(a.thingName())).extracting(MosquittoLog.Publish::topic)
                .containsExactly(dataTopic(a), dataTopic(a) + "/legacy-protocol-id");
        assertThat(log.deniedPublishes()).extracting(MosquittoLog.Publish::topic)
                .containsExactly("mmi/gateway/status", "device/scripts/v1/multispeq/2/" + a.thingName());
        assertThat(log.clientIdsOf(a.thingName())).containsExactly(a.thingName());
        await().atMost(WAIT).until(() -> recorder.messages().size() == 2);
        assertThat(recorder.messages()).extracting(MqttRecorder.Received::topic)
                .containsExactly(dataTopic(a), dataTopic(a) + "/legacy-protocol-id");
        assertThat(broker.violations()).containsExactly(
                "denied PUBLISH from multispeq_0042 on 'mmi/gateway/status'",
                "denied PUBLISH from multispeq_0042 on 'device/scripts/v1/multispeq/2/multispeq_0042'");
    }

    @Test
    void aThingReceivesOnlyItsOwnRetainedScript() throws Exception {
        String scriptA = DeviceScriptMessage.scriptUpdate("upd-a", "[{\"pulses\":[20]}]");
        broker.publishScript("2", a.thingName(), scriptA);
        broker.publishScript("2", b.thingName(), DeviceScriptMessage.scriptUpdate("upd-b", "[{\"pulses\":[30]}]"));
        MqttClient device = connect(a.thingName(), a);
        List<String> received = new CopyOnWriteArrayList<>();
        IMqttMessageListener listener = (topic, message) -> received.add(topic + " r" + (message.isRetained() ? 1
                : 0) + " " + new String(message.getPayload(), StandardCharsets.UTF_8));

        // Mosquitto handles SUBSCRIBEs in order: B's retained script would arrive before A's.
        IMqttToken other = device.subscribe(new MqttSubscription[]{
                new MqttSubscription(DeviceScriptMessage.topic("multispeq", "2", b.thingName()), 1)},
                new IMqttMessageListener[]{listener});
        device.subscribe(new MqttSubscription[]{
                new MqttSubscription(DeviceScriptMessage.topic("multispeq", "2", a.thingName()), 1)},
                new IMqttMessageListener[]{listener});

        await().atMost(WAIT).until(() -> !received.isEmpty());
        assertThat(received).containsExactly("device/scripts/v1/multispeq/2/multispeq_0042 r1 " + scriptA);
        // Mosquitto's acl_file grants the subscription (QoS 1) and delivers nothing; AWS would refuse it.
        assertThat(other.getReasonCodes()).containsExactly(1);
        assertThat(broker.violations()).containsExactly("SUBSCRIBE from multispeq_0042 to"
                + " 'device/scripts/v1/multispeq/2/multispeq_0043' (not its own"
                + " device/scripts/v1/+/+/multispeq_0042)");
        assertThat(broker.log().retainedPublishes()).extracting(MosquittoLog.Publish::username)
                .containsOnly(OpenJiiPolicy.CLOUD_USER);
    }

    @Test
    void aRetainedPublishAWillAndAnotherClientIdShowInTheLog() throws Exception {
        MqttClient device = connect(a.thingName(), a);
        publish(device, dataTopic(a), true);
        MqttClient gateway = new MqttClient(broker.url(), "gateway-1", new MemoryPersistence());
        clients.add(gateway);
        MqttConnectionOptions withWill = PahoTls.options(b.credentials(), broker.caCertificate());
        withWill.setWill("mmi/gateway-1/status", new MqttMessage("offline".getBytes(StandardCharsets.UTF_8), 1,
                true, null));
        gateway.connect(withWill);

        // Mosquitto accepts both (its ACL has no retain right, a Will is checked only when sent).
        await().atMost(WAIT)
                .until(() -> broker.log().wills().size() == 1
                        && broker.log().retainedPublishes().size() == 1);
        assertThat(broker.log().retainedPublishes()).extracting(MosquittoLog.Publish::clientId)
                .containsExactly(a.thingName());
        assertThat(broker.violations()).containsExactlyInAnyOrder(
                "retained PUBLISH from multispeq_0042 on '" + dataTopic(a) + "' (a device has no retain right)",
                "Will from gateway-1 on 'mmi/gateway-1/status'",
                "client id gateway-1 connected with the certificate of multispeq_0043");
    }

    @Test
    void aSecondConnectionWithTheSameClientIdTakesTheSessionOver() throws Exception {
        MqttClient first = connect(a.thingName(), a);
        connect(a.thingName(), a);

        await().atMost(WAIT).until(() -> !first.isConnected());
        assertThat(broker.log().takeovers()).containsExactly(a.thingName());
        assertThat(broker.log().clientIds()).containsExactly(a.thingName());
    }

    @Test
    void aRevokedCertificateIsRefusedAfterARestartWithItsCrl() throws Exception {
        MqttRecorder recorder = broker.recordData("openjii-ingest");
        TestPki.Issued oldCredentials = a.credentials();
        publish(connect(a.thingName(), a), dataTopic(a), false);
        await().atMost(WAIT).until(() -> recorder.messages().size() == 1);
        X509Certificate revoked = downloads.rotateCredentials(a, Packaging.ZIP);
        assertThat(revoked).isEqualTo(oldCredentials.certificate());

        broker.restartWithCrl(revoked);

        assertThat(catchThrowable(() -> broker.connectDevice(a.thingName(), oldCredentials)))
                .isInstanceOf(MqttException.class);
        await().atMost(WAIT).until(() -> broker.log().refusedCertificates().size() == 1);
        publish(connect(a.thingName(), a), dataTopic(a), false);
        publish(connect(b.thingName(), b), dataTopic(b), false);
        // At least: a message delivered twice shows in the assertion below, not as a timeout.
        await().atMost(WAIT).until(() -> recorder.messages().size() >= 3);
        assertThat(recorder.messages()).extracting(MqttRecorder.Received::topic)
                .containsExactly(dataTopic(a), dataTopic(a), dataTopic(b));
        assertThat(broker.violations()).isEmpty();
    }
}
