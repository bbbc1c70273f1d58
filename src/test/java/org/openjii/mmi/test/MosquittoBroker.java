package org.openjii.mmi.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

import org.openjii.mmi.simulator.ToolAssumptions;
import org.testcontainers.containers.Network;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real MQTT 5 broker for tests: Mosquitto on a free loopback port, its configuration and log in a folder of the
 * test's. Tests read the broker's own log to check what the broker saw (connections, take-overs).
 * <p>
 * With Docker it runs in a container (on the host's network, the folder mounted at the same path: ports, restarts,
 * files and the log behave as for a process); without, the {@code mosquitto} program on the {@code PATH} runs.
 * {@link MosquittoRuntime} decides once per JVM; docs/containers.md explains the choice.
 */
public final class MosquittoBroker implements AutoCloseable {

    /** What mosquitto_passwd 2.0 uses. */
    private static final int PASSWORD_ITERATIONS = 101;

    private final Path dir;
    private final List<String> extraConfig;
    private final String urlPrefix;
    private final Network network;
    private final String alias;
    private int port;
    private Process process;
    private MosquittoContainer container;

    private MosquittoBroker(Path dir, List<String> extraConfig, String urlPrefix, Network network, String alias) {
        this.dir = dir;
        this.extraConfig = extraConfig;
        this.urlPrefix = urlPrefix;
        this.network = network;
        this.alias = alias;
    }

    private MosquittoBroker(Path dir, List<String> extraConfig, String urlPrefix) {
        this(dir, extraConfig, urlPrefix, null, null);
    }

    /**
     * True when a broker can be started: in a container, or from the {@code mosquitto} program. Under CI
     * ({@code CI=true}) it fails the test instead of returning false, saying what is missing.
     */
    public static boolean available() {
        MosquittoRuntime.Choice choice = MosquittoRuntime.choice();
        if (choice.kind() == MosquittoRuntime.Kind.NONE && ToolAssumptions.onCi()) {
            fail("A broker is required on CI (CI=true): " + choice.description());
        }
        return choice.kind() != MosquittoRuntime.Kind.NONE;
    }

    /**
     * True when brokers run in containers (Docker and the Mosquitto image are there), as {@link #startOnNetwork} needs.
     */
    public static boolean inContainers() {
        return MosquittoRuntime.choice().kind() == MosquittoRuntime.Kind.CONTAINER;
    }

    /**
     * Starts a broker with anonymous access on a free port, logging everything; {@code extraConfig} lines are
     * appended ({@code log_type} lines replace the default {@code log_type all}).
     */
    public static MosquittoBroker start(Path dir, String... extraConfig) throws IOException {
        return launchOnFreePort(new MosquittoBroker(dir, List.of(extraConfig), "tcp://127.0.0.1:"));
    }

    /**
     * Starts a broker whose listener speaks TLS 1.2 and requires a client certificate issued by {@code caFile}; the
     * certificate's CN becomes the client's user name (the broker's log shows it as {@code u'<CN>'}). The server
     * certificate should name {@code localhost}: {@link #url()} is {@code ssl://localhost:<port>}.
     */
    public static MosquittoBroker startMutualTls(Path dir, Path caFile, Path serverCertFile, Path serverKeyFile,
            String... extraConfig) throws IOException {
        List<String> config = new ArrayList<>(List.of("cafile " + caFile, "certfile " + serverCertFile,
                "keyfile " + serverKeyFile, "require_certificate true", "use_identity_as_username true",
                "tls_version tlsv1.2"));
        config.addAll(List.of(extraConfig));
        return launchOnFreePort(new MosquittoBroker(dir, config, "ssl://localhost:"));
    }

    /**
     * Starts a broker in a container on {@code network}, where other containers reach it as {@code alias}. Its first
     * listener is plain MQTT on {@link #port()}, published on the same loopback port: {@link #url()} works from the
     * test. {@code extraConfig} may add listeners (a {@code listener 8883} line and its TLS settings after it).
     * Needs {@link #inContainers()}.
     */
    public static MosquittoBroker startOnNetwork(Network network, String alias, Path dir, String... extraConfig)
            throws IOException {
        if (!inContainers()) {
            throw new IllegalStateException("A broker on a Docker network needs containers; test broker: "
                    + MosquittoRuntime.choice().description());
        }
        return launchOnFreePort(new MosquittoBroker(dir, List.of(extraConfig), "tcp://127.0.0.1:", network, alias));
    }

    private static MosquittoBroker launchOnFreePort(MosquittoBroker broker) throws IOException {
        broker.port = freePort();
        broker.launch();
        return broker;
    }

    private void launch() throws IOException {
        MosquittoRuntime.Choice runtime = MosquittoRuntime.choice();
        if (runtime.kind() == MosquittoRuntime.Kind.NONE) {
            throw new IllegalStateException("No Mosquitto for the tests: " + runtime.description());
        }
        boolean inContainer = runtime.kind() == MosquittoRuntime.Kind.CONTAINER;
        // On a Docker network the container listens on all its interfaces; Docker publishes the port on loopback.
        List<String> config = new ArrayList<>(List.of("listener " + port + (network == null ? " 127.0.0.1" : ""),
                "allow_anonymous true", "persistence false", "log_dest file " + log(), "connection_messages true"));
        // Run as root, mosquitto switches to this user; as anyone else it stays who it is. Its own user (the default)
        // could not write the test's folder.
        if (!inContainer) {
            config.add("user " + System.getProperty("user.name"));
        } else if ((Integer) Files.getAttribute(dir, "unix:uid") == 0) {
            config.add("user root");
        }
        if (extraConfig.stream().noneMatch(line -> line.startsWith("log_type "))) {
            // Everything, unless the test chooses (a benchmark would measure the broker writing its log).
            config.add("log_type all");
        }
        config.addAll(extraConfig);
        Path conf = dir.resolve("mosquitto.conf");
        Files.write(conf, config, StandardCharsets.UTF_8);
        if (inContainer) {
            container = MosquittoContainer.start(runtime.image(), dir, conf, config, port, network, alias);
            return;
        }
        process = new ProcessBuilder(runtime.binary().toString(), "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.out").toFile())
                .start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            if (!process.isAlive()) {
                throw new IOException("mosquitto exited with " + process.exitValue() + ": " + output());
            }
            return accepts(port);
        });
    }

    /** Stops the broker (SIGTERM) and waits for it; the port stays reserved for {@link #restart()}. */
    public void stop() throws InterruptedException {
        if (container != null) {
            container.stop();
            container = null;
        }
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts the broker again on the same port. */
    public void restart() throws IOException {
        launch();
    }

    public int port() {
        return port;
    }

    /** The name other containers on its Docker network reach it by ({@link #startOnNetwork}), else {@code null}. */
    public String alias() {
        return alias;
    }

    /** {@code tcp://127.0.0.1:<port>}, or {@code ssl://localhost:<port>} for {@link #startMutualTls}. */
    public String url() {
        return urlPrefix + port;
    }

    public Path log() {
        return dir.resolve("mosquitto.log");
    }

    /** The broker's log so far. */
    public String logText() throws IOException {
        return Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "";
    }

    private String output() throws IOException {
        Path out = dir.resolve("mosquitto.out");
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /**
     * Writes a Mosquitto {@code password_file} (name it with a {@code password_file <file>} line) for these users, in
     * the format {@code mosquitto_passwd} writes: {@code user:$7$<iterations>$<salt>$<hash>}, PBKDF2 with HMAC-SHA512,
     * both in Base64 (Mosquitto's {@code pw_sha512_pbkdf2}). Written here because the broker may run in a container,
     * where the host has no {@code mosquitto_passwd}.
     */
    public static Path writePasswordFile(Path file, Map<String, String> users) throws IOException {
        List<String> lines = new ArrayList<>();
        SecureRandom random = new SecureRandom();
        users.forEach((user, password) -> {
            byte[] salt = new byte[12];
            random.nextBytes(salt);
            try {
                byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                        .generateSecret(new PBEKeySpec(password.toCharArray(), salt, PASSWORD_ITERATIONS, 512))
                        .getEncoded();
                Base64.Encoder base64 = Base64.getEncoder();
                lines.add(user + ":$7$" + PASSWORD_ITERATIONS + "$" + base64.encodeToString(salt) + "$"
                        + base64.encodeToString(hash));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
        return Files.write(file, lines, StandardCharsets.UTF_8);
    }

    /** A port nothing listens on now, on loopback. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) Duration.ofMillis(200).toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
