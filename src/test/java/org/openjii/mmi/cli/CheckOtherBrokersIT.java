package org.openjii.mmi.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;
import org.openjii.mmi.test.TinyProxy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmi check} against what other brokers and networks add: a Mosquitto with a {@code password_file} (the
 * protocol version the broker accepted, a wrong password named by the CONNACK's reason), and Debian's tinyproxy on the
 * way to a TLS Mosquitto (the proxy step: a tunnel, authentication required, a refused CONNECT, no proxy at all).
 */
class CheckOtherBrokersIT {

    private static final String USER = "lab-3";
    private static final String PASSWORD = "correct horse battery staple";
    private static final String PROXY_USER = "lab-proxy";
    private static final String PROXY_PASSWORD = "pr0xy-s3cret";

    @TempDir
    static Path dir;

    private static MosquittoBroker passwords;
    private static MosquittoBroker tls;
    private static TinyProxy open;
    private static TinyProxy authenticating;
    private static TinyProxy onlyPort443;
    private static Path caFile;
    private static Path certFile;
    private static Path keyFile;

    @BeforeAll
    static void start() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        TinyProxy.assumeAvailable();
        Path passwordDir = Files.createDirectories(dir.resolve("passwords"));
        MosquittoBroker.writePasswordFile(passwordDir.resolve("passwords"), Map.of(USER, PASSWORD));
        passwords = MosquittoBroker.start(passwordDir, "allow_anonymous false",
                "password_file " + passwordDir.resolve("passwords"));

        TestPki.Authority authority = TestPki.Authority.create("check proxy CA");
        caFile = authority.writeCertificate(dir.resolve("ca.pem"));
        TestPki.Issued server = authority.issueServer("mosquitto", "localhost", "127.0.0.1");
        TestPki.Issued client = authority.issueClient("gateway-1", KeyType.EC);
        certFile = client.writeCertificate(dir.resolve("gateway-1.pem.crt"));
        keyFile = client.writeKey(dir.resolve("gateway-1.pem.key"), KeyFormat.TRADITIONAL);
        tls = MosquittoBroker.startMutualTls(Files.createDirectories(dir.resolve("tls")), caFile,
                server.writeCertificate(dir.resolve("server.pem")),
                server.writeKey(dir.resolve("server.key"), KeyFormat.TRADITIONAL));
        open = TinyProxy.start(dir.resolve("open-proxy"), null, null);
        authenticating = TinyProxy.start(dir.resolve("auth-proxy"), PROXY_USER, PROXY_PASSWORD);
        onlyPort443 = TinyProxy.start(dir.resolve("port-443-proxy"), null, null, 443);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[]{onlyPort443, authenticating, open, tls, passwords}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    private static CheckRun withPassword(String password, String version) throws Exception {
        Path file = Files.writeString(Files.createTempFile(dir, "password", ""), password + "\n");
        return CheckRun.of("--set", "mmi.mqtt.broker-url=" + passwords.url(), "--set", "mmi.mqtt.client-id=gateway-1",
                "--set", "mmi.mqtt.username=" + USER, "--set", "mmi.mqtt.password-file=" + file, "--set",
                "mmi.mqtt.protocol-version=" + version);
    }

    private static CheckRun throughProxy(String proxyUrl) {
        List<String> args = new ArrayList<>(List.of("--set", "mmi.mqtt.broker-url=" + tls.url(), "--set",
                "mmi.mqtt.client-id=gateway-1", "--set", "mmi.mqtt.cert-file=" + certFile, "--set",
                "mmi.mqtt.key-file=" + keyFile, "--set", "mmi.mqtt.ca-file=" + caFile, "--set",
                "mmi.mqtt.proxy=" + proxyUrl));
        return CheckRun.of(args.toArray(String[]::new));
    }

    /** Mosquitto's connection line names the version as its enum numbers it: p5, and p2 for MQTT 3.1.1. */
    @ParameterizedTest
    @CsvSource({"5, p5", "3.1.1, p2"})
    void theVersionTheBrokerAcceptedAndTheUserAreReported(String version, String brokerLogVersion) throws Exception {
        CheckRun run = withPassword(PASSWORD, version);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.line("configuration")).contains(", MQTT " + version + ", user name '" + USER + "' with the"
                + " password from mmi.mqtt.password-file ");
        assertThat(run.line("MQTT CONNECT")).startsWith("✔ MQTT CONNECT: connected as 'gateway-1-check' (MQTT "
                + version + " accepted, clean start, no session kept, user name '" + USER + "'");
        assertThat(passwords.logText()).contains("as gateway-1-check (" + brokerLogVersion + ", c1, k60, u'" + USER
                + "')");
        assertThat(run.toString()).doesNotContain(PASSWORD);
    }

    /** Mosquitto 2.0 refuses a wrong password with CONNACK 0x87, in MQTT 3.1.1 with return code 5. */
    @ParameterizedTest
    @CsvSource({"5, ''", "3.1.1, ' (MQTT 3.1.1 return code 5)'"})
    void aWrongPasswordIsNamedByTheConnacksReason(String version, String wireCode) throws Exception {
        CheckRun run = withPassword("not the password", version);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).as(run.toString())
                .startsWith("✘ MQTT CONNECT: CONNECT refused: Not authorized (0x87)" + wireCode + " — the broker does"
                        + " not let user name '" + USER + "' with the password from mmi.mqtt.password-file ")
                .contains("check mmi.mqtt.username, the password or token in mmi.mqtt.password-file ");
        assertThat(run.toString()).doesNotContain("not the password");
    }

    @Test
    void throughAProxyEveryStepPasses() {
        CheckRun run = throughProxy(open.url(null, null));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        // DNS and TCP reach the proxy; the proxy reaches the broker.
        assertThat(run.line("TCP connect")).contains(":" + open.port());
        assertThat(run.line("proxy"))
                .isEqualTo("✔ proxy: CONNECT localhost:" + tls.port() + " through http://127.0.0.1:"
                        + open.port() + " (mmi.mqtt.proxy): tunnel open");
        assertThat(run.line("TLS handshake")).startsWith("✔ ");
        assertThat(run.line("MQTT CONNECT")).startsWith("✔ ");
        assertThat(run.line("publish")).startsWith("✔ ");
    }

    @Test
    void aProxyThatWantsCredentialsSaysSo() {
        CheckRun run = throughProxy(authenticating.url(null, null));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).as(run.toString())
                .startsWith("✘ proxy: ")
                .contains("HTTP 407 Proxy Authentication Required")
                .contains("requires authentication");
        assertThat(run.line("MQTT CONNECT")).endsWith("skipped (an earlier step failed)");
    }

    @Test
    void aProxyThatRefusesTheCredentialsSaysSoWithoutShowingThePassword() {
        CheckRun run = throughProxy(authenticating.url(PROXY_USER, "not-" + PROXY_PASSWORD));

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).as(run.toString())
                .startsWith("✘ proxy: proxy authentication required")
                // tinyproxy's answer to credentials it refuses.
                .contains("HTTP 401 Unauthorized")
                .contains("refused the user name and password of the URL");
        assertThat(run.toString()).doesNotContain(PROXY_PASSWORD);
    }

    @Test
    void withTheCredentialsTheAuthenticatingProxyOpensTheTunnel() {
        CheckRun run = throughProxy(authenticating.url(PROXY_USER, PROXY_PASSWORD));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.line("proxy")).endsWith("tunnel open (Basic authentication as '" + PROXY_USER + "')");
        assertThat(run.toString()).doesNotContain(PROXY_PASSWORD);
    }

    @Test
    void aProxyThatRefusesTheBrokersPortSaysSo() {
        CheckRun run = throughProxy(onlyPort443.url(null, null));

        assertThat(run.exitCode()).isEqualTo(1);
        // tinyproxy with ConnectPort 443 answers a CONNECT to another port with 403.
        assertThat(run.failure()).as(run.toString())
                .startsWith("✘ proxy: ")
                .contains("HTTP 403")
                .contains("refused CONNECT localhost:" + tls.port());
    }

    @Test
    void aProxyNobodyListensOnFailsTheTcpStep() throws Exception {
        int nothing = MosquittoBroker.freePort();
        CheckRun run = throughProxy("http://127.0.0.1:" + nothing);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.failure()).as(run.toString()).startsWith("✘ TCP connect: ").contains(":" + nothing);
        assertThat(run.line("proxy")).endsWith("skipped (the proxy is not reachable)");
    }
}
