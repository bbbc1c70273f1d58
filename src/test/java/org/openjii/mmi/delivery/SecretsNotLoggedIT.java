package org.openjii.mmi.delivery;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestTokens;
import org.openjii.mmi.test.TinyProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * No secret appears in any log line. The bridge runs as a process at DEBUG ({@code MMI_LOG_LEVEL}) against a real
 * Mosquitto with a {@code password_file}, through tinyproxy with Basic authentication: with a password (from
 * {@code MMI_MQTT_PASSWORD}), with a token (from a password file), with a proxy password the proxy refuses and with an
 * MQTT password the broker refuses, each from start to a graceful stop; {@code mmi check} runs with each secret too.
 * Every line they print is searched for every secret as it is, URL-encoded, and as the proxy's Basic credentials.
 */
class SecretsNotLoggedIT {

    private static final String USER = "lab-3";
    private static final String TOKEN_USER = "device-7";
    private static final String PASSWORD = "s3cret-mqtt-passw0rd";
    private static final String WRONG_PASSWORD = "wr0ng-mqtt-passw0rd";
    private static final String PROXY_USER = "lab-proxy";
    /** Letters, digits and dashes only: tinyproxy's BasicAuth takes nothing else. */
    private static final String PROXY_PASSWORD = "pr0xy-secret-42";
    private static final String WRONG_PROXY_PASSWORD = "wr0ng-pr0xy-secret";
    private static final String DATA = "'experiment/data_ingest/v1/";

    @TempDir
    static Path dir;

    private static String token;
    private static MosquittoBroker broker;
    private static TinyProxy proxy;
    private static final List<Path> outputs = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        TinyProxy.assumeAvailable();
        token = TestTokens.jwt(TOKEN_USER, Duration.ofHours(1));
        Path brokerDir = Files.createDirectories(dir.resolve("broker"));
        MosquittoBroker.writePasswordFile(brokerDir.resolve("passwords"), Map.of(USER, PASSWORD, TOKEN_USER, token));
        broker = MosquittoBroker.start(brokerDir, "allow_anonymous false",
                "password_file " + brokerDir.resolve("passwords"));
        proxy = TinyProxy.start(dir.resolve("proxy"), PROXY_USER, PROXY_PASSWORD);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static String proxyUrl(String password) {
        return "http://" + PROXY_USER + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@127.0.0.1:"
                + proxy.port();
    }

    private static Map<String, String> settings(String clientId, String user, String proxyPassword) {
        Map<String, String> settings = new HashMap<>(Map.of("mmi.mqtt.broker-url", broker.url(), "mmi.mqtt.client-id",
                clientId, "mmi.outbox.dir", dir.resolve(clientId + "-outbox").toString(), "mmi.device.port", "sim",
                "mmi.device.interval", "500ms", "mmi.simulator.options", "max-run-time=0s", "mmi.mqtt.username", user,
                "mmi.mqtt.proxy", proxyUrl(proxyPassword)));
        return settings;
    }

    private static Map<String, String> debug(Map<String, String> environment) {
        Map<String, String> all = new HashMap<>(environment);
        all.put("MMI_LOG_LEVEL", "DEBUG");
        return all;
    }

    /** Runs the bridge until {@code done} holds, then stops it with SIGTERM; returns its output. */
    private static String run(String clientId, Map<String, String> settings, Map<String, String> environment,
            Done done) throws Exception {
        Path output = dir.resolve(clientId + ".log");
        outputs.add(output);
        try (BridgeProcess bridge = BridgeProcess.start(output, settings, debug(environment))) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the bridge stopped", () -> !bridge.isAlive())
                    .until(() -> done.test(bridge.output()));
            bridge.stop();
            return bridge.output();
        }
    }

    /** Runs {@code mmi check} with these settings to its end; returns its output. */
    private static String check(String name, Map<String, String> settings, Map<String, String> environment)
            throws Exception {
        Path output = dir.resolve(name + ".log");
        outputs.add(output);
        Map<String, String> checked = new HashMap<>(settings);
        checked.keySet().removeIf(key -> key.startsWith("mmi.device") || key.startsWith("mmi.simulator"));
        BridgeProcess check = BridgeProcess.command(output, "check", checked, debug(environment));
        assertThat(check.process().waitFor(60, TimeUnit.SECONDS)).as("mmi check ends").isTrue();
        return check.output();
    }

    @FunctionalInterface
    private interface Done {

        boolean test(String output) throws IOException;
    }

    private static boolean published(String clientId) throws IOException {
        return broker.logText()
                .lines()
                .anyMatch(line -> line.contains("Received PUBLISH from " + clientId + " ") && line.contains(DATA));
    }

    @Test
    void noSecretIsInAnyLineOfRunsAndChecksThatUseThem() throws Exception {
        Map<String, String> withPassword = Map.of("MMI_MQTT_PASSWORD", PASSWORD);
        run("secrets-password", settings("secrets-password", USER, PROXY_PASSWORD), withPassword,
                output -> published("secrets-password"));

        Path tokenFile = TestPki.ownerOnly(Files.writeString(dir.resolve("token"), token + "\n"));
        Map<String, String> withToken = new HashMap<>(settings("secrets-token", TOKEN_USER, PROXY_PASSWORD));
        withToken.put("mmi.mqtt.password-file", tokenFile.toString());
        run("secrets-token", withToken, Map.of(), output -> published("secrets-token"));

        String proxyRefused = run("secrets-proxy-refused", settings("secrets-proxy-refused", USER,
                WRONG_PROXY_PASSWORD), withPassword, output -> output.contains("MQTT connect attempt 1 failed"));
        assertThat(proxyRefused).contains("refused the user name and password of the URL");

        String brokerRefused = run("secrets-broker-refused", settings("secrets-broker-refused", USER,
                PROXY_PASSWORD), Map.of("MMI_MQTT_PASSWORD", WRONG_PASSWORD),
                output -> output.contains("MQTT connect attempt 1 failed"));
        assertThat(brokerRefused).contains("(CONNACK Not authorized (0x87))");

        assertThat(check("check-password", settings("secrets-password", USER, PROXY_PASSWORD), withPassword))
                .contains("✔ publish");
        assertThat(check("check-token", withToken, Map.of())).contains("✔ publish");

        Map<String, String> secrets = new LinkedHashMap<>();
        for (String secret : List.of(PASSWORD, WRONG_PASSWORD, token, PROXY_PASSWORD, WRONG_PROXY_PASSWORD)) {
            secrets.put(secret, secret);
            secrets.put(URLEncoder.encode(secret, StandardCharsets.UTF_8), secret);
        }
        secrets.put(token.substring(token.lastIndexOf('.') + 1), "the token's signature");
        for (String proxyPassword : List.of(PROXY_PASSWORD, WRONG_PROXY_PASSWORD)) {
            secrets.put(Base64.getEncoder()
                    .encodeToString((PROXY_USER + ":" + proxyPassword).getBytes(StandardCharsets.UTF_8)),
                    "the proxy's Basic credentials");
        }
        long lines = 0;
        long debugLines = 0;
        for (Path output : outputs) {
            for (String line : Files.readAllLines(output, StandardCharsets.UTF_8)) {
                lines++;
                debugLines += line.contains("DEBUG") ? 1 : 0;
                for (Map.Entry<String, String> secret : secrets.entrySet()) {
                    assertThat(line).as("a line of %s carries %s", output.getFileName(), secret.getValue())
                            .doesNotContain(secret.getKey());
                }
            }
        }
        System.out.printf("Secrets: %d lines of %d runs searched for %d forms of 5 secrets, %d of them DEBUG%n",
                lines, outputs.size(), secrets.size(), debugLines);
        assertThat(debugLines).as("the runs logged at DEBUG").isPositive();
        // What the lines do show instead.
        assertThat(Files.readString(outputs.get(0))).contains("http://" + PROXY_USER + ":****@127.0.0.1:");
    }
}
