package org.openjii.mmi.test.openjii;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

/**
 * A Mosquitto that stands in for openJII's AWS IoT Core: one mutual-TLS listener on {@code localhost} (TLS 1.2,
 * {@code require_certificate}, {@code use_identity_as_username}: a client's user name is its certificate's CN), an
 * {@code acl_file} with openJII's policy ({@link OpenJiiPolicy#ACL}), a CRL (empty at first, see
 * {@link #restartWithCrl}), persistence (retained scripts and the recorders' sessions survive restarts) and the full
 * log. The {@code authority} plays Amazon Root CA 1: it issues the server certificate (valid for {@code localhost}),
 * verifies the clients' certificates and signs the CRL; give it {@link OpenJiiDownloadsFixture#authority()} so the
 * downloads' {@code AmazonRootCA1.pem} is the CA a device checks this broker with.
 * <p>
 * Runs as a container with Docker, else as a process ({@link MosquittoBroker}). Where Mosquitto's ACL is looser than
 * AWS (subscriptions, retained publishes, Wills), {@link #violations()} finds the difference in the broker's log.
 */
public final class OpenJiiPolicyBroker implements AutoCloseable {

    /** The broker's host name, as a config's {@code endpoint} should name it (its certificate is for it). */
    public static final String HOST = "localhost";

    private final TestPki.Authority authority;
    private final Path crl;
    private final MosquittoBroker broker;
    private final TestPki.Issued cloud;
    private final List<MqttRecorder> recorders = new ArrayList<>();

    private OpenJiiPolicyBroker(TestPki.Authority authority, Path crl, MosquittoBroker broker, TestPki.Issued cloud) {
        this.authority = authority;
        this.crl = crl;
        this.broker = broker;
        this.cloud = cloud;
    }

    /** Starts the broker; its configuration, certificates, ACL, CRL, persistence and log go to {@code dir}. */
    public static OpenJiiPolicyBroker start(Path dir, TestPki.Authority authority) throws IOException {
        Files.createDirectories(dir);
        Path ca = authority.writeCertificate(dir.resolve("ca.pem"));
        TestPki.Issued server = authority.issueServer("openJII test broker", HOST, "127.0.0.1");
        Path crl = authority.writeCrl(dir.resolve("crl.pem"));
        Path acl = Files.write(dir.resolve("acl"), OpenJiiPolicy.ACL, StandardCharsets.UTF_8);
        MosquittoBroker broker = MosquittoBroker.startMutualTls(dir, ca,
                server.writeCertificate(dir.resolve("server.pem")),
                server.writeKey(dir.resolve("server.key"), KeyFormat.TRADITIONAL), "crlfile " + crl,
                "acl_file " + acl, "persistence true", "persistence_location " + dir + "/");
        return new OpenJiiPolicyBroker(authority, crl, broker,
                authority.issueClient(OpenJiiPolicy.CLOUD_USER, KeyType.EC));
    }

    /** {@code ssl://localhost:<port>}. */
    public String url() {
        return broker.url();
    }

    public int port() {
        return broker.port();
    }

    /** The CA a client trusts this broker with (and its clients' issuer). */
    public X509Certificate caCertificate() {
        return authority.certificate().certificate();
    }

    /** The Mosquitto underneath (its folder, log file, stop and restart). */
    public MosquittoBroker mosquitto() {
        return broker;
    }

    /** The broker's log so far, read into records. */
    public MosquittoLog log() throws IOException {
        return MosquittoLog.parse(broker.logText());
    }

    /** What the log shows devices doing that openJII's policy refuses ({@link OpenJiiPolicy#violations}). */
    public List<String> violations() throws IOException {
        return OpenJiiPolicy.violations(log());
    }

    /**
     * Revokes certificates: writes a CRL listing them and restarts the broker, which refuses their handshakes from
     * then on (with none, the CRL is empty again). Recorders of {@link #recordData} miss nothing across the restart.
     */
    public void restartWithCrl(X509Certificate... revoked) throws IOException, InterruptedException, MqttException {
        for (MqttRecorder recorder : recorders) {
            recorder.leave(broker);
        }
        broker.stop();
        authority.writeCrl(crl, revoked);
        broker.restart();
        for (MqttRecorder recorder : recorders) {
            recorder.reconnect();
        }
    }

    /**
     * A recorder of the data channels, connected as the cloud (as openJII's IoT rule reads them), with a durable
     * session; closed with the broker.
     */
    public MqttRecorder recordData(String clientId) throws MqttException {
        MqttRecorder recorder = MqttRecorder.subscribe(url(), clientId,
                PahoTls.durableOptions(cloud, caCertificate()), "experiment/data_ingest/v1/#");
        recorders.add(recorder);
        return recorder;
    }

    /**
     * Publishes as the cloud, at QoS 1, retained, as openJII delivers scripts: on its own short connection (client
     * id {@code openjii-cloud}), so it works across broker restarts. An empty payload clears the retained message.
     */
    public void publishRetained(String topic, String payload) throws MqttException {
        MqttClient client = new MqttClient(url(), OpenJiiPolicy.CLOUD_USER, new MemoryPersistence());
        try {
            client.connect(PahoTls.options(cloud, caCertificate()));
            client.publish(topic, new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, true, null));
            client.disconnect();
        } finally {
            client.close(true);
        }
    }

    /**
     * Publishes a {@link DeviceScriptMessage} to a MultispeQ Thing, retained:
     * {@code device/scripts/v1/multispeq/{sensorVersion}/{thingName}}.
     */
    public void publishScript(String sensorVersion, String thingName, String scriptMessage) throws MqttException {
        publishRetained(DeviceScriptMessage.topic("multispeq", sensorVersion, thingName), scriptMessage);
    }

    /**
     * Connects a client as a device would: client id {@code clientId} (a Thing's name, or another to test the
     * checks), certificate {@code credentials}, clean start. For tests of the broker itself.
     */
    public MqttClient connectDevice(String clientId, TestPki.Issued credentials) throws MqttException {
        MqttClient client = new MqttClient(url(), clientId, new MemoryPersistence());
        client.connect(PahoTls.options(credentials, caCertificate()));
        return client;
    }

    @Override
    public void close() throws InterruptedException {
        for (MqttRecorder recorder : recorders) {
            try {
                recorder.close();
            } catch (MqttException e) {
                // Closing anyway: the broker stops next.
            }
        }
        broker.close();
    }
}
