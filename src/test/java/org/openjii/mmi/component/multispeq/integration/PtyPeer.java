package org.openjii.mmi.component.multispeq.integration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortDataListener;
import com.fazecast.jSerialComm.SerialPortEvent;

import static org.awaitility.Awaitility.await;

/**
 * A pseudo-terminal pair (socat) whose far end is some other serial device: silent, or answering every line with
 * noise. Used to prove that port=auto skips devices that are not MultispeQs.
 */
final class PtyPeer implements AutoCloseable {

    private final Process socat;
    private final SerialPort peer;
    private final Path link;

    private PtyPeer(Process socat, SerialPort peer, Path link) {
        this.socat = socat;
        this.peer = peer;
        this.link = link;
    }

    /**
     * @param link the host end (a symbolic link socat creates)
     * @param answer what the peer writes back for every byte burst it receives, or {@code null} to stay silent
     */
    static PtyPeer start(Path link, String answer) throws IOException {
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
        if (answer != null) {
            byte[] reply = answer.getBytes(StandardCharsets.US_ASCII);
            peer.addDataListener(new SerialPortDataListener() {

                @Override
                public int getListeningEvents() {
                    return SerialPort.LISTENING_EVENT_DATA_AVAILABLE;
                }

                @Override
                public void serialEvent(SerialPortEvent event) {
                    byte[] in = new byte[Math.max(1, peer.bytesAvailable())];
                    peer.readBytes(in, in.length);
                    peer.writeBytes(reply, reply.length);
                }
            });
        }
        return new PtyPeer(socat, peer, link);
    }

    Path link() {
        return link;
    }

    @Override
    public void close() {
        peer.removeDataListener();
        peer.closePort();
        socat.destroy();
    }
}
