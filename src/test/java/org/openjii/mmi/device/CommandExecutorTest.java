package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.message.FailureReason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One command at a time on a connected session: a fake port answers each write on the test's thread, executors run
 * tasks only when told, and the clock moves only while the session waits, so the gaps between writes are exact. The
 * 600 ms before the command that follows a failure is the fw 1.x command gap (docs/multispeq-protocol.md,
 * "Commands").
 */
class CommandExecutorTest {

    private static final DeviceRequest BATTERY = DeviceRequest.command("battery");
    private static final DeviceRequest PAR = DeviceRequest.measurement(MeasurementProtocol.parse("[{\"par\":1}]"),
            PromptAnswers.none(), Duration.ofSeconds(10));

    private final FakeTime time = new FakeTime();
    private final ManualScheduler control = new ManualScheduler();
    private final ManualScheduler reader = new ManualScheduler();
    private final List<DeviceReply> replies = new CopyOnWriteArrayList<>();
    private DeviceSession session;
    private FakePort port;

    /** A session connected (without handshake) to a port whose device prints {@code device(written)}. */
    private DeviceSession connected(Function<String, String> device) {
        session = new DeviceSession("/dev/fake", () -> port, new DeviceSession.Options(4096, false,
                Duration.ofMillis(100), Duration.ofSeconds(1), 100, Duration.ofMillis(300)), control, reader, time,
                () -> {
                });
        port = new FakePort(time).answering(session.io(), device);
        session.addListener(new DeviceSession.Listener() {

            @Override
            public void onReply(DeviceSession s, DeviceReply reply) {
                replies.add(reply);
            }
        });
        session.start();
        control.runNext();
        assertThat(session.isReady()).isTrue();
        return session;
    }

    private static String crc(String text) {
        return text + Crc32Checksum.format(Crc32Checksum.compute(text));
    }

    private static String battery(String written) {
        return written.equals("battery\r\n") ? "battery:87\n" : null;
    }

    private List<Duration> writeTimes() {
        return port.writes().stream().map(FakePort.Write::at).toList();
    }

    @Test
    void shouldClearStaleInputSendTheCommandAndTellListenersTheReply() throws Exception {
        connected(CommandExecutorTest::battery);

        DeviceReply reply = session.execute(BATTERY);

        assertThat(reply.text()).isEqualTo("battery:87");
        assertThat(reply.sentAt()).isEqualTo(FakeTime.START);
        assertThat(port.written()).containsExactly("battery\r\n");
        assertThat(port.inputCleared()).isEqualTo(1);
        assertThat(replies).containsExactly(reply);
    }

    @Test
    void shouldRefuseACommandWhileNoDeviceIsConnected() {
        session = new DeviceSession("/dev/fake", () -> port, DeviceSession.Options.defaults(), control, reader, time,
                () -> {
                });

        assertThatThrownBy(() -> session.execute(BATTERY)).isInstanceOf(DeviceAbsentException.class)
                .hasMessage("No MultispeQ connected at /dev/fake");
    }

    /** The run is stopped with -1+, late output drains for 300 ms, and hello goes out 600 ms after the last byte. */
    @Test
    void shouldCancelAMeasurementThatTimedOutAndCheckThatTheDeviceListens() {
        String partial = "{\"device_name\":\"MultispeQ\",\"sample\":[{\"da";
        connected(written -> switch (written) {
            case "hello\r\n" -> "MultispeQ Ready\n";
            case "-1+\r\n" -> null;
            default -> partial;
        });

        assertThatThrownBy(() -> session.execute(PAR)).isInstanceOfSatisfying(MultispeqTimeoutException.class,
                e -> assertThat(new String(e.rawBytes(), StandardCharsets.UTF_8)).isEqualTo(partial))
                .hasMessageContaining("(" + partial.length() + " bytes of an unfinished reply)");

        assertThat(port.written()).containsExactly("[{\"par\":1}]\r\n", "-1+\r\n", "hello\r\n");
        assertThat(writeTimes()).containsExactly(Duration.ZERO, Duration.ofSeconds(10), Duration.ofMillis(10_600));
    }

    @Test
    void shouldWaitForTheLineToGoQuietBeforeTheCommandAfterATimeout() throws Exception {
        connected(CommandExecutorTest::battery);
        assertThatThrownBy(() -> session.execute(DeviceRequest.command("device_info")))
                .isInstanceOf(MultispeqTimeoutException.class);
        time.advance(Duration.ofMillis(200));
        port.print("{\"device_id\":\"00:00:12:34\"}\n");

        session.execute(BATTERY);

        assertThat(writeTimes()).containsExactly(Duration.ZERO, Duration.ofMillis(5_800));
    }

    @Test
    void shouldGiveUpAtOnceWhenTheDeviceIsBusyAndAskedNotToWait() throws Exception {
        connected(CommandExecutorTest::battery);

        try (DeviceStream stream = session.openStream(DeviceRequest.command("hall"))) {
            assertThat(stream.isOpen()).isTrue();
            assertThatThrownBy(() -> session.execute(BATTERY, Duration.ZERO))
                    .isInstanceOf(MultispeqTimeoutException.class)
                    .hasMessage("The device at /dev/fake stayed busy with another command for 0 ms");
        }
    }

    @Test
    void shouldStreamUntilClosedThenFreeTheDeviceAfterTheLineIsQuiet() throws Exception {
        connected(written -> written.equals("hall\r\n")
                ? crc("{\"hall\":512}") + "\n" + crc("{\"hall\":514}") + "\n"
                : battery(written));

        DeviceStream stream = session.openStream(DeviceRequest.command("hall"));
        assertThat(stream.next(Duration.ZERO).json().get("hall").asInt()).isEqualTo(512);
        assertThat(stream.next(Duration.ZERO).json().get("hall").asInt()).isEqualTo(514);
        assertThat(stream.next(Duration.ZERO)).isNull();
        stream.close();
        session.execute(BATTERY);

        assertThat(port.written()).containsExactly("hall\r\n", "-1+\r\n", "battery\r\n");
        assertThat(writeTimes()).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ofMillis(600));
        assertThat(stream.isOpen()).isFalse();
    }

    @Test
    void shouldCancelOnlyTheRequestInFlight() throws Exception {
        connected(written -> null);
        DeviceRequest hall = DeviceRequest.command("hall");
        DeviceStream stream = session.openStream(hall);

        assertThat(session.cancel(DeviceRequest.command("hall"))).isFalse();
        assertThat(session.cancel(hall)).isTrue();

        assertThatThrownBy(() -> stream.next(Duration.ZERO)).isInstanceOf(CommandCancelledException.class);
        stream.close();
        assertThat(session.cancel()).isFalse();
        assertThat(port.written()).containsExactly("hall\r\n", "-1+\r\n", "-1+\r\n");
    }

    @Test
    void shouldFailAsAbsentAndReconnectWhenAWriteFails() {
        connected(written -> null);
        port.failWrites();

        assertThatThrownBy(() -> session.execute(BATTERY)).isInstanceOf(DeviceAbsentException.class)
                .hasMessage("Writing 'battery' to /dev/fake failed: Input/output error");

        assertThat(session.state()).isEqualTo(DeviceSession.State.DISCONNECTED);
        assertThat(port.isOpen()).isFalse();
        assertThat(control.delays()).containsExactly(100L);
    }

    @Test
    void shouldFailAsTruncatedWithTheBytesWhenThePortGoesAwayMidReply() {
        String partial = "{\"device_name\":\"Multi";
        connected(written -> {
            port.print(partial);
            port.unplug();
            reader.runNext();
            return null;
        });

        assertThatThrownBy(() -> session.execute(DeviceRequest.command("device_info")))
                .isInstanceOfSatisfying(TruncatedFrameException.class, e -> assertThat(new String(e.rawBytes(),
                        StandardCharsets.UTF_8)).isEqualTo(partial))
                .hasMessageContaining("(" + partial.length() + " bytes received)");
        assertThat(session.state()).isEqualTo(DeviceSession.State.DISCONNECTED);
        assertThat(time.elapsed()).isZero();
    }

    @Test
    void shouldStopTheRunAndFailItAsAbsentWhenTheSessionCloses() {
        connected(written -> {
            if (written.startsWith("[")) {
                session.close();
            }
            return null;
        });

        assertThatThrownBy(() -> session.execute(PAR)).isInstanceOf(DeviceAbsentException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DEVICE_ABSENT)
                .hasMessage("The session for /dev/fake was closed");
        assertThat(port.written()).containsExactly("[{\"par\":1}]\r\n", "-1+\r\n");
        assertThat(session.state()).isEqualTo(DeviceSession.State.CLOSED);
    }
}
