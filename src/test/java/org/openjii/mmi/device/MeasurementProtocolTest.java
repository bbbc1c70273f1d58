package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MeasurementProtocolTest {

    @Test
    void shouldSerializeAPrettyPrintedProtocolCompactOnOneLine() throws Exception {
        String pretty = Fixtures.text("public/protocols/leaf-thickness-calibration-alert-prompt.json");
        assertThat(pretty).contains("\n  ");

        MeasurementProtocol protocol = MeasurementProtocol.parse(pretty);

        assertThat(protocol.compact()).doesNotContain("\n", "\r", ": ", ", ").startsWith("[{\"_protocol_set_\":[{");
        assertThat(DeviceJson.parse(protocol.compact())).isEqualTo(DeviceJson.parse(pretty));
    }

    @Test
    void shouldReproduceAProtocolStoredCompactByteForByte() {
        // rides.json is stored compact (4,913 B): key order and number spelling must survive the round trip.
        String stored = Fixtures.text("public/protocols/rides.json").strip();
        assertThat(stored).hasSize(4_913);

        MeasurementProtocol protocol = MeasurementProtocol.parse(stored);

        assertThat(protocol.compact()).isEqualTo(stored);
    }

    @Test
    void shouldSendTheCompactTextFollowedByOneCrLf() {
        MeasurementProtocol protocol = MeasurementProtocol.parse(Fixtures.text("public/protocols/par.json"));

        String sent = new String(protocol.commandBytes(), StandardCharsets.UTF_8);

        assertThat(sent).isEqualTo("[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]\r\n");
    }

    @Test
    void shouldWrapASingleProtocolSetIntoAnArray() {
        MeasurementProtocol protocol = MeasurementProtocol.parse("{ \"spad\" : [ 1 ] }");

        assertThat(protocol.compact()).isEqualTo(Fixtures.text("public/protocols/spad-legacy-mmi.json").strip());
        assertThat(protocol.tree().isArray()).isTrue();
    }

    @Test
    void shouldExplainTextThatIsNotJson() {
        assertThatIllegalArgumentException().isThrownBy(() -> MeasurementProtocol.parse("[{\"spad\":[1]"))
                .withMessageContaining("not valid JSON");
        assertThatIllegalArgumentException().isThrownBy(() -> MeasurementProtocol.parse("hello"))
                .withMessageContaining("not valid JSON");
    }

    @Test
    void shouldRejectEmptyInput() {
        for (String empty : new String[]{"", "   ", "\r\n"}) {
            assertThatIllegalArgumentException().as("'%s'", empty)
                    .isThrownBy(() -> MeasurementProtocol.parse(empty))
                    .withMessageContaining("empty");
        }
    }

    @Test
    void shouldRejectJsonThatIsNoArrayOfProtocolSets() {
        for (String notAProtocol : new String[]{"[]", "42", "\"spad\"", "null", "true"}) {
            assertThatIllegalArgumentException().as(notAProtocol)
                    .isThrownBy(() -> MeasurementProtocol.parse(notAProtocol))
                    .withMessageContaining("non-empty JSON array");
        }
    }

    @Test
    void shouldListTheQuestionsOfAnInteractiveProtocolInOrder() {
        MeasurementProtocol protocol = MeasurementProtocol
                .parse(Fixtures.text("public/protocols/leaf-thickness-calibration-alert-prompt.json"));

        assertThat(protocol.interactiveSteps()).extracting(MeasurementProtocol.InteractiveStep::type)
                .containsExactly("alert", "prompt", "prompt", "prompt", "prompt", "prompt", "prompt", "alert");
        assertThat(protocol.interactiveSteps().get(0).text()).isEqualTo("Leave the Leaf Clamp fully closed");
        assertThat(protocol.interactiveSteps().get(6).text()).contains("***Black***");
    }

    @Test
    void shouldFindTheQuestionOfAMessageKey() {
        MeasurementProtocol protocol = MeasurementProtocol
                .parse("[{\"_protocol_set_\":[{\"message\":[\"confirm\",\"Leaf in clamp?\"]}]}]");

        assertThat(protocol.interactiveSteps())
                .containsExactly(new MeasurementProtocol.InteractiveStep("confirm", "Leaf in clamp?"));
    }

    @Test
    void shouldTellWhetherTheRunWaitsForTheClamp() {
        assertThat(MeasurementProtocol.parse(Fixtures.text("public/protocols/rides.json")).waitsForClamp()).isTrue();
        assertThat(MeasurementProtocol.parse(Fixtures.text("public/protocols/phi2.json")).waitsForClamp()).isTrue();
        assertThat(MeasurementProtocol.parse(Fixtures.text("public/protocols/par.json")).waitsForClamp()).isFalse();
        assertThat(MeasurementProtocol.parse(Fixtures.text("public/protocols/spad.json")).waitsForClamp()).isFalse();
    }

    @Test
    void shouldFindKeysAtAnyDepthOfTheTree() {
        // Nested sets, a set inside an array inside a block: the firmware's reader finds a key wherever it is.
        assertThat(MeasurementProtocol.parse("[{\"_protocol_set_\":[{\"_protocol_set_\":[{\"label\":\"deep\","
                + "\"pulses\":[[{\"dw\":[14,1]}]]}]}]}]").usesKey("dw")).isTrue();
        assertThat(MeasurementProtocol.parse("[{\"label\":\"dw\",\"pulses\":[20]}]").usesKey("dw")).as("a value")
                .isFalse();
    }

    @Test
    void shouldFindKeysAtSetAndBlockLevel() {
        assertThat(MeasurementProtocol.parse("[{\"save\":[1]}]").usesKey("save")).isTrue();
        assertThat(
                MeasurementProtocol.parse("[{\"_protocol_set_\":[{\"label\":\"x\"},{\"save\":[1]}]}]").usesKey("save"))
                .isTrue();
        assertThat(MeasurementProtocol.parse(Fixtures.text("public/protocols/recall-settings.json")).usesKey("save"))
                .isFalse();
    }

    @Test
    void shouldDeriveTheTimeoutFromTheEstimate() {
        String lightResponseCurve = ProtocolTimeoutEstimatorTest.lightResponseCurve().toString();

        MeasurementProtocol protocol = MeasurementProtocol.parse(lightResponseCurve);

        assertThat(protocol.estimatedDuration()).isEqualTo(Duration.ofMillis(164_000));
        assertThat(protocol.defaultTimeout()).isEqualTo(Duration.ofMillis(338_000));
    }
}
