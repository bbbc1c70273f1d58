package org.openjii.mmi.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.device.MeasurementProtocol;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.simulator.SimulatorFixtures.TIMEOUT;
import static org.openjii.mmi.simulator.SimulatorFixtures.answerAll;
import static org.openjii.mmi.simulator.SimulatorFixtures.assertChecksummedJson;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitLines;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitQuiet;
import static org.openjii.mmi.simulator.SimulatorFixtures.fast;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureJson;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureText;
import static org.openjii.mmi.simulator.SimulatorFixtures.json;
import static org.openjii.mmi.simulator.SimulatorFixtures.send;
import static org.openjii.mmi.simulator.SimulatorFixtures.withoutChecksum;

class SimulatorInteractiveTest extends SimulatorTestSupport {

    /** Replays the transcript: the device must stop exactly where it does there and print exactly its rx bytes. */
    @Test
    void alertAndPromptTranscriptIsReproducedByteForByte() {
        JsonNode transcript = fixtureJson("synthetic/serial/transcript-alert-prompt.json");
        StringBuilder allRx = new StringBuilder();
        transcript.get("events").forEach(event -> {
            if ("rx".equals(event.get("dir").asText())) {
                allRx.append(event.get("data").asText());
            }
        });
        String deviceJson = withoutChecksum(allRx.toString());
        JsonNode recorded = json(deviceJson);
        CollectingLink link = plugIn(fast().identity(recorded.get("device_name").asText(),
                recorded.get("device_version").asText(), recorded.get("device_id").asText(),
                recorded.get("device_battery").asInt(), recorded.get("device_firmware").asText())
                .outputJson(deviceJson)
                .build());

        StringBuilder expectedSoFar = new StringBuilder();
        for (JsonNode event : transcript.get("events")) {
            String data = event.get("data").asText();
            if ("tx".equals(event.get("dir").asText())) {
                send(simulator, data);
            } else {
                expectedSoFar.append(data);
                String expected = expectedSoFar.toString();
                await().atMost(TIMEOUT).until(() -> link.text().length() >= expected.length());
                awaitQuiet(link, Duration.ofMillis(50));
                assertThat(link.text()).isEqualTo(expected);
            }
        }

        String checksum = transcript.get("expected").get("checksum").asText();
        assertThat(link.text()).endsWith(checksum + "\n");
        assertThat(deviceJson.getBytes(StandardCharsets.UTF_8))
                .hasSize(transcript.get("expected").get("checksum_input_bytes").asInt());
        assertThat(Crc32Checksum.format(Crc32Checksum.compute(deviceJson))).isEqualTo(checksum);
    }

    @Test
    void unknownInteractiveProtocolAsksItsQuestionsAndEchoesThePromptAnswer() {
        JsonNode transcript = fixtureJson("synthetic/serial/transcript-alert-prompt.json");
        String protocol = transcript.get("events").get(0).get("data").asText();
        CollectingLink link = plugIn(fast().build());

        send(simulator, protocol);
        await().atMost(TIMEOUT)
                .until(() -> link.text().endsWith("\"message\":[\"alert\",\"thickness fully closed\",\""));
        send(simulator, "+");
        await().atMost(TIMEOUT)
                .until(() -> link.text()
                        .endsWith("\"message\":[\"prompt\",\"thickness Card 2 (red) or enter alternate value\",\""));
        send(simulator, "0.22+");

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        JsonNode sets = reply.get("sample").get(0).get("set");
        assertThat(sets).hasSize(2);
        assertThat(sets.get(0).get("message")).isEqualTo(json("[\"alert\",\"thickness fully closed\",\"ok\"]"));
        assertThat(sets.get(1).get("message"))
                .isEqualTo(json("[\"prompt\",\"thickness Card 2 (red) or enter alternate value\",\"0.22\"]"));
        assertThat(sets.get(0).get("label").asText()).isEqualTo("thick");
    }

    @Test
    void leafThicknessCalibrationEchoesEachAnswer() {
        String protocol = MeasurementProtocol
                .parse(fixtureText("public/protocols/leaf-thickness-calibration-alert-prompt.json"))
                .compact();
        CollectingLink link = plugIn(fast().build());

        send(simulator, protocol + "\r\n");
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("\",\""));
        send(simulator, "+");
        await().atMost(TIMEOUT)
                .until(() -> SimulatorFixtures.questionsAsked(link.text()) == 2
                        && link.text().endsWith("\",\""));
        send(simulator, "0.5+");
        int rest = answerAll(simulator, link, "");

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        JsonNode recorded = SimulatorFixtures
                .flatSample(fixtureJson("public/measurements/leaf-thickness-calibration-alert-prompt_fw2.191.json"));
        JsonNode sets = reply.get("sample").get(0).get("set");
        assertThat(rest).isEqualTo(recorded.get(0).get("set").size() - 2);
        assertThat(sets.get(0).get("message").get(2).asText()).isEqualTo("ok");
        assertThat(sets.get(1).get("message").get(2).asText()).isEqualTo("0.5");
        for (int i = 2; i < sets.size(); i++) {
            assertThat(sets.get(i)).isEqualTo(recorded.get(0).get("set").get(i));
        }
    }

    @Test
    void cancelWhileWaitingForAnAnswerEndsTheRunWithoutChecksum() {
        CollectingLink link = plugIn(fast().output("spad-calibration-prompts_fw2.011").build());
        send(simulator, "[{\"spad\":[1]}]\r\n");
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("\"Insert panel 9\",\""));
        String asked = link.text();

        send(simulator, "-1+");
        send(simulator, "hello\r\n");

        await().atMost(TIMEOUT).until(() -> link.text().endsWith("Ready\n"));
        assertThat(link.text()).isEqualTo(asked + fixtureText("synthetic/serial/hello.raw"));
        assertThat(simulator.measurementsSent()).isZero();
    }

    @Test
    void answersSentAheadAreUsedInOrder() {
        CollectingLink link = plugIn(fast().output("spad-calibration-prompts_fw2.011").build());
        JsonNode recorded = fixtureJson("public/measurements/spad-calibration-prompts_fw2.011.json");
        int prompts = recorded.findValues("message").size();

        send(simulator, "[{\"spad\":[1]}]\r\n" + "+".repeat(prompts));

        JsonNode reply = assertChecksummedJson(awaitLines(link, 1));
        assertThat(prompts).isGreaterThan(1);
        assertThat(reply.get("sample")).isEqualTo(SimulatorFixtures.flatSample(recorded));
    }

    @Test
    void confirmAcknowledgesOrReportsCancel() {
        String protocol = "[{\"_protocol_set_\":[{\"label\":\"a\",\"confirm\":\"Proceed?\"},"
                + "{\"label\":\"b\",\"confirm\":\"Really?\"}]}]\r\n";
        CollectingLink link = plugIn(fast().build());

        send(simulator, protocol);
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("\"Proceed?\",\""));
        send(simulator, "yes+");
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("\"Really?\",\""));
        send(simulator, "1+");

        JsonNode sets = assertChecksummedJson(awaitLines(link, 1)).get("sample").get(0).get("set");
        assertThat(sets.get(0).get("message")).isEqualTo(json("[\"confirm\",\"Proceed?\",\"ok\"]"));
        assertThat(sets.get(1).get("message")).isEqualTo(json("[\"confirm\",\"Really?\",\"cancel\"]"));
    }
}
