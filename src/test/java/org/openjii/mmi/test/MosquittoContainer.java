package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;

import static org.awaitility.Awaitility.await;

/**
 * One run of a {@link MosquittoBroker} in a container. The broker's folder is mounted at the same path, and so is the
 * folder of every other file its configuration names (certificates, CRLs, password and ACL files the test made), so
 * the configuration, the log and the persistence files are where the test expects them. It runs as the owner of that
 * folder, so what it writes there belongs to the test. Either on the host's network (it listens on the test's
 * loopback port as a process would) or on a Docker network under an alias, with its port published on the same
 * loopback port.
 */
final class MosquittoContainer {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final GenericContainer<?> container;
    private final BrokerOutput output;

    private MosquittoContainer(GenericContainer<?> container, BrokerOutput output) {
        this.container = container;
        this.output = output;
    }

    /**
     * Starts {@code mosquitto -c conf}; returns once it accepts connections on {@code port}.
     *
     * @param network {@code null}: the host's network
     * @throws IOException when it exits instead, with its output
     */
    static MosquittoContainer start(String image, Path dir, Path conf, List<String> config, int port,
            Network network, String alias) throws IOException {
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        int gid = (Integer) Files.getAttribute(dir, "unix:gid");
        BrokerOutput output = new BrokerOutput(dir.resolve("mosquitto.out"));
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                .withCommand("mosquitto", "-c", conf.toString())
                .withLabels(DockerSupport.labels("mosquitto"))
                .withLogConsumer(output::append)
                .waitingFor(new AcceptsConnections(port))
                .withStartupTimeout(START_TIMEOUT)
                .withCreateContainerCmdModifier(cmd -> cmd.withUser(uid + ":" + gid));
        // Set on the create command: Testcontainers' own binds first run a check container (an image from a registry).
        Bind[] binds = mountedFolders(dir, config).stream()
                .map(folder -> new Bind(folder.toString(), new Volume(folder.toString())))
                .toArray(Bind[]::new);
        container.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withBinds(binds));
        if (network == null) {
            container.withNetworkMode("host");
        } else {
            container.withNetwork(network)
                    .withNetworkAliases(alias)
                    .withCreateContainerCmdModifier(cmd -> cmd.withExposedPorts(ExposedPort.tcp(port))
                            .getHostConfig()
                            .withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1", port),
                                    ExposedPort.tcp(port))));
        }
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            output.close();
            throw new IOException("mosquitto in " + image + " did not start: " + e.getMessage() + "; its output: "
                    + output.text(), e);
        }
        return new MosquittoContainer(container, output);
    }

    /** The folder, and the folders of absolute paths in the configuration outside it, outermost first. */
    static List<Path> mountedFolders(Path dir, List<String> config) {
        TreeSet<Path> candidates = new TreeSet<>(Comparator.comparingInt(Path::getNameCount)
                .thenComparing(Comparator.naturalOrder()));
        candidates.add(dir.toAbsolutePath().normalize());
        for (String line : config) {
            String[] words = line.trim().split("\\s+");
            for (int i = 1; i < words.length; i++) {
                if (words[i].startsWith("/")) {
                    Path path = Path.of(words[i]).normalize();
                    Path folder = Files.isDirectory(path) ? path : path.getParent();
                    // Only folders that exist: Docker would create a missing one, as root.
                    if (folder != null && folder.getNameCount() > 0 && Files.isDirectory(folder)) {
                        candidates.add(folder);
                    }
                }
            }
        }
        List<Path> folders = new ArrayList<>();
        for (Path candidate : candidates) {
            if (folders.stream().noneMatch(candidate::startsWith)) {
                folders.add(candidate);
            }
        }
        return folders;
    }

    boolean isRunning() {
        return container.isRunning();
    }

    /** {@code docker stop}: SIGTERM, so that Mosquitto saves its persistence file; then the container is removed. */
    void stop() {
        if (container.getContainerId() != null && container.isRunning()) {
            container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(10).exec();
        }
        container.stop();
        output.close();
    }

    /**
     * The container's output, appended to a file in the test's folder. Testcontainers delivers frames on its own
     * thread, including after the container has stopped; once closed, nothing more is written, so the test's folder
     * can be deleted as soon as {@link #stop()} returns.
     */
    private static final class BrokerOutput {

        private final Path file;
        private boolean closed;

        BrokerOutput(Path file) {
            this.file = file;
        }

        synchronized void append(OutputFrame frame) {
            byte[] bytes = frame.getBytes();
            if (closed || bytes == null || bytes.length == 0) {
                return;
            }
            try {
                Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized void close() {
            closed = true;
        }

        synchronized String text() throws IOException {
            return Files.exists(file) ? Files.readString(file) : "";
        }
    }

    /**
     * Ready when a connection to the port stays open: Docker's proxy for a published port accepts at once and closes
     * again while nothing listens behind it, so an accepted connection alone proves nothing there. A broker waits
     * for the client's CONNECT (or TLS hello).
     */
    private static final class AcceptsConnections extends AbstractWaitStrategy {

        private final int port;

        AcceptsConnections(int port) {
            this.port = port;
        }

        @Override
        protected void waitUntilReady() {
            await().atMost(startupTimeout).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!waitStrategyTarget.isRunning()) {
                    throw new IllegalStateException("mosquitto exited");
                }
                return staysOpen(port);
            });
        }
    }

    private static boolean staysOpen(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(150);
            InputStream in = socket.getInputStream();
            try {
                return in.read() >= 0;
            } catch (SocketTimeoutException e) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }
}
