package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.message.FailureReason;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What completes a reply, on a fake port whose output reaches the collector on the test's thread and a clock that
 * moves only while the collector waits: every duration asserted here is exact. Replies follow fw 1.17
 * {@code loop.cpp} and the firmware profiles in docs/multispeq-protocol.md.
 */
class ReplyCollectorTest {

    private static final Duration QUIET_PERIOD = Duration.ofMillis(300);
    private static final String DEVICE_INFO = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\","
            + "\"device_id\":\"00:00:12:34\",\"device_battery\":87,\"device_firmware\":1.17}";
    private static final String PROTOCOL = "[{\"_protocol_set_\":[{\"label\":\"thick\",\"alert\":\"Close the clamp\"},"
            + "{\"label\":\"thick\",\"prompt\":\"Card 2 (red)\"},{\"label\":\"thick\",\"confirm\":\"Keep it?\"}]}]";
    private static final String HEADER = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\","
            + "\"device_id\":\"00:00:12:34\",\"device_battery\":87,\"device_firmware\":1.17,\"sample\":[{";

    private final FakeTime time = new FakeTime();
    private final List<String> skipped = new ArrayList<>();
    private SessionIo io;
    private FakePort port;

    @BeforeEach
    void openPort() {
        io = session(4096);
        port = new FakePort(time).answering(io, written -> null);
        io.attach(port);
    }

    private SessionIo session(int maxFrameSize) {
        SessionListeners listeners = new SessionListeners(null);
        listeners.add(new DeviceSession.Listener() {

            @Override
            public void onSkipped(DeviceSession session, Frame frame, String why) {
                skipped.add(frame.text());
            }
        });
        return new SessionIo("test", maxFrameSize, time, listeners);
    }

    private ReplyCollector expect(DeviceRequest request) {
        ReplyCollector collector = new ReplyCollector(request, io, QUIET_PERIOD);
        io.expect(collector);
        return collector;
    }

    private static String crc(String text) {
        return text + Crc32Checksum.format(Crc32Checksum.compute(text));
    }

    private static DeviceRequest measurement(String protocol, String... answers) {
        return DeviceRequest.measurement(MeasurementProtocol.parse(protocol), new PromptAnswers(List.of(answers), true),
                Duration.ofSeconds(10));
    }

    @Test
    void shouldPassOverNoiseAndCompleteWithTheChecksummedReply() {
        ReplyCollector collector = expect(DeviceRequest.command("device_info"));

        port.print("booting\n[\u0007#noise\n" + crc(DEVICE_INFO) + "\n");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.DONE);
        assertThat(collector.reply.text()).isEqualTo(DEVICE_INFO);
        assertThat(collector.reply.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(collector.reply.unexpected()).extracting(Frame::text).containsExactly("booting", "[\u0007#noise");
        assertThat(skipped).containsExactly("[\u0007#noise");
        assertThat(time.elapsed()).isZero();
    }

    @Test
    void shouldTimeOutAtTheDeadlineWithEverythingReceived() {
        ReplyCollector collector = expect(DeviceRequest.command("device_info"));
        port.print("stray line\n{\"device_name\":\"Multi");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.TIMED_OUT);

        assertThat(time.elapsed()).isEqualTo(DeviceRequest.QUICK_COMMAND_TIMEOUT);
        assertThat(new String(collector.receivedSoFar(io.pending()), StandardCharsets.UTF_8))
                .isEqualTo("stray line\n{\"device_name\":\"Multi");
    }

    @Test
    void shouldEndACommandWithoutReplyAfterHalfASecondOfSilence() {
        ReplyCollector collector = expect(DeviceRequest.command("indicate+255+0+0"));

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.DONE);

        assertThat(collector.reply.text()).isEmpty();
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldEndOpenEndedOutputOneQuietPeriodAfterItsLastByte() {
        ReplyCollector collector = expect(DeviceRequest.command("light_scan"));
        time.advance(Duration.ofMillis(100));
        port.print("light 1\nlight 2\n");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.DONE);

        assertThat(collector.reply.text()).isEqualTo("light 1\nlight 2");
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(100).plus(QUIET_PERIOD));
    }

    @Test
    void shouldCompleteAKnownNumberOfLinesWithoutWaiting() {
        ReplyCollector collector = expect(DeviceRequest.command("temp"));

        port.print("21.50\n22.25\n");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.DONE);
        assertThat(collector.reply.text()).isEqualTo("21.50\n22.25");
        assertThat(time.elapsed()).isZero();
    }

    @Test
    void shouldFailWhenTheDeviceAnswersWithAnErrorObject() {
        ReplyCollector collector = expect(DeviceRequest.command("device_info"));

        port.print(crc("{\"error\":\"battery is too low\"}") + "\n");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.FAILED);
        assertThat(collector.failure.reason()).isEqualTo(FailureReason.DEVICE_ERROR);
        assertThat(collector.failure).hasMessageContaining("battery is too low");
    }

    @Test
    void shouldOfferAReplyWithoutChecksumOrLineFeedAfterAQuietPeriod() {
        ReplyCollector collector = expect(measurement("[{\"par\":1}]"));
        String reply = HEADER + "\"light_intensity\":12.5}]}";
        port.print(reply);

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.QUIET_REPLY);
        assertThat(time.elapsed()).isEqualTo(QUIET_PERIOD);
        io.offerQuiet(collector);

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.DONE);
        assertThat(collector.reply.text()).isEqualTo(reply);
        assertThat(collector.reply.crcStatus()).isEqualTo(CrcStatus.ABSENT);
        assertThat(io.pending()).isEmpty();
    }

    @Test
    void shouldNotTakeHalfAReplyThatEndsInABraceAndWaitForTheRest() {
        ReplyCollector collector = expect(measurement("[{\"par\":1}]"));
        port.print(HEADER + "\"set\":{}");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.QUIET_REPLY);
        io.offerQuiet(collector);
        port.print("}]}\n");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.DONE);
        assertThat(collector.reply.text()).isEqualTo(HEADER + "\"set\":{}}]}");
    }

    /** fw 1.17: the alert is acknowledged, the prompt answered, and the confirm finds no answer left. */
    @Test
    void shouldAnswerEachQuestionOnceAndFailWhenNoAnswerIsLeft() {
        ReplyCollector collector = expect(measurement(PROTOCOL, "0.22"));

        port.print(HEADER + "\"set\":[{\"message\":[\"alert\",\"Close the clamp\",");
        port.print("\"ok\"]},{\"message\":[\"prompt\",\"Card 2 (red)\",");
        port.print("\"0.22\"]},{\"message\":[\"confirm\",\"Keep it?\",");

        assertThat(port.written()).containsExactly("+", "0.22+");
        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.FAILED);
        assertThat(collector.failure.reason()).isEqualTo(FailureReason.PROMPT_UNANSWERED);
        assertThat(new String(collector.failure.rawBytes(), StandardCharsets.UTF_8)).endsWith("\"Keep it?\",");
    }

    @Test
    void shouldFailAReplyLargerThanTheFrameLimit() {
        io = session(64);
        io.attach(port);
        port.answering(io, written -> null);
        ReplyCollector collector = expect(DeviceRequest.command("device_info"));

        port.print("{\"device_name\":\"" + "M".repeat(100) + "\"}\n");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.FAILED);
        assertThat(collector.failure.reason()).isEqualTo(FailureReason.FRAME_TOO_LARGE);
    }

    @Test
    void shouldKeepTheFirstOutcomeAndTheLinesThatComeAfterIt() {
        ReplyCollector collector = expect(DeviceRequest.command("hello"));
        port.print("MultispeQ Ready\n");

        collector.fail(new CommandCancelledException("too late", null));
        port.print("late line\n");

        assertThat(collector.await()).isEqualTo(ReplyCollector.Outcome.DONE);
        assertThat(collector.failure).isNull();
        assertThat(collector.unexpected).extracting(Frame::text).containsExactly("late line");
    }

    @Test
    void shouldQueueStreamFramesAndEndTheStreamWithItsFailure() throws Exception {
        StreamCollector stream = new StreamCollector(DeviceRequest.command("hall"), io, QUIET_PERIOD);
        io.expect(stream);
        port.print(crc("{\"hall\":512}") + "\n" + crc("{\"hall\":514}") + "\n" + crc("{\"hall\":516}") + "\n");

        assertThat(((Frame) stream.poll(Duration.ZERO)).text()).isEqualTo("{\"hall\":512}");
        stream.fail(new DeviceAbsentException("unplugged", null));

        assertThat(stream.ended()).isTrue();
        assertThat(stream.poll(Duration.ZERO)).isInstanceOf(DeviceAbsentException.class);
        assertThat(stream.poll(Duration.ZERO)).isNull();
    }

    @Test
    void shouldDropStreamFramesThatDoNotFitTheQueue() throws Exception {
        StreamCollector stream = new StreamCollector(DeviceRequest.command("hall"), io, QUIET_PERIOD);
        io.expect(stream);
        StringBuilder output = new StringBuilder();
        for (int i = 0; i <= StreamCollector.QUEUE_CAPACITY; i++) {
            output.append(crc("{\"hall\":" + i + "}")).append('\n');
        }
        port.print(output.toString());

        int queued = 0;
        while (stream.poll(Duration.ZERO) != null) {
            queued++;
        }
        assertThat(queued).isEqualTo(StreamCollector.QUEUE_CAPACITY);
        assertThat(stream.ended()).isFalse();
    }
}
