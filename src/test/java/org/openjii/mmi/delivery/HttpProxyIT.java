package org.openjii.mmi.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;
import org.openjii.mmi.test.TinyProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bridge (a separate process, on its simulator) through a real HTTP proxy, Debian's tinyproxy on loopback, to a
 * Mosquitto that speaks TLS and requires a client certificate: measurements arrive and the proxy's log shows the
 * CONNECT; a proxy that requires Basic authentication takes the bridge with the credentials of {@code mmi.mqtt.proxy}
 * and refuses it without (one error line naming the setting and the 407, measuring goes on); the Python MMI's
 * variables ({@code AWS_IOT_ENDPOINT}, {@code AWS_IOT_PROXY_HOST}, ...) work as they did for the Python tool.
 */
class HttpProxyIT {

    static final String PROXY_USER = "lab-proxy";
    static final String PROXY_PASSWORD = "pr0xy-s3cret";

    @TempDir
    static Path dir;

    private static TestPki.Authority authority;
    private static Path caFile;
    private static MosquittoBroker broker;
    private static TinyProxy open;
    private static TinyProxy authenticating;

    @BeforeAll
    static void start() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        TinyProxy.assumeAvailable();
        authority = TestPki.Authority.create("mmi proxy test CA");
        caFile = authority.writeCertificate(dir.resolve("AmazonRootCA1.pem"));
        TestPki.Issued server = authority.issueServer("mosquitto", "localhost", "127.0.0.1");
        broker = MosquittoBroker.startMutualTls(Files.createDirectories(dir.resolve("broker")), caFile,
                server.writeCertificate(dir.resolve("server.pem")),
                server.writeKey(dir.resolve("server.key"), KeyFormat.TRADITIONAL));
        open = TinyProxy.start(dir.resolve("open-proxy"), null, null);
        authenticating = TinyProxy.start(dir.resolve("auth-proxy"), PROXY_USER, PROXY_PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[]{authenticating, open, broker}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    /** The settings of a bridge with its own client id (the certificate's CN), outbox and files. */
    private static Map<String, String> settings(String name) throws IOException {
        TestPki.Issued client = authority.issueClient(name, KeyType.EC);
        Map<String, String> settings = new HashMap<>(Map.of("mmi.mqtt.broker-url", broker.url(),
                "mmi.mqtt.client-id", name, "mmi.outbox.dir", dir.resolve(name + "-outbox").toString(),
                "mmi.device.interval", "500ms", "mmi.simulator.options", "max-run-time=0s"));
        settings.put(BrokerTransport.CERT_FILE_SETTING, client.writeCertificate(dir.resolve(name + ".pem.crt"))
                .toString());
        settings.put(BrokerTransport.KEY_FILE_SETTING, client.writeKey(dir.resolve(name + ".pem.key"),
                KeyFormat.TRADITIONAL).toString());
        settings.put(BrokerTransport.CA_FILE_SETTING, caFile.toString());
        return settings;
    }

    /** The broker's own log: the client connected, authenticated by its certificate, and published data. */
    private static boolean published(String name) throws IOException {
        String log = broker.logText();
        return log.contains("as " + name + " (p5, c0, k60, u'" + name + "')")
                && log.contains("Received PUBLISH from " + name + " (d0, q1, r0")
                && log.contains("'experiment/data_ingest/v1/");
    }

    /** Measurements waiting in an outbox, read as any SQLite client would. */
    private static int waiting(Path outboxDir) throws SQLException {
        if (!Files.exists(outboxDir.resolve(Outbox.FILE_NAME))) {
            return 0;
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + outboxDir.resolve(Outbox.FILE_NAME));
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM outbox WHERE kind = 'DATA'")) {
            return rows.next() ? rows.getInt(1) : 0;
        }
    }

    private static String tunnelTo() {
        return "CONNECT localhost:" + broker.port() + " HTTP/1.1";
    }

    @Test
    void measurementsArriveThroughTheProxy() throws Exception {
        Map<String, String> settings = settings("gateway-proxied");
        settings.put("mmi.mqtt.proxy", open.url(null, null));
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("proxied.log"), settings)) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> published("gateway-proxied"));
            assertThat(open.logText()).contains(tunnelTo());
            assertThat(bridge.output()).contains("through the HTTP proxy " + open.url(null, null)
                    + " (mmi.mqtt.proxy)");
        }
    }

    @Test
    void aProxyThatRequiresAuthenticationTakesTheCredentialsOfTheUrl() throws Exception {
        Map<String, String> settings = settings("gateway-authenticated");
        settings.put("mmi.mqtt.proxy", authenticating.url(PROXY_USER, PROXY_PASSWORD));
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("authenticated.log"), settings)) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> published("gateway-authenticated"));
            assertThat(authenticating.logText()).contains(tunnelTo());
            assertThat(bridge.output()).contains("through the HTTP proxy http://" + PROXY_USER + ":****@127.0.0.1:"
                    + authenticating.port()).doesNotContain(PROXY_PASSWORD);
        }
    }

    @Test
    void withoutCredentialsTheProxyRefusesAndTheBridgeSaysSoAndMeasuresOn() throws Exception {
        Map<String, String> settings = settings("gateway-no-credentials");
        settings.put("mmi.mqtt.proxy", authenticating.url(null, null));
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("no-credentials.log"), settings)) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> bridge.output()
                            .lines()
                            .anyMatch(line -> line.contains("ERROR") && line.contains("MQTT connect attempt 1 failed:"
                                    + " mmi.mqtt.proxy: the proxy " + authenticating.url(null, null)
                                    + " (mmi.mqtt.proxy) requires authentication (HTTP 407")));
            // Measuring goes on into the outbox.
            await().atMost(Duration.ofSeconds(30))
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> waiting(dir.resolve("gateway-no-credentials-outbox")) >= 2);
            assertThat(broker.logText()).doesNotContain("as gateway-no-credentials ");
        }
    }

    /**
     * The Python MMI's environment, as its README has labs set it: the endpoint and port, the three files, the proxy.
     * A client id given as an mmi setting wins over {@code AWS_IOT_CLIENT_ID}; the log says which were used.
     */
    @Test
    void thePythonMmisVariablesConnectThroughTheirProxy() throws Exception {
        Map<String, String> files = settings("gateway-python");
        Map<String, String> environment = Map.of("AWS_IOT_ENDPOINT", "localhost", "AWS_IOT_PORT",
                Integer.toString(broker.port()), "AWS_IOT_CERT_FILEPATH", files.get(BrokerTransport.CERT_FILE_SETTING),
                "AWS_IOT_PRIVATE_KEY_FILEPATH", files.get(BrokerTransport.KEY_FILE_SETTING), "AWS_IOT_CA_FILEPATH",
                caFile.toString(), "AWS_IOT_CLIENT_ID", "python-client-id", "AWS_IOT_PROXY_HOST", "127.0.0.1",
                "AWS_IOT_PROXY_PORT", Integer.toString(open.port()));
        Map<String, String> settings = Map.of("mmi.mqtt.client-id", "gateway-python", "mmi.outbox.dir",
                dir.resolve("python-outbox").toString(), "mmi.device.interval", "500ms", "mmi.simulator.options",
                "max-run-time=0s");
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("python.log"), settings, environment)) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> published("gateway-python"));
            assertThat(open.logText()).contains(tunnelTo());
            String output = bridge.output();
            assertThat(output.lines().filter(line -> line.contains("Using the Python MMI's settings")))
                    .singleElement()
                    .asString()
                    .contains("AWS_IOT_ENDPOINT, AWS_IOT_PORT → mmi.mqtt.broker-url=ssl://localhost:" + broker.port())
                    .contains("AWS_IOT_PROXY_HOST, AWS_IOT_PROXY_PORT → mmi.mqtt.proxy=http://127.0.0.1:"
                            + open.port())
                    .contains("AWS_IOT_CERT_FILEPATH → mmi.mqtt.cert-file=")
                    .doesNotContain("AWS_IOT_CLIENT_ID");
            assertThat(output).contains("Not using the Python MMI's AWS_IOT_CLIENT_ID (mmi.mqtt.client-id is set)");
        }
    }
}
