package org.openjii.mmi.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real MQTT 5 broker for tests: a Mosquitto process on a free loopback port, its configuration and log in a
 * folder of the test's. Tests read the broker's own log to check what the broker saw (connections, take-overs).
 */
public final class MosquittoBroker implements AutoCloseable {

    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

    private final Path dir;
    private final List<String> extraConfig;
    private final String urlPrefix;
    private int port;
    private Process process;

    private MosquittoBroker(Path dir, List<String> extraConfig, String urlPrefix) {
        this.dir = dir;
        this.extraConfig = extraConfig;
        this.urlPrefix = urlPrefix;
    }

    /** True when Mosquitto is installed ({@code apt-get install mosquitto}). */
    public static boolean available() {
        return Files.isExecutable(MOSQUITTO);
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

    private static MosquittoBroker launchOnFreePort(MosquittoBroker broker) throws IOException {
        broker.port = freePort();
        broker.launch();
        return broker;
    }

    private void launch() throws IOException {
        List<String> config = new ArrayList<>(List.of("listener " + port + " 127.0.0.1", "allow_anonymous true",
                "persistence false", "log_dest file " + log(), "connection_messages true",
                // Run as root, mosquitto would switch to its own user and lose access to the test's folder.
                "user " + System.getProperty("user.name")));
        if (extraConfig.stream().noneMatch(line -> line.startsWith("log_type "))) {
            // Everything, unless the test chooses (a benchmark would measure the broker writing its log).
            config.add("log_type all");
        }
        config.addAll(extraConfig);
        Path conf = dir.resolve("mosquitto.conf");
        Files.write(conf, config, StandardCharsets.UTF_8);
        process = new ProcessBuilder(MOSQUITTO.toString(), "-c", conf.toString())
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
