package org.openjii.mmi.simulator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fazecast.jSerialComm.SerialPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.simulator.SimulatorFixtures.TIMEOUT;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureText;

/** The simulator on a real pty pair: the host side uses jSerialComm as the bridge does. */
class PtySimulatorTest {

    private static final String HELLO_RAW = fixtureText("synthetic/serial/hello.raw");

    @TempDir
    Path folder;

    @BeforeEach
    void needsSocat() {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
    }

    @Test
    void helloOverAPtyThenUnplugEndsTheHostStreamAndReplugRestoresIt() throws Exception {
        Path hostLink = folder.resolve("ttyMultispeQ");
        try (PtySimulator pty = PtySimulator.start(hostLink, SimulatorOptions.builder()
                .chunkPause(Duration.ZERO)
                .build())) {
            assertThat(pty.hostLink()).isEqualTo(hostLink.toAbsolutePath());
            assertThat(pty.isPlugged()).isTrue();
            SerialPort host = openHost(hostLink);
            try {
                assertThat(hello(host)).isEqualTo(HELLO_RAW);

                pty.unplug();

                assertThat(pty.isPlugged()).isFalse();
                assertThat(Files.exists(hostLink, LinkOption.NOFOLLOW_LINKS)).isFalse();
                byte[] buffer = new byte[64];
                await().atMost(TIMEOUT).until(() -> host.readBytes(buffer, buffer.length) < 0);
            } finally {
                host.closePort();
            }

            pty.replug();

            assertThat(pty.isPlugged()).isTrue();
            assertThat(Files.exists(hostLink)).isTrue();
            SerialPort again = openHost(hostLink);
            try {
                assertThat(hello(again)).isEqualTo(HELLO_RAW);
            } finally {
                again.closePort();
            }
        }
        assertThat(Files.exists(hostLink)).isFalse();
    }

    @Test
    void unplugFaultDropsTheHostAndReplugsAfterTheDelay() throws Exception {
        Path hostLink = folder.resolve("ttyFaulty");
        SimulatorOptions options = SimulatorOptions.builder()
                .chunkPause(Duration.ZERO)
                .replugAfter(Duration.ofMillis(300))
                .build();
        try (PtySimulator pty = PtySimulator.start(hostLink, options)) {
            SerialPort host = openHost(hostLink);
            try {
                pty.simulator().injectNext(SimulatorFault.UNPLUG);
                assertThat(hello(host)).isEqualTo(HELLO_RAW);
                byte[] buffer = new byte[64];
                await().atMost(TIMEOUT).until(() -> host.readBytes(buffer, buffer.length) < 0);
            } finally {
                host.closePort();
            }

            await().atMost(TIMEOUT).until(pty::isPlugged);

            SerialPort again = openHost(hostLink);
            try {
                assertThat(hello(again)).isEqualTo(HELLO_RAW);
            } finally {
                again.closePort();
            }
        }
    }

    private static SerialPort openHost(Path hostLink) {
        SerialPort port = SerialPort.getCommPort(hostLink.toString());
        port.setComPortParameters(115_200, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, 100, 0);
        assertThat(port.openPort()).as("open %s", hostLink).isTrue();
        return port;
    }

    /** Sends hello and reads up to the first LF, within the test timeout. */
    private static String hello(SerialPort port) {
        byte[] command = "hello\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(port.writeBytes(command, command.length)).isEqualTo(command.length);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[256];
        await().atMost(TIMEOUT).until(() -> {
            int n = port.readBytes(buffer, buffer.length);
            if (n > 0) {
                received.write(buffer, 0, n);
            }
            return received.toString(StandardCharsets.US_ASCII).contains("\n");
        });
        return received.toString(StandardCharsets.US_ASCII);
    }
}
