package org.openjii.mmi.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
    private static Instant serverNotAfter;

    @BeforeAll
    static void issueCertificates() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        authority = TestPki.Authority.create("check IT CA");
        caFile = authority.writeCertificate(dir.resolve("AmazonRootCA1.pem"));
        TestPki.Issued server = authority.issueServer("mosquitto", "localhost", "127.0.0.1");
        serverCert = server.writeCertificate(dir.resolve("server.pem"));
        serverKey = server.writeKey(dir.resolve("server.key"), KeyFormat.TRADITIONAL);
        serverNotAfter = server.certificate().getNotAfter().toInstant();
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
            // Over TLS no step is left out: eight lines, each ✔.
            assertThat(run.out().lines()).as(run.toString()).hasSize(8).allMatch(line -> line.startsWith("✔ "));
            assertThat(run.line("TLS handshake")).startsWith("✔ TLS handshake: TLSv1.")
                    .endsWith(", broker certificate CN=mosquitto,O=mmi tests valid until "
                            + serverNotAfter + ", trusted, issued for localhost");
            assertThat(run.line("MQTT CONNECT")).startsWith("✔ MQTT CONNECT: connected as 'gateway-1-check'");
            // Mosquitto's PUBACK for a topic nobody subscribes to (MQTT 5: 0x10).
            assertThat(run.line("publish")).startsWith("✔ publish: QoS 1 to mmi/v1/gateway-1/check, PUBACK No"
                    + " matching subscribers (0x10) in ");
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
            assertThat(run.line("TCP connect")).startsWith("✔ ");
            assertThat(run.failure()).as(run.toString())
                    .startsWith("✘ TLS handshake: unknown CA: the broker's certificate is not issued by a CA mmi"
                            + " trusts — mmi.mqtt.ca-file " + rogueCa + ": the broker's certificate is not trusted"
                            + " by this CA")
                    .endsWith("; give the CA that issued the broker's certificate (for AWS IoT: AmazonRootCA1.pem)");
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
            assertThat(run.line("certificate")).startsWith("✔ ");
            // TLS 1.3: the broker's refusal comes after the client's side of the handshake is done. The handshake
            // step waits ALERT_WAIT for it; should the alert come later, the CONNECT step reports it the same way.
            // Mosquitto sends the alert (unknown_ca) and closes: the client reads the alert, or only the close,
            // depending on timing and the broker's OpenSSL (Debian's package and the test image's differ).
            String advice = "; it must be issued by a CA the broker trusts and, on AWS IoT, be registered, ACTIVE and"
                    + " attached to the Thing";
            List<String> expected = new ArrayList<>();
            for (String reason : List.of("the broker hung up as soon as it received the client certificate"
                    + " CN=gateway-1,O=mmi tests, which is how it refuses one",
                    "the broker refused the client"
                            + " certificate CN=gateway-1,O=mmi tests (TLS alert unknown_ca)")) {
                String hint = " — mmi.mqtt.cert-file " + cert + ": " + reason + advice;
                expected.add("✘ TLS handshake: TLS rejected: the broker refused the client certificate" + hint);
                expected.add("✘ MQTT CONNECT: TLS rejected" + hint);
            }
            assertThat(run.failure()).as(run.toString()).isIn(expected);
            assertThat(run.line("publish")).isIn("– publish: skipped (an earlier step failed)",
                    "– publish: skipped (not connected)");
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
            assertThat(run.failure()).as(run.toString())
                    .isEqualTo("✘ MQTT CONNECT: CONNECT refused: Not authorized"
                            + " (0x87) — the broker does not let client id 'gateway-1-check' connect. AWS IoT policies often"
                            + " allow only the Thing name (client/${iot:Connection.Thing.ThingName}): with the bridge"
                            + " stopped, check as the Thing with --client-id gateway-1; on Mosquitto see allow_anonymous,"
                            + " use_identity_as_username and the ACL");
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
            // MQTT 5: Mosquitto answers a publish its ACL denies with PUBACK reason 0x87.
            assertThat(run.failure()).as(run.toString())
                    .isEqualTo("✘ publish: publish refused: Not authorized (0x87)"
                            + " for mmi/v1/gateway-1/check — allow publishing to mmi/v1/gateway-1/check (AWS IoT: iot:Publish"
                            + " on topic/mmi/v1/gateway-1/check in the certificate's policy; Mosquitto: the ACL), or check"
                            + " another topic with --topic");
            assertThat(broker.logText()).contains("Denied PUBLISH from gateway-1-check");
        }
    }
}
