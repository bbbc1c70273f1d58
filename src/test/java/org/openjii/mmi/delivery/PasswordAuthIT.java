package org.openjii.mmi.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.BridgeRig;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.test.TestJson.json;

/**
 * User name and password against a real Mosquitto with a {@code password_file}, the bridge running as a process
 * ({@code mmi run} on its simulator): the right password publishes, with MQTT 5 and 3.1.1 (the broker's connection
 * line shows the version); a wrong one is refused, logged once with the setting and the CONNACK's reason, retried,
 * and taken once the password file is corrected; a token file rewritten while the broker is down is read again at the
 * reconnect. The broker's ACL lets only the user {@value #USER} write data, so data on the broker proves the login.
 */
class PasswordAuthIT {

    static final String USER = "lab-3";
    private static final String CLIENT_ID = "mmi-auth-test";
    private static final String DATA = "experiment/data_ingest/v1/auth-experiment/";
    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path dir;

    private Path brokerDir;
    @AutoClose
    private BridgeRig rig;

    @BeforeEach
    void startBroker() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        brokerDir = Files.createDirectories(dir.resolve("broker"));
        rig = BridgeRig.start(dir, startBroker(brokerDir, PASSWORD), "auth-recorder", DATA + "#");
    }

    /**
     * Anonymous clients (the test's recorder) may read everything; only {@value #USER} may write data and status.
     * {@code persistence}: the recorder's session survives a restart.
     */
    static MosquittoBroker startBroker(Path brokerDir, String password) throws IOException {
        MosquittoBroker.writePasswordFile(brokerDir.resolve("passwords"), Map.of(USER, password));
        Files.write(brokerDir.resolve("acl"), List.of("topic read #", "user " + USER, "topic readwrite #"));
        return MosquittoBroker.start(brokerDir, "password_file " + brokerDir.resolve("passwords"),
                "acl_file " + brokerDir.resolve("acl"), "persistence true", "persistence_location " + brokerDir + "/");
    }

    private BridgeProcess startBridge(Map<String, String> settings, Map<String, String> environment)
            throws IOException {
        Map<String, String> all = new HashMap<>(Map.of("mmi.mqtt.broker-url", rig.broker().url(), "mmi.mqtt.client-id",
                CLIENT_ID, "mmi.experiment-id", "auth-experiment", "mmi.outbox.dir", dir.resolve("outbox")
                        .toString(),
                "mmi.device.port", "sim", "mmi.device.interval", "500ms", "mmi.simulator.options",
                "max-run-time=0s", "mmi.mqtt.username", USER));
        all.putAll(settings);
        return rig.startBridge("bridge-" + rig.bridgesStarted(), all, environment);
    }

    private static long count(Pattern pattern, String text) {
        return pattern.matcher(text).results().count();
    }

    /**
     * Mosquitto's connection line names the protocol as its enum numbers it ({@code mosq_p_mqtt311} is 2,
     * {@code mosq_p_mqtt5} 5): {@code New client connected from 127.0.0.1:N as <id> (p2, c0, k60, u'lab-3').}
     */
    @ParameterizedTest
    @CsvSource({"5, p5", "3.1.1, p2"})
    void theRightPasswordPublishesWithEitherVersion(String version, String brokerLogVersion) throws Exception {
        BridgeProcess bridge = startBridge(Map.of("mmi.mqtt.protocol-version", version),
                Map.of("MMI_MQTT_PASSWORD", PASSWORD));

        await().atMost(Duration.ofSeconds(60)).until(() -> rig.recorder().on(DATA).size() >= 2);
        assertThat(rig.broker().logText()).contains("as " + CLIENT_ID + " (" + brokerLogVersion + ", c0, k60, u'" + USER
                + "')");
        String message = rig.recorder().on(DATA).get(0).payload();
        if (version.equals("3.1.1")) {
            // No user properties in MQTT 3.1.1: the message id travels in the payload only.
            assertThat(json(message).path("_client_id").asText()).isNotEmpty();
        } else {
            assertThat(rig.recorder().on(DATA).get(0).userProperties()).containsKey("message-id");
        }
        assertThat(bridge.output()).contains("MQTT: " + rig.broker().url()).contains("MQTT " + version);
    }

    @Test
    void aWrongPasswordIsLoggedOnceRetriedAndTakenOnceTheFileIsCorrected() throws Exception {
        Path passwordFile = TestPki.ownerOnly(Files.writeString(dir.resolve("mqtt-password"), "wrong password\n"));
        BridgeProcess bridge = startBridge(Map.of("mmi.mqtt.password-file", passwordFile.toString()), Map.of());

        // Mosquitto 2.0 refuses a wrong password with CONNACK 0x87 (3.1.1: return code 5); it logs each refusal.
        Pattern refused = Pattern.compile("Sending CONNACK to 127\\.0\\.0\\.1 \\(0, 135\\)");
        await().atMost(Duration.ofSeconds(30)).until(() -> count(refused, rig.broker().logText()) >= 3);
        assertThat(bridge.isAlive()).as(bridge.output()).isTrue();
        List<String> lines = bridge.output().lines().filter(line -> line.contains("MQTT connect attempt")).toList();
        assertThat(lines).as("one line for a refusal that repeats").hasSize(1);
        assertThat(lines.get(0)).contains("ERROR")
                .contains("refused the connection of user name '" + USER + "' with the password from"
                        + " mmi.mqtt.password-file " + passwordFile + " as not authorized")
                .contains("(CONNACK Not authorized (0x87))")
                .doesNotContain("wrong password");
        assertThat(rig.recorder().on(DATA)).isEmpty();

        // Read again before every attempt: the corrected password is used at the next one.
        Files.writeString(passwordFile, PASSWORD + "\n");
        await().atMost(Duration.ofSeconds(60)).until(() -> !rig.recorder().on(DATA).isEmpty());
        assertThat(bridge.output()).contains("MQTT connected to " + rig.broker().url());
    }

    @Test
    void aTokenFileRewrittenWhileTheBrokerIsDownIsUsedAtTheReconnect() throws Exception {
        String first = TestTokens.jwt("first", Duration.ofHours(1));
        String second = TestTokens.jwt("second", Duration.ofHours(1));
        rig.recorder().leave(rig.broker());
        rig.broker().stop();
        MosquittoBroker.writePasswordFile(brokerDir.resolve("passwords"), Map.of(USER, first));
        rig.broker().restart();
        rig.recorder().reconnect();
        Path tokenFile = TestPki.ownerOnly(Files.writeString(dir.resolve("token"), first));
        BridgeProcess bridge = startBridge(Map.of("mmi.mqtt.password-file", tokenFile.toString()), Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> !rig.recorder().on(DATA).isEmpty());

        rig.recorder().leave(rig.broker());
        rig.broker().stop();
        // The sidecar refreshes the token; the broker takes only the new one from now on.
        MosquittoBroker.writePasswordFile(brokerDir.resolve("passwords"), Map.of(USER, second));
        Files.writeString(tokenFile, second);
        int before = rig.recorder().on(DATA).size();
        rig.broker().restart();
        rig.recorder().reconnect();

        await().atMost(Duration.ofSeconds(60)).until(() -> rig.recorder().on(DATA).size() > before);
        assertThat(count(Pattern.compile("as " + Pattern.quote(CLIENT_ID) + " \\(p5, c0, k60, u'" + USER + "'\\)"),
                rig.broker().logText())).as("connected before and after the restart").isGreaterThanOrEqualTo(2);
        assertThat(bridge.output()).doesNotContain(first).doesNotContain(second);
    }
}
