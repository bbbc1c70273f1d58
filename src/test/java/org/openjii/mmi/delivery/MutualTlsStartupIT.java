package org.openjii.mmi.delivery;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code mmi run} with the files as AWS IoT issues them, against a Mosquitto that requires a client certificate
 * (certificates made by the test): measurements are published over mutual TLS with an RSA PKCS#1 key and with an EC
 * key, and each broken setup stops startup with one line that names the file and the problem.
 */
class MutualTlsStartupIT {

    @TempDir
    static Path dir;

    private static TestPki.Authority authority;
    private static Path caFile;
    private static MosquittoBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        authority = TestPki.Authority.create("mmi test CA");
        caFile = authority.writeCertificate(dir.resolve("AmazonRootCA1.pem"));
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

    /** The settings of a bridge with its own client id, outbox and files. */
    private static Map<String, String> settings(String name, Path cert, Path key, Path ca) {
        Map<String, String> settings = new HashMap<>(Map.of("mmi.mqtt.broker-url", broker.url(),
                "mmi.mqtt.client-id", name, "mmi.outbox.dir", dir.resolve(name + "-outbox").toString(),
                "mmi.device.interval", "500ms", "mmi.simulator.options", "max-run-time=0s"));
        settings.put(BrokerTransport.CERT_FILE_SETTING, cert.toString());
        settings.put(BrokerTransport.KEY_FILE_SETTING, key.toString());
        settings.put(BrokerTransport.CA_FILE_SETTING, ca.toString());
        return settings;
    }

    /** The key files AWS IoT hands out: RSA as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}); EC as SEC1. */
    enum IssuedKey {

        RSA_PKCS1(KeyType.RSA),
        EC(KeyType.EC);

        final KeyType type;

        IssuedKey(KeyType type) {
            this.type = type;
        }
    }

    @ParameterizedTest
    @EnumSource(IssuedKey.class)
    void shouldPublishMeasurementsOverMutualTls(IssuedKey key) throws Exception {
        String name = "gateway-" + key.name().toLowerCase().replace('_', '-');
        TestPki.Issued client = authority.issueClient(name, key.type);
        Path cert = client.writeCertificate(dir.resolve(name + "-certificate.pem.crt"));
        Path privateKey = client.writeKey(dir.resolve(name + "-private.pem.key"), KeyFormat.TRADITIONAL);

        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve(name + ".log"),
                settings(name, cert, privateKey, caFile))) {
            // The broker's own log: who connected (the certificate's CN as user name) and what it accepted.
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> broker.logText().contains("as " + name + " (p5, c0, k60, u'" + name + "')")
                            && broker.logText().contains("Received PUBLISH from " + name + " (d0, q1, r0")
                            && broker.logText().contains("'experiment/data_ingest/v1/"));
            assertThat(bridge.isAlive()).as(bridge.output()).isTrue();
            // Secrets are never printed: no line of the private key appears in the console output.
            String output = bridge.output();
            assertThat(Files.readAllLines(privateKey))
                    .filteredOn(line -> !line.startsWith("-----"))
                    .isNotEmpty()
                    .allSatisfy(line -> assertThat(output).doesNotContain(line));
            assertThat(output).doesNotContain("PRIVATE KEY");
        }
    }

    /** The aws profile (application-aws.properties) asks for the operator's endpoint before anything else. */
    @Test
    void shouldNameTheEndpointTheAwsProfileNeeds() throws Exception {
        assertStartupFails("aws-no-endpoint", Map.of("mmi.profile", "aws"), "mmi.mqtt.broker-url is empty", "ssl://");
    }

    /** With the endpoint set, the profile looks for the files where its Kubernetes Secret is mounted. */
    @Test
    void shouldLookForTheCertificatesWhereTheAwsProfileSays() throws Exception {
        assertStartupFails("aws-no-files", Map.of("mmi.profile", "aws", "mmi.mqtt.broker-url", broker.url(),
                "mmi.outbox.dir", dir.resolve("aws-outbox").toString(), "mmi.experiment-id",
                "6f1c0d2e-0000-4000-8000-00000000e001", "mmi.protocol-id", "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
                BrokerTransport.CERT_FILE_SETTING + " /etc/mmi/certs/certificate.pem.crt", "does not exist");
    }

    /**
     * What only the broker reveals does not stop the process: the bridge measures on into its outbox, says in one
     * error line which file and why, and keeps trying (a CA file can be fixed without a restart of the device side).
     */
    @Test
    void shouldNameTheCaFileThatDoesNotVouchForTheBrokerAndMeasureOn() throws Exception {
        TestPki.Issued client = authority.issueClient("gateway-wrong-ca", KeyType.RSA);
        Path rogueCa = TestPki.Authority.create("rogue CA").writeCertificate(dir.resolve("rogue-ca.pem"));
        Map<String, String> settings = settings("gateway-wrong-ca",
                client.writeCertificate(dir.resolve("wrong-ca.pem.crt")),
                client.writeKey(dir.resolve("wrong-ca.pem.key"), KeyFormat.TRADITIONAL), rogueCa);
        int port = freePort();
        settings.put("mmi.http.port", Integer.toString(port));
        settings.put("mmi.http.host", "127.0.0.1");
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("wrong-ca.log"), settings)) {
            String problem = BrokerTransport.CA_FILE_SETTING + " " + rogueCa
                    + ": the broker's certificate is not trusted by this CA";
            await().atMost(60, TimeUnit.SECONDS)
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> bridge.output()
                            .lines()
                            .anyMatch(line -> line.contains("ERROR")
                                    && line.contains("MQTT connect attempt 1 failed: " + problem)));
            // Measuring goes on: the simulated device's measurements wait in the outbox for a broker it trusts.
            await().atMost(60, TimeUnit.SECONDS)
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> metric(port, "mmi_outbox_depth") >= 2);
            HttpResponse<String> ready = get(port, "/observe/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("not trusted by this CA");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** A metric's value in the Prometheus scrape, -1 while it is not there (or the server is not up). */
    private static double metric(int port, String name) {
        try {
            return get(port, "/observe/metrics").body()
                    .lines()
                    .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst()
                    .orElse(-1);
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    @Test
    void shouldNameAnExpiredCertificate() throws Exception {
        Instant now = Instant.now();
        TestPki.Issued client = authority.issueClient("gateway-expired", KeyType.RSA,
                now.minus(400, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS));
        Path cert = client.writeCertificate(dir.resolve("expired.pem.crt"));
        assertStartupFails("expired", settings("gateway-expired", cert,
                client.writeKey(dir.resolve("expired.pem.key"), KeyFormat.TRADITIONAL), caFile),
                BrokerTransport.CERT_FILE_SETTING + " " + cert, "expired");
    }

    @Test
    void shouldNameAKeyThatDoesNotMatchTheCertificate() throws Exception {
        TestPki.Issued client = authority.issueClient("gateway-mismatch", KeyType.RSA);
        TestPki.Issued other = authority.issueClient("gateway-other", KeyType.RSA);
        Path key = other.writeKey(dir.resolve("other.pem.key"), KeyFormat.TRADITIONAL);
        assertStartupFails("mismatch", settings("gateway-mismatch",
                client.writeCertificate(dir.resolve("mismatch.pem.crt")), key, caFile),
                BrokerTransport.KEY_FILE_SETTING + " " + key, "does not belong to the certificate");
    }

    @Test
    void shouldRefuseAPrivateKeyEveryUserMayRead() throws Exception {
        TestPki.Issued client = authority.issueClient("gateway-open-key", KeyType.RSA);
        Path key = client.writeKey(dir.resolve("open.pem.key"), KeyFormat.TRADITIONAL);
        Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertStartupFails("open-key", settings("gateway-open-key",
                client.writeCertificate(dir.resolve("open.pem.crt")), key, caFile),
                BrokerTransport.KEY_FILE_SETTING + " " + key, "readable by every user of this machine");
    }

    @Test
    void shouldNameAMissingFile() throws Exception {
        TestPki.Issued client = authority.issueClient("gateway-missing", KeyType.EC);
        Path missing = dir.resolve("no-such-private.pem.key");
        assertStartupFails("missing", settings("gateway-missing",
                client.writeCertificate(dir.resolve("missing.pem.crt")), missing, caFile),
                BrokerTransport.KEY_FILE_SETTING + " " + missing, "does not exist");
    }

    /** The process ends with a failure, and says why in one {@code mmi run:} line: the file and the problem. */
    private static void assertStartupFails(String name, Map<String, String> settings, String file, String problem)
            throws Exception {
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve(name + ".log"), settings)) {
            assertThat(bridge.process().waitFor(60, TimeUnit.SECONDS)).as("the bridge stops").isTrue();
            assertThat(bridge.process().exitValue()).isNotZero();
            String output = bridge.output();
            String line = output.lines()
                    .filter(l -> l.startsWith("mmi run: "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("No 'mmi run:' line in:\n" + output));
            assertThat(line).contains(file).contains(problem);
        }
    }
}
