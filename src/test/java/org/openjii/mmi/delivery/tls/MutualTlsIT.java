package org.openjii.mmi.delivery.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Mutual TLS against a real broker: Mosquitto (OpenSSL) with a TLS 1.2 listener that requires a client certificate
 * from the test CA and takes the certificate's CN as the user name.
 */
class MutualTlsIT {

    /** The key forms AWS IoT and OpenSSL hand out. */
    enum ClientKey {

        RSA_PKCS1(KeyType.RSA, KeyFormat.TRADITIONAL),
        RSA_PKCS8(KeyType.RSA, KeyFormat.PKCS8),
        EC_SEC1(KeyType.EC, KeyFormat.TRADITIONAL);

        final KeyType type;
        final KeyFormat format;

        ClientKey(KeyType type, KeyFormat format) {
            this.type = type;
            this.format = format;
        }

        String commonName() {
            return "gateway-" + name().toLowerCase().replace('_', '-');
        }
    }

    @TempDir
    static Path dir;

    private static TestPki.Authority authority;
    private static Path caFile;
    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        authority = TestPki.Authority.create("mutual TLS test CA");
        caFile = authority.writeCertificate(dir.resolve("ca.pem"));
        TestPki.Issued server = authority.issueServer("mosquitto", "localhost", "127.0.0.1");
        broker = MosquittoBroker.startMutualTls(dir, caFile, server.writeCertificate(dir.resolve("server.pem")),
                server.writeKey(dir.resolve("server.key"), KeyFormat.TRADITIONAL));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static BrokerTransport transportFor(TestPki.Issued client, KeyFormat format, Path ca) throws Exception {
        String name = client.certificate().getSerialNumber().toString();
        return BrokerTransport.create(broker.url(), client.writeCertificate(dir.resolve(name + ".pem.crt")),
                client.writeKey(dir.resolve(name + ".pem.key"), format), ca, false, null);
    }

    @ParameterizedTest
    @EnumSource(ClientKey.class)
    void publishesAndReceivesAtQos1(ClientKey key) throws Exception {
        BrokerTransport transport = transportFor(authority.issueClient(key.commonName(), key.type), key.format,
                caFile);
        String topic = "mmi/tls/" + key.commonName();
        List<String> received = new CopyOnWriteArrayList<>();

        Mqtt5AsyncClient client = Mqtt5Client.builder()
                .identifier(key.commonName())
                .serverHost(transport.host())
                .serverPort(transport.port())
                .sslConfig(MqttClientSslConfig.builder().build())
                .buildAsync();
        transport.applyTlsTo(client);
        try {
            client.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
            client.subscribeWith()
                    .topicFilter(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .callback(message -> received.add(new String(message.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                    .send()
                    .get(5, TimeUnit.SECONDS);
            // Completes on the broker's PUBACK.
            client.publishWith()
                    .topic(topic)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload("measured".getBytes(StandardCharsets.UTF_8))
                    .send()
                    .get(5, TimeUnit.SECONDS);

            await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(received).containsExactly("measured"));
        } finally {
            client.disconnect().get(5, TimeUnit.SECONDS);
        }
        // The broker knew the client by its certificate: use_identity_as_username takes the CN.
        assertThat(broker.logText()).contains("u'" + key.commonName() + "'");
    }

    @Test
    void aCaFileThatDoesNotVouchForTheBrokerIsNamed() throws Exception {
        Path rogueCa = TestPki.Authority.create("rogue CA").writeCertificate(dir.resolve("rogue-ca.pem"));
        BrokerTransport transport = transportFor(authority.issueClient("gateway-wrong-ca", KeyType.EC),
                KeyFormat.TRADITIONAL, rogueCa);

        assertThat(TransportConnections.explainedFailure(transport)).startsWith(BrokerTransport.CA_FILE_SETTING + " "
                + rogueCa + ": the broker's certificate is not trusted by this CA");
    }

    @Test
    void aClientCertificateTheBrokerDoesNotKnowIsNamed() throws Exception {
        TestPki.Issued stranger = TestPki.Authority.create("unknown CA").issueClient("gateway-stranger", KeyType.EC);
        Path certFile = stranger.writeCertificate(dir.resolve("stranger.pem.crt"));
        BrokerTransport transport = BrokerTransport.create(broker.url(), certFile,
                stranger.writeKey(dir.resolve("stranger.pem.key"), KeyFormat.TRADITIONAL), caFile, false, null);

        // Over TLS 1.2 (the broker's tls_version) OpenSSL refuses the certificate with an alert in the handshake.
        assertThat(TransportConnections.explainedFailure(transport))
                .startsWith(BrokerTransport.CERT_FILE_SETTING + " " + certFile + ": the broker ")
                .contains("client certificate CN=gateway-stranger", "it must be issued by a CA the broker trusts");
    }

    @Test
    void noClientCertificateForABrokerThatRequiresOneIsNamed() throws Exception {
        BrokerTransport transport = BrokerTransport.create(broker.url(), null, null, caFile, false, null);

        assertThat(TransportConnections.explainedFailure(transport)).startsWith(BrokerTransport.CERT_FILE_SETTING
                + " is not set, and the broker ended the handshake");
    }
}
