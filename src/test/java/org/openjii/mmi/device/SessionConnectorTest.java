package org.openjii.mmi.device;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session's connection lifecycle on executors that run a task only when the test says so, a fake port and a clock
 * that moves only while the session waits: the backoff delays, the handshake's timeouts and the states a listener
 * sees are exact. The handshake replies follow fw 1.17 ({@code hello} answered {@code MultispeQ Ready},
 * {@code device_info} with a checksum).
 */
class SessionConnectorTest {

    private static final String DEVICE_INFO = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\","
            + "\"device_id\":\"00:00:12:34\",\"device_battery\":87,\"device_firmware\":1.17}";

    private final FakeTime time = new FakeTime();
    private final ManualScheduler control = new ManualScheduler();
    private final ManualScheduler reader = new ManualScheduler();
    /** What each open gives, in order: a port, or the IOException it fails with. */
    private final Deque<Object> opens = new ArrayDeque<>();
    private final List<String> states = new CopyOnWriteArrayList<>();
    private final List<String> closes = new ArrayList<>();
    private DeviceSession session;

    private DeviceSession session(boolean handshake) {
        DeviceSession.Options options = new DeviceSession.Options(4096, handshake, Duration.ofMillis(100),
                Duration.ofSeconds(1), 100, Duration.ofMillis(300));
        session = new DeviceSession("/dev/fake", this::open, options, control, reader, time,
                () -> closes.add("closed"));
        session.addListener(new DeviceSession.Listener() {

            @Override
            public void onStateChanged(DeviceSession s, DeviceSession.State state, String detail) {
                states.add(state + ": " + detail);
            }
        });
        return session;
    }

    private SerialTransport open() throws IOException {
        Object next = opens.poll();
        if (next instanceof IOException e) {
            throw e;
        }
        return (SerialTransport) next;
    }

    private FakePort port(Function<String, String> device) {
        FakePort port = new FakePort(time).answering(session.io(), device);
        opens.add(port);
        return port;
    }

    private static String crc(String text) {
        return text + Crc32Checksum.format(Crc32Checksum.compute(text));
    }

    private static String firmware117(String written) {
        return switch (written) {
            case "hello\r\n" -> "MultispeQ Ready\n";
            case "device_info\r\n" -> crc(DEVICE_INFO) + "\n";
            default -> null;
        };
    }

    @Test
    void shouldRetryWithADoublingDelayCappedAtTheMaximum() {
        session(false).start();

        for (int i = 0; i < 7; i++) {
            opens.add(new IOException("/dev/fake: No such file or directory"));
            control.runNext();
        }

        assertThat(control.delays()).containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L, 1000L);
        assertThat(control.waiting()).isEqualTo(1);
        assertThat(states).containsExactly("CONNECTING: opening /dev/fake",
                "DISCONNECTED: /dev/fake: No such file or directory");
        assertThat(session.lastError()).isEqualTo("/dev/fake: No such file or directory");
    }

    @Test
    void shouldBeReadyAtOnceWithoutHandshakeAndStartReading() {
        session(false).start();
        port(written -> null);

        control.runNext();

        assertThat(session.state()).isEqualTo(DeviceSession.State.READY);
        assertThat(session.connectedSince()).isEqualTo(FakeTime.START);
        assertThat(session.systemPath()).isEqualTo("/dev/ttyFAKE0");
        assertThat(session.deviceInfo()).isNull();
        assertThat(reader.waiting()).isEqualTo(1);
        assertThat(states).containsExactly("CONNECTING: opening /dev/fake", "READY: MultispeQ at /dev/ttyFAKE0");
    }

    @Test
    void shouldReadTheIdentityInTheHandshake() {
        session(true).start();
        FakePort port = port(SessionConnectorTest::firmware117);

        control.runNext();

        assertThat(port.written()).containsExactly("hello\r\n", "device_info\r\n");
        assertThat(session.isReady()).isTrue();
        assertThat(session.deviceInfo().id()).isEqualTo("00:00:12:34");
        assertThat(states).last().asString().startsWith("READY: ").endsWith(" at /dev/ttyFAKE0");
        assertThat(time.elapsed()).isZero();
    }

    @Test
    void shouldGoOnWithoutTheIdentityWhenDeviceInfoIsNotAnswered() {
        session(true).start();
        port(written -> written.equals("hello\r\n") ? "MultispeQ Ready\n" : null);

        control.runNext();

        assertThat(session.isReady()).isTrue();
        assertThat(session.deviceInfo()).isNull();
        assertThat(time.elapsed()).isEqualTo(DeviceRequest.QUICK_COMMAND_TIMEOUT);
    }

    @Test
    void shouldCloseAndRetryAPortThatDoesNotAnswerAsAMultispeQ() {
        session(true).start();
        FakePort silent = port(written -> null);

        control.runNext();

        assertThat(silent.written()).containsExactly("hello\r\n", "hello\r\n");
        assertThat(time.elapsed()).isEqualTo(DeviceRequest.HELLO_TIMEOUT.multipliedBy(2));
        assertThat(silent.isOpen()).isFalse();
        assertThat(session.state()).isEqualTo(DeviceSession.State.DISCONNECTED);
        assertThat(session.lastError()).startsWith("/dev/fake did not answer as a MultispeQ: No complete reply");
        assertThat(control.delays()).containsExactly(100L);
    }

    @Test
    void shouldReopenAfterTheLinkIsLostStartingAgainFromTheFirstDelay() {
        session(false).start();
        opens.add(new IOException("busy"));
        control.runNext();
        FakePort first = port(written -> null);
        control.runNext();

        first.unplug();
        reader.runNext();

        assertThat(session.state()).isEqualTo(DeviceSession.State.DISCONNECTED);
        assertThat(session.lastError()).isEqualTo("link lost: the device went away (/dev/ttyFAKE0 closed)");
        assertThat(session.connectedSince()).isNull();
        assertThat(control.delays()).containsExactly(100L, 100L);
        port(written -> null);
        control.runNext();
        assertThat(session.isReady()).isTrue();
    }

    @Test
    void shouldCloseForGoodOnceAndStopConnecting() throws Exception {
        session(false).start();
        FakePort port = port(written -> null);

        session.close();
        session.close();
        control.runNext();
        session.start();

        assertThat(closes).containsExactly("closed");
        assertThat(session.state()).isEqualTo(DeviceSession.State.CLOSED);
        assertThat(opens).containsExactly(port);
        assertThat(control.waiting()).isZero();
        assertThat(session.awaitReady(Duration.ofSeconds(1))).isFalse();
        assertThat(time.elapsed()).isZero();
    }

    @Test
    void shouldStopWaitingForReadinessAtTheTimeout() throws Exception {
        session(false).start();

        assertThat(session.awaitReady(Duration.ofSeconds(3))).isFalse();

        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(3));
    }
}
