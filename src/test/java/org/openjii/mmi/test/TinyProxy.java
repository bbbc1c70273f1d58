package org.openjii.mmi.test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjii.mmi.simulator.ToolAssumptions;

import static org.awaitility.Awaitility.await;

/**
 * A real HTTP proxy for tests: Debian's {@code tinyproxy}, started on a free loopback port with its configuration and
 * log in a folder of the test's. It opens tunnels with {@code CONNECT host:port} as institute proxies do, may require
 * Basic authentication ({@code BasicAuth}) and may restrict the ports it tunnels to ({@code ConnectPort}). Its log
 * ({@code LogLevel Connect}) has a line {@code Request (file descriptor N): CONNECT host:port HTTP/1.1} per tunnel.
 */
public final class TinyProxy implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/tinyproxy");

    private final Path dir;
    private final int port;
    private final Process process;

    private TinyProxy(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Skips the test without tinyproxy, or fails it under CI ({@code CI=true}). */
    public static void assumeAvailable() {
        ToolAssumptions.assumeTool("tinyproxy", Files.isExecutable(BINARY));
    }

    /**
     * Starts the proxy.
     *
     * @param user the user name of Basic authentication, or null for none
     * @param password its password
     * @param connectPorts the only ports tunnels may go to; none: any
     */
    public static TinyProxy start(Path dir, String user, String password, int... connectPorts) throws IOException {
        Files.createDirectories(dir);
        int port = MosquittoBroker.freePort();
        List<String> config = new ArrayList<>(List.of("Port " + port, "Listen 127.0.0.1", "Timeout 600",
                "LogFile \"" + dir.resolve("tinyproxy.log") + "\"", "LogLevel Connect", "MaxClients 100",
                "Allow 127.0.0.1"));
        for (int connectPort : connectPorts) {
            config.add("ConnectPort " + connectPort);
        }
        if (user != null) {
            config.add("BasicAuth " + user + " " + password);
        }
        Path conf = Files.write(dir.resolve("tinyproxy.conf"), config, StandardCharsets.UTF_8);
        // -d: in the foreground, so that the test owns the process and ends it.
        Process process = new ProcessBuilder(BINARY.toString(), "-d", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tinyproxy.out").toFile())
                .start();
        TinyProxy proxy = new TinyProxy(dir, port, process);
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            if (!process.isAlive()) {
                throw new IOException("tinyproxy exited with " + process.exitValue() + ": " + proxy.output());
            }
            return accepts(port);
        });
        return proxy;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>}, or with {@code user:password@} before the host. */
    public String url(String user, String password) {
        return "http://" + (user == null ? "" : user + ":" + password + "@") + "127.0.0.1:" + port;
    }

    /** The proxy's log so far. */
    public String logText() throws IOException {
        Path log = dir.resolve("tinyproxy.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private String output() throws IOException {
        Path out = dir.resolve("tinyproxy.out");
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
