package org.openjii.mmi.device;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How a session reads replies whose bytes arrive as the firmware prints them: questions in the fw 1.x form (the
 * answer's opening quote comes only with the answer) and in the fw 2.x form, replies without checksum, and noise
 * lines before the reply. The byte sequences follow fw 1.17 {@code loop.cpp} (docs/multispeq-protocol.md).
 */
class DeviceSessionRepliesTest {

    private static final String PROTOCOL = "[{\"_protocol_set_\":[{\"label\":\"thick\",\"alert\":\"Close the clamp\"},"
            + "{\"label\":\"thick\",\"prompt\":\"Card 2 (red)\"},{\"label\":\"thick\",\"confirm\":\"Keep it?\"}]}]";
    private static final String HEADER = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\","
            + "\"device_id\":\"00:00:12:34\",\"device_battery\":87,\"device_firmware\":1.17,\"sample\":[{";

    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService reader = Executors.newSingleThreadExecutor();
    private DeviceSession session;
    private final List<String> skipped = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (session != null) {
            session.close();
        }
        control.shutdownNow();
        reader.shutdownNow();
    }

    private ScriptedTransport connect(Function<String, List<String>> script) throws Exception {
        ScriptedTransport transport = new ScriptedTransport(script);
        DeviceSession.Options defaults = DeviceSession.Options.defaults();
        session = new DeviceSession("scripted", () -> transport, new DeviceSession.Options(defaults.maxFrameSize(),
                false, Duration.ofMillis(100), Duration.ofSeconds(1), 20, Duration.ofMillis(200)), control, reader,
                Clock.systemUTC(), () -> {
                });
        session.addListener(new DeviceSession.Listener() {

            @Override
            public void onSkipped(DeviceSession s, Frame frame, String why) {
                skipped.add(frame.text());
            }
        });
        session.start();
        assertThat(session.awaitReady(Duration.ofSeconds(5))).isTrue();
        return transport;
    }

    private static DeviceRequest measurement(Duration timeout, String... answers) {
        return DeviceRequest.measurement(MeasurementProtocol.parse(PROTOCOL),
                new PromptAnswers(List.of(answers), true), timeout);
    }

    private static String crc(String text) {
        return Crc32Checksum.format(Crc32Checksum.compute(text));
    }

    /**
     * fw 1.17: {@code ["alert","<text>"}, then the device blocks; {@code "ok"} (or the echo) comes after the answer.
     */
    private static Function<String, List<String>> firmware1(boolean quoteInItsOwnRead) {
        StringBuilder printed = new StringBuilder();
        return written -> {
            List<String> chunks = new ArrayList<>();
            if (written.startsWith("[")) {
                // The text arrives cut in the middle, without its closing quote at first.
                chunks.add(HEADER + "\"set\":[{\"message\":[\"alert\",\"Close the cl");
                chunks.add("amp\",");
            } else if (written.equals("+") && printed.isEmpty()) {
                if (quoteInItsOwnRead) {
                    chunks.add("\"");
                    chunks.add("ok\"]},{\"message\":[\"prompt\",\"Card 2 (red)\",");
                } else {
                    chunks.add("\"ok\"]},{\"message\":[\"prompt\",\"Card 2 (red)\",");
                }
                printed.append("alert");
            } else if (written.equals("0.22+")) {
                chunks.add("\"0.22\"]},{\"message\":[\"confirm\",\"Keep it?\",");
            } else if (written.equals("-1+")) {
                String all = HEADER + "\"set\":[{\"message\":[\"alert\",\"Close the clamp\",\"ok\"]},"
                        + "{\"message\":[\"prompt\",\"Card 2 (red)\",\"0.22\"]},"
                        + "{\"message\":[\"confirm\",\"Keep it?\",\"ok\"]}]}]}";
                chunks.add("\"ok\"]}]}]}" + crc(all) + "\n");
            }
            return chunks;
        };
    }

    @Test
    void shouldAnswerEachQuestionOnceWhenTheQuoteComesOnlyWithTheAnswer() throws Exception {
        ScriptedTransport device = connect(firmware1(false));

        DeviceReply reply = session.execute(measurement(Duration.ofSeconds(10), "0.22", "-1"));

        assertThat(device.written()).containsExactly(PROTOCOL + "\r\n", "+", "0.22+", "-1+");
        assertThat(reply.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(reply.json().at("/sample/0/set/1/message/2").asText()).isEqualTo("0.22");
        assertThat(reply.json().at("/sample/0/set/2/message/2").asText()).isEqualTo("ok");
    }

    @Test
    void shouldNotAnswerAgainWhenTheQuoteArrivesAfterTheAnswer() throws Exception {
        ScriptedTransport device = connect(firmware1(true));

        session.execute(measurement(Duration.ofSeconds(10), "0.22", "-1"));

        assertThat(device.written()).containsExactly(PROTOCOL + "\r\n", "+", "0.22+", "-1+");
    }

    @Test
    void shouldAnswerTheFirmware2FormThatPrintsTheQuoteBeforeWaiting() throws Exception {
        String all = HEADER + "\"set\":[{\"message\":[\"alert\",\"Close the clamp\",\"ok\"]},"
                + "{\"message\":[\"prompt\",\"Card 2 (red)\",\"0.22\"]},{\"message\":[\"confirm\",\"Keep it?\",\"ok\"]}]}]}";
        ScriptedTransport device = connect(written -> switch (written) {
            case "+" -> List.of("ok\"]},{\"message\":[\"prompt\",\"Card 2 (red)\",\"");
            case "0.22+" -> List.of("0.22\"]},{\"message\":[\"confirm\",\"Keep it?\",\"");
            case "-1+" -> List.of("ok\"]}]}]}" + crc(all) + "\n");
            default -> written.startsWith("[")
                    ? List.of(HEADER + "\"set\":[{\"message\":[\"alert\",\"Close the clamp\",\"")
                    : List.of();
        });

        DeviceReply reply = session.execute(measurement(Duration.ofSeconds(10), "0.22", "-1"));

        assertThat(device.written()).containsExactly(PROTOCOL + "\r\n", "+", "0.22+", "-1+");
        assertThat(reply.text()).isEqualTo(all);
    }

    /** Plays a transcript fixture: each host write that matches the next tx event gets the rx event after it. */
    @ParameterizedTest
    @ValueSource(strings = {"transcript-alert-prompt-fw1.17.json", "transcript-alert-prompt.json"})
    void shouldReplayTheAlertPromptTranscriptsOfBothFirmwareForms(String transcript) throws Exception {
        JsonNode fixture = Fixtures.json(Fixtures.SERIAL + transcript);
        List<JsonNode> events = new ArrayList<>();
        fixture.get("events").forEach(events::add);
        List<String> tx = events.stream()
                .filter(e -> "tx".equals(e.get("dir").asText()))
                .map(e -> e.get("data").asText())
                .toList();
        ScriptedTransport device = connect(written -> {
            for (int i = 0; i + 1 < events.size(); i++) {
                if ("tx".equals(events.get(i).get("dir").asText()) && events.get(i)
                        .get("data")
                        .asText()
                        .equals(written)) {
                    return List.of(events.get(i + 1).get("data").asText());
                }
            }
            return List.of();
        });
        String protocol = tx.get(0).strip();

        DeviceReply reply = session.execute(DeviceRequest.measurement(MeasurementProtocol.parse(protocol),
                new PromptAnswers(List.of("0.22"), true), Duration.ofSeconds(10)));

        assertThat(device.written()).isEqualTo(tx);
        assertThat(reply.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(reply.checksum()).isEqualTo(fixture.at("/expected/checksum").asText());
    }

    @Test
    void shouldTakeAReplyThatEndsWithItsBraceAndNoChecksumAfterAQuietPeriod() throws Exception {
        String reply = HEADER.replace("[{", "[[{") + "\"light_intensity\":12.5}]]}";
        connect(written -> written.startsWith("[") ? List.of(reply.substring(0, 40), reply.substring(40))
                : List.of());

        DeviceReply got = session.execute(DeviceRequest.measurement(MeasurementProtocol.parse("[{\"par\":1}]"),
                PromptAnswers.none(), Duration.ofSeconds(10)));

        assertThat(got.crcStatus()).isEqualTo(CrcStatus.ABSENT);
        assertThat(got.text()).isEqualTo(reply);
        assertThat(got.checksum()).isNull();
    }

    @Test
    void shouldTakeANestedReplyEndedByALineFeedWithoutChecksum() throws Exception {
        String reply = HEADER.replace("[{", "[[{") + "\"light_intensity\":12.5}]]}";
        connect(written -> written.startsWith("[") ? List.of(reply + "\r\n") : List.of());

        DeviceReply got = session.execute(DeviceRequest.measurement(MeasurementProtocol.parse("[{\"par\":1}]"),
                PromptAnswers.none(), Duration.ofSeconds(10)));

        assertThat(got.crcStatus()).isEqualTo(CrcStatus.ABSENT);
        assertThat(got.text()).isEqualTo(reply);
    }

    @Test
    void shouldSkipANoiseLineThatBeginsWithABracketAndWaitForTheChecksummedReply() throws Exception {
        String reply = HEADER + "\"light_intensity\":12.5}]}";
        connect(written -> written.startsWith("[")
                ? List.of("[\u0007#noise{\"x\n", "[1,2]\n", reply + crc(reply) + "\n")
                : List.of());

        DeviceReply got = session.execute(DeviceRequest.measurement(MeasurementProtocol.parse("[{\"par\":1}]"),
                PromptAnswers.none(), Duration.ofSeconds(10)));

        assertThat(got.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(got.text()).isEqualTo(reply);
        assertThat(skipped).containsExactly("[\u0007#noise{\"x", "[1,2]");
        assertThat(got.unexpected()).hasSize(2);
    }

    @Test
    void shouldTimeOutWithEveryByteWhenOnlyNoiseArrives() throws Exception {
        connect(written -> written.startsWith("[") ? List.of("[noise\n", "{\"device_name\":\"Multi") : List.of());

        assertThatThrownBy(() -> session.execute(DeviceRequest.measurement(
                MeasurementProtocol.parse("[{\"par\":1}]"), PromptAnswers.none(), Duration.ofSeconds(1))))
                .isInstanceOfSatisfying(MultispeqTimeoutException.class, e -> assertThat(new String(e.rawBytes(),
                        java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("[noise\n{\"device_name\":\"Multi"));
        assertThat(skipped).containsExactly("[noise");
    }
}
