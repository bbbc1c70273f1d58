package org.openjii.mmi.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmi check} against real Mosquitto brokers (certificates made by the test): the whole way passes over mutual
 * TLS, and each step that needs a broker fails with its own line when the broker says no: a CA that does not vouch
 * for the broker, a client certificate the broker rejects, CONNECT refused, and a publish the ACL refuses.
 */
class CheckCommandIT {

    @TempDir
    static Path dir;

    private static TestPki.Authority authority;
    private static Path caFile;
    private static Path serverCert;
    private static Path serverKey;
    private static Path certFile;
    private static Path keyFile;

    @BeforeAll
    static void issueCertificates() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        authority = TestPki.Authority.create("check IT CA");
        caFile = authority.writeCertificate(dir.resolve("AmazonRootCA1.pem"));
        TestPki.Issued server = authority.issueServer("mosquitto", "localhost", "127.0.0.1");
        serverCert = server.writeCertificate(dir.resolve("server.pem"));
        serverKey = server.writeKey(dir.resolve("server.key"), KeyFormat.TRADITIONAL);
        TestPki.Issued client = authority.issueClient("gateway-1", KeyType.RSA);
        certFile = client.writeCertificate(dir.resolve("gateway-1-certificate.pem.crt"));
        keyFile = client.writeKey(dir.resolve("gateway-1-private.pem.key"), KeyFormat.TRADITIONAL);
    }

    private static MosquittoBroker mutualTls(String name, String... extraConfig) throws Exception {
        return MosquittoBroker.startMutualTls(Files.createDirectories(dir.resolve(name)), caFile, serverCert,
                serverKey, extraConfig);
    }

    private static CheckRun check(String url, Path cert, Path key, Path ca, String... more) {
        List<String> args = new ArrayList<>(List.of("--set", "mmi.mqtt.broker-url=" + url, "--set",
                "mmi.mqtt.client-id=gateway-1", "--set", "mmi.mqtt.cert-file=" + cert, "--set",
                "mmi.mqtt.key-file=" + key, "--set", "mmi.mqtt.ca-file=" + ca));
        args.addAll(List.of(more));
        return CheckRun.of(args.toArray(String[]::new));
    }

    @Test
    void everyStepPassesOverMutualTlsAndTheTestMessageArrives() throws Exception {
        try (MosquittoBroker broker = mutualTls("pass")) {
            CheckRun run = check(broker.url(), certFile, keyFile, caFile);

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).doesNotContain("✘");
            assertThat(run.line("TLS handshake")).startsWith("✔ ");
            assertThat(run.line("MQTT CONNECT")).startsWith("✔ MQTT CONNECT: connected as 'gateway-1-check'");
            assertThat(run.line("publish")).startsWith("✔ ");
            // The broker's own log: the check's client, authenticated by its certificate, published the test message.
            assertThat(broker.logText()).contains("as gateway-1-check (p5, c1, k60, u'gateway-1')")
                    .contains("Received PUBLISH from gateway-1-check (d0, q1, r0, m1, 'mmi/v1/gateway-1/check'");
        }
    }

    @Test
    void aCaFileThatDoesNotVouchForTheBrokerFailsTheHandshake() throws Exception {
        Path rogueCa = TestPki.Authority.create("rogue CA").writeCertificate(dir.resolve("rogue-ca.pem"));
        try (MosquittoBroker broker = mutualTls("unknown-ca")) {
            CheckRun run = check(broker.url(), certFile, keyFile, rogueCa);

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.failure()).startsWith("✘ TLS handshake: ").contains("mmi.mqtt.ca-file " + rogueCa);
            assertThat(run.line("MQTT CONNECT")).endsWith("skipped (an earlier step failed)");
        }
    }

    @Test
    void aClientCertificateTheBrokerDoesNotAcceptIsTlsRejected() throws Exception {
        // Issued by a CA the broker does not know: the broker ends the handshake.
        TestPki.Authority stranger = TestPki.Authority.create("stranger CA");
        TestPki.Issued client = stranger.issueClient("gateway-1", KeyType.EC);
        Path cert = client.writeCertificate(dir.resolve("stranger.pem.crt"));
        Path key = client.writeKey(dir.resolve("stranger.pem.key"), KeyFormat.TRADITIONAL);
        try (MosquittoBroker broker = mutualTls("tls-rejected")) {
            CheckRun run = check(broker.url(), cert, key, caFile);

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.failure()).as(run.toString())
                    .containsAnyOf("✘ TLS handshake: ", "✘ MQTT CONNECT: TLS rejected")
                    .contains("mmi.mqtt.cert-file");
        }
    }

    @Test
    void aBrokerThatRefusesTheClientSaysSoWithTheReasonCode() throws Exception {
        // No anonymous clients and no password file: Mosquitto refuses every CONNECT.
        try (MosquittoBroker broker = MosquittoBroker.start(Files.createDirectories(dir.resolve("refused")),
                "allow_anonymous false")) {
            CheckRun run = CheckRun.of("--set", "mmi.mqtt.broker-url=" + broker.url(), "--set",
                    "mmi.mqtt.client-id=gateway-1");

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.line("TCP connect")).startsWith("✔ ");
            assertThat(run.failure()).as(run.toString()).startsWith("✘ MQTT CONNECT: CONNECT refused: ");
            assertThat(run.line("publish")).endsWith("skipped (not connected)");
        }
    }

    @Test
    void aPublishTheAclRefusesIsNamedWithItsReasonCode() throws Exception {
        Path acl = Files.writeString(dir.resolve("acl"), "user gateway-1\ntopic readwrite experiment/#\n");
        try (MosquittoBroker broker = mutualTls("publish-refused", "acl_file " + acl)) {
            CheckRun run = check(broker.url(), certFile, keyFile, caFile);

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.line("MQTT CONNECT")).startsWith("✔ ");
            assertThat(run.failure()).as(run.toString()).startsWith("✘ publish: ").contains("0x87");
        }
    }
}
