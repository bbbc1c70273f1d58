package org.openjii.mmi.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmi check} for the failures found before any broker answers: usage, configuration, files, certificate, DNS
 * and a refused TCP connection. ({@link CheckCommandIT}: the steps that need a broker, against Mosquitto.)
 */
class CheckCommandTest {

    private static final List<String> AFTER_CONFIGURATION = List.of("files", "certificate", "DNS", "TCP connect",
            "TLS handshake", "MQTT CONNECT", "publish");

    @TempDir
    static Path dir;

    private static TestPki.Authority authority;
    private static Path caFile;
    private static Path certFile;
    private static Path keyFile;
    private static Instant clientNotAfter;

    @BeforeAll
    static void issueCertificates() throws IOException {
        authority = TestPki.Authority.create("check test CA");
        caFile = authority.writeCertificate(dir.resolve("AmazonRootCA1.pem"));
        TestPki.Issued client = authority.issueClient("gateway-1", KeyType.RSA);
        certFile = client.writeCertificate(dir.resolve("gateway-1-certificate.pem.crt"));
        keyFile = client.writeKey(dir.resolve("gateway-1-private.pem.key"), KeyFormat.TRADITIONAL);
        clientNotAfter = client.certificate().getNotAfter().toInstant();
    }

    /** A TLS setup with the given files towards {@code url}. */
    private static CheckRun check(String url, Path cert, Path key, Path ca, String... more) {
        List<String> args = new ArrayList<>(List.of("--set", "mmi.mqtt.broker-url=" + url, "--set",
                "mmi.mqtt.client-id=gateway-1", "--set", "mmi.mqtt.cert-file=" + cert, "--set",
                "mmi.mqtt.key-file=" + key, "--set", "mmi.mqtt.ca-file=" + ca));
        args.addAll(List.of(more));
        return CheckRun.of(args.toArray(String[]::new));
    }

    /** A loopback port nobody listens on. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void usageErrorsExitWith2() {
        assertThat(CheckRun.of("--no-such-option").exitCode()).isEqualTo(2);

        CheckRun missingConfig = CheckRun.of("--config", dir.resolve("absent.properties").toString());
        assertThat(missingConfig.exitCode()).isEqualTo(2);
        assertThat(missingConfig.err()).contains("--config " + dir.resolve("absent.properties") + ": no such file");

        CheckRun wildcardTopic = CheckRun.of("--topic", "mmi/#");
        assertThat(wildcardTopic.exitCode()).isEqualTo(2);
        assertThat(wildcardTopic.err()).startsWith("mmi check: --topic mmi/#: ");
    }

    @Test
    void helpNamesTheStepsAndExitCodes() {
        CheckRun help = CheckRun.of("--help");

        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("TLS handshake", "--client-id", "--topic", "Exit codes:",
                "1   a step failed");
    }

    /** The default, mmi.mqtt.broker-url=embedded: the check starts the broker as mmi run does and goes all the way. */
    @Test
    void theDefaultEmbeddedBrokerPassesEveryStep() {
        CheckRun run = CheckRun.of("--set", "mmi.embedded.dir=" + dir.resolve("embedded"));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.line("configuration")).startsWith("✔ configuration: tcp://127.0.0.1:")
                .contains("(the embedded broker, started for this check as mmi run starts it)");
        assertThat(run.line("MQTT CONNECT")).startsWith("✔ ");
        assertThat(run.line("publish")).startsWith("✔ ");
        assertThat(run.out()).doesNotContain("✘");
    }

    @Test
    void theLogBrokerIsNothingToCheck() {
        CheckRun run = CheckRun.of("--set", "mmi.mqtt.broker-url=log");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).startsWith("✘ configuration: mmi.mqtt.broker-url is log: ");
        AFTER_CONFIGURATION.forEach(step -> assertThat(run.line(step)).endsWith("skipped (an earlier step failed)"));
    }

    @Test
    void aValueThatCannotWorkIsNamedWithItsKey() {
        CheckRun run = CheckRun.of("--set", "mmi.mqtt.broker-url=tcp://127.0.0.1:1883", "--set", "mmi.mqtt.qos=2");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).startsWith("✘ configuration: mmi.mqtt.qos must be 1, was 2")
                .contains(" — correct the key named");
    }

    @Test
    void aMistypedKeyIsNamedWithTheNearestKnownOne() {
        CheckRun run = CheckRun.of("--set", "mmi.mqtt.brokr-url=tcp://127.0.0.1:1883");

        assertThat(run.failure()).startsWith("✘ configuration: Unknown configuration: mmi.mqtt.brokr-url")
                .contains("did you mean mmi.mqtt.broker-url?");
    }

    @Test
    void aMissingFileIsNamed() throws IOException {
        Path absent = dir.resolve("absent-certificate.pem.crt");

        CheckRun run = check("ssl://localhost:" + freePort(), absent, keyFile, caFile);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).isEqualTo("✘ files: mmi.mqtt.cert-file " + absent + ": the file does not exist — "
                + "check the path in mmi.mqtt.cert-file (AWS IoT names the files <id>-certificate.pem.crt, "
                + "<id>-private.pem.key and AmazonRootCA1.pem; in Kubernetes, the secret's mount path)");
        assertThat(run.line("certificate")).endsWith("skipped (the files must be fixed first)");
        assertThat(run.line("TLS handshake")).endsWith("skipped (an earlier step failed)");
    }

    /**
     * An unreadable key: a file that holds no PEM key. (A key with mode 000 would be the other case, but the tests run
     * as root on CI, and root reads any file regardless of its mode; ConfiguredFile refuses such a file with the same
     * kind of line, "the file is not readable by this process".)
     */
    @Test
    void aKeyFileThatHoldsNoKeyIsNamed() throws IOException {
        Path notAKey = Files.writeString(dir.resolve("not-a-key.pem.key"), "this is not a key\n");

        CheckRun run = check("ssl://localhost:" + freePort(), certFile, notAKey, caFile);

        assertThat(run.failure()).startsWith("✘ files: mmi.mqtt.key-file " + notAKey + ": the file holds no private"
                + " key (expected -----BEGIN RSA PRIVATE KEY-----")
                .endsWith(" — give the private key that was issued with the certificate, as PEM and unencrypted"
                        + " (AWS IoT: <id>-private.pem.key)");
    }

    @Test
    void aKeyPathThatIsADirectoryIsNamed() throws IOException {
        Path directory = Files.createDirectories(dir.resolve("keys"));

        CheckRun run = check("ssl://localhost:" + freePort(), certFile, directory, caFile);

        assertThat(run.failure()).isEqualTo("✘ files: mmi.mqtt.key-file " + directory + ": this is a directory; name"
                + " the PEM file itself — name the PEM file in that directory, not the directory");
    }

    @Test
    void anExpiredCertificateIsNamedWithItsDate() throws IOException {
        Instant notAfter = Instant.now().minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS);
        TestPki.Issued expired = authority.issueClient("gateway-expired", KeyType.EC,
                notAfter.minus(Duration.ofDays(365)), notAfter);
        Path expiredCert = expired.writeCertificate(dir.resolve("expired.pem.crt"));
        Path expiredKey = expired.writeKey(dir.resolve("expired.pem.key"), KeyFormat.TRADITIONAL);

        CheckRun run = check("ssl://localhost:" + freePort(), expiredCert, expiredKey, caFile);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).startsWith("✘ certificate: mmi.mqtt.cert-file " + expiredCert
                + ": the client certificate CN=gateway-expired,O=mmi tests expired on " + notAfter
                + " (this machine's clock says ")
                .contains(" — create a new certificate for the Thing");
        assertThat(run.line("TLS handshake")).endsWith("skipped (an earlier step failed)");
    }

    @Test
    void aKeyOfAnotherCertificateIsNamed() throws IOException {
        Path otherKey = authority.issueClient("gateway-2", KeyType.RSA)
                .writeKey(dir.resolve("gateway-2-private.pem.key"), KeyFormat.PKCS8);

        CheckRun run = check("ssl://localhost:" + freePort(), certFile, otherKey, caFile);

        assertThat(run.failure()).isEqualTo("✘ certificate: mmi.mqtt.key-file " + otherKey + ": the private key does"
                + " not belong to the certificate in mmi.mqtt.cert-file " + certFile + " (their public keys differ)"
                + " — configure the key that was created with this certificate: AWS IoT hands out the pair together"
                + " (<id>-certificate.pem.crt and <id>-private.pem.key of the same <id>)");
    }

    @Test
    void aValidCertificateShowsItsExpiry() throws IOException {
        CheckRun run = check("ssl://localhost:" + freePort(), certFile, keyFile, caFile);

        assertThat(run.line("files")).startsWith("✔ files: mmi.mqtt.cert-file " + certFile + ", mmi.mqtt.key-file "
                + keyFile + ", mmi.mqtt.ca-file " + caFile + " readable");
        assertThat(run.line("certificate")).startsWith("✔ certificate: CN=gateway-1,O=mmi tests issued by CN=check"
                + " test CA,O=mmi tests, valid until " + clientNotAfter + " (364 days left), the key matches; CA"
                + " CN=check test CA,O=mmi tests");
    }

    /** RFC 6761: names under .invalid never resolve. */
    @Test
    void aHostThatDoesNotResolveIsNamed() {
        CheckRun run = check("ssl://broker.invalid:8883", certFile, keyFile, caFile);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).startsWith("✘ DNS: cannot resolve broker.invalid — check the host in"
                + " mmi.mqtt.broker-url (AWS IoT: aws iot describe-endpoint --endpoint-type iot:Data-ATS)");
        assertThat(run.line("TCP connect")).endsWith("skipped (no address to connect to)");
        assertThat(run.line("MQTT CONNECT")).endsWith("skipped (an earlier step failed)");
    }

    @Test
    void aPortNobodyListensOnIsConnectionRefused() throws IOException {
        int port = freePort();

        CheckRun run = CheckRun.of("--set", "mmi.mqtt.broker-url=tcp://127.0.0.1:" + port);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.line("DNS")).isEqualTo("✔ DNS: 127.0.0.1 is a loopback address (this machine), nothing to"
                + " resolve");
        assertThat(run.failure()).isEqualTo("✘ TCP connect: connection refused by 127.0.0.1:" + port + " — nothing"
                + " listens on port " + port + " of this machine (is the broker running?); check the port in"
                + " mmi.mqtt.broker-url (AWS IoT: 8883, or 443 where 8883 is blocked)");
        assertThat(run.line("MQTT CONNECT")).endsWith("skipped (an earlier step failed)");
    }
}
