package org.openjii.mmi.delivery;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.BridgeProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * One process per outbox, across processes: a running bridge holds its outbox, a second opener is refused with the
 * bridge's PID, and {@code kill -9} frees it (the operating system drops the lock with the process).
 */
class OutboxLockIT {

    @TempDir
    Path dir;

    @Test
    void refusesTheOutboxOfARunningBridgeAndGetsItOnceTheBridgeIsKilled() throws Exception {
        Path outbox = dir.resolve("outbox");
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        // Nothing listens there: the bridge starts, keeps its outbox open and retries the connection.
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("bridge.log"), Map.of("mmi.device.port", "",
                "mmi.mqtt.broker-url", "tcp://127.0.0.1:" + closedPort, "mmi.outbox.dir", outbox.toString()))) {
            await().atMost(Duration.ofSeconds(60))
                    .failFast("the bridge exited", () -> !bridge.isAlive())
                    .until(() -> bridge.output().contains("message(s) waiting"));
            String pid = Long.toString(bridge.process().pid());
            assertThat(Files.readString(outbox.resolve(Outbox.LOCK_FILE_NAME))).isEqualTo(pid);

            assertThatThrownBy(() -> Outbox.open(outbox, 1_000_000, Outbox.FullPolicy.REJECT, Clock.systemUTC()))
                    .isInstanceOf(OutboxException.class)
                    .hasMessageContaining("The outbox " + outbox + " (mmi.outbox.dir) is in use by mmi process " + pid)
                    .hasMessageContaining("its own mmi.outbox.dir");

            bridge.killHard();
        }
        try (Outbox reopened = Outbox.open(outbox, 1_000_000, Outbox.FullPolicy.REJECT, Clock.systemUTC())) {
            assertThat(reopened.depth()).isZero();
            assertThat(Files.readString(outbox.resolve(Outbox.LOCK_FILE_NAME)))
                    .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        }
    }
}
