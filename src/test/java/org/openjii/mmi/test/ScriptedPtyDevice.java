package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fazecast.jSerialComm.SerialPort;

import static org.awaitility.Awaitility.await;

/**
 * A MultispeQ on a real pseudo-terminal pair (socat) that answers with exactly the bytes a test gives: fw 1.17's
 * {@code hello}, {@code battery} and {@code device_info}, and for each protocol the next of the scripted measurement
 * replies (noise,
 * replies without checksum), in turn. For shapes the simulator does not make.
 */
public final class ScriptedPtyDevice implements AutoCloseable {

    private final Process socat;
    private final SerialPort peer;
    private final Path link;
    private final List<String> replies;
    private final AtomicInteger protocols = new AtomicInteger();
    private final Thread reader;
    private volatile boolean running = true;

    private ScriptedPtyDevice(Process socat, SerialPort peer, Path link, List<String> replies) {
        this.socat = socat;
        this.peer = peer;
        this.link = link;
        this.replies = List.copyOf(replies);
        this.reader = new Thread(this::serve, "scripted-pty-device");
        reader.setDaemon(true);
    }

    /**
     * @param link the host end (a symbolic link socat creates)
     * @param replies what the device prints for the 1st, 2nd, ... protocol (cycling), bytes exactly as given
     */
    public static ScriptedPtyDevice start(Path link, List<String> replies) throws IOException {
        Path peerLink = Path.of(link + ".peer");
        Process socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + link, "pty,raw,echo=0,link=" + peerLink)
                .redirectErrorStream(true)
                .start();
        await().atMost(5, TimeUnit.SECONDS).until(() -> Files.exists(link) && Files.exists(peerLink));
        SerialPort peer = SerialPort.getCommPort(peerLink.toString());
        if (!peer.openPort()) {
            socat.destroyForcibly();
            throw new IOException("Cannot open " + peerLink);
        }
        peer.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, 100, 0);
        ScriptedPtyDevice device = new ScriptedPtyDevice(socat, peer, link, replies);
        device.reader.start();
        return device;
    }

    public Path link() {
        return link;
    }

    /** Protocols received so far. */
    public int protocols() {
        return protocols.get();
    }

    private void serve() {
        StringBuilder line = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (running) {
            int n = peer.readBytes(buffer, buffer.length);
            for (int i = 0; i < n; i++) {
                char c = (char) (buffer[i] & 0xFF);
                if (c == '\n' || c == '\r' || c == '+') {
                    answer(line.toString().strip());
                    line.setLength(0);
                } else {
                    line.append(c);
                }
            }
        }
    }

    private void answer(String input) {
        String reply;
        if (input.equals("hello")) {
            reply = "MultispeQ Ready\n";
        } else if (input.equals("device_info") || input.equals("1007")) {
            reply = resource("/fixtures/multispeq/synthetic/serial/device-info-fw1.17.raw");
        } else if (input.equals("battery")) {
            reply = "{\"battery\":87}\n";
        } else if (input.startsWith("[")) {
            reply = replies.get(protocols.getAndIncrement() % replies.size());
        } else {
            return;
        }
        byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
        peer.writeBytes(bytes, bytes.length);
    }

    private static String resource(String path) {
        try (InputStream in = ScriptedPtyDevice.class.getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(TimeUnit.SECONDS.toMillis(2));
        peer.closePort();
        socat.destroy();
    }
}
