package org.openjii.mmi.component.multispeq.integration;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.InvalidJsonException;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The device link against each firmware profile of the simulator on a real pseudo-terminal pair: the leaf-thickness
 * calibration (alert, six prompts, alert) answered from configured answers whether the device prints the answer's
 * opening quote before it waits (fw 2.x) or only with the answer (fw 1.x), and the handshake, {@code battery},
 * {@code 1007} and {@code print_memory} of every profile.
 */
class FirmwareProfilesPtyIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String LEAF_THICKNESS = "leaf-thickness-calibration-alert-prompt_fw2.191";
    private static final List<String> CARD_THICKNESSES = List.of("0.11", "0.22", "0.33", "0.44", "0.55", "0.66");

    @TempDir
    Path dir;

    private CamelContext context;
    private PtySimulator pty;

    @BeforeEach
    void requireSocat() {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        context = new DefaultCamelContext();
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
        if (pty != null) {
            pty.close();
        }
    }

    private String start(String firmware, String output) throws Exception {
        SimulatorOptions.Builder options = SimulatorOptions.builder()
                .runTime(Duration.ZERO)
                .chunkPause(Duration.ofMillis(1))
                .firmware(firmware)
                .battery(77);
        if (output != null) {
            options.output(output);
        }
        pty = PtySimulator.start(dir.resolve("ttyMSQ"), options.build());
        return pty.hostLink().toString();
    }

    /** Every message array of the sample, in order: [type, text, answer]. */
    private static List<JsonNode> messages(JsonNode node, List<JsonNode> into) {
        if (node.isObject()) {
            JsonNode message = node.get("message");
            if (message != null && message.isArray() && message.size() == 3) {
                into.add(message);
            }
            node.forEach(child -> messages(child, into));
        } else if (node.isArray()) {
            node.forEach(child -> messages(child, into));
        }
        return into;
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.17", "1.20", "2.x"})
    void shouldAnswerEveryQuestionOfTheLeafThicknessProtocolOnce(String firmware) throws Exception {
        String port = start(firmware, LEAF_THICKNESS);
        context.addRoutes(new RouteBuilder() {

            @Override
            public void configure() {
                errorHandler(deadLetterChannel("mock:dead").useOriginalMessage());
                from("multispeq:lab?port=" + port
                        + "&protocol=classpath:fixtures/multispeq/public/protocols/leaf-thickness-calibration-alert-prompt.json"
                        + "&acknowledgeAlerts=true&answers=RAW(" + String.join(",", CARD_THICKNESSES) + ")")
                        .to("mock:measurements");
            }
        });
        MockEndpoint measurements = context.getEndpoint("mock:measurements", MockEndpoint.class);
        measurements.expectedMinimumMessageCount(1);
        context.start();

        measurements.assertIsSatisfied(WAIT.toMillis());

        Exchange got = measurements.getExchanges().get(0);
        assertThat(got.getIn().getHeader(MultispeqConstants.CRC_STATUS)).isEqualTo("VALID");
        List<JsonNode> asked = messages(DeviceJson.parse(got.getIn().getBody(String.class)).get("sample"),
                new ArrayList<>());
        List<String> answered = asked.stream().map(m -> m.get(0).asText() + "=" + m.get(2).asText()).toList();
        List<String> expected = new ArrayList<>();
        expected.add("alert=ok");
        CARD_THICKNESSES.forEach(t -> expected.add("prompt=" + t));
        expected.add("alert=ok");
        assertThat(answered).isEqualTo(expected);
        assertThat(context.getEndpoint("mock:dead", MockEndpoint.class).getReceivedCounter()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.17", "1.20", "2.x"})
    void shouldReadTheHandshakeBatteryAndDeviceInfoOfEveryProfile(String firmware) throws Exception {
        String port = start(firmware, null);
        context.start();
        ProducerTemplate template = context.createProducerTemplate();
        String uri = "multispeq:lab?port=" + port;

        Exchange battery = template.request(uri, e -> e.getIn().setBody("battery"));
        Exchange info = template.request(uri, e -> e.getIn().setBody("1007"));

        DeviceSession session = context.getComponent("multispeq", MultispeqComponent.class).session(port);
        assertThat(session.deviceInfo().firmware()).isEqualTo(pty.simulator().options().firmware());
        assertThat(session.deviceInfo().battery()).isEqualTo(77);
        assertThat(battery.getException()).isNull();
        assertThat(battery.getMessage().getHeader(MultispeqConstants.DEVICE_BATTERY)).isEqualTo(77);
        assertThat(battery.getMessage().getBody(String.class))
                .isEqualTo("2.x".equals(firmware) ? "battery:77" : "{\"battery\":77}");
        assertThat(info.getException()).isNull();
        assertThat(info.getMessage().getHeader(MultispeqConstants.CRC_STATUS))
                .isEqualTo("2.x".equals(firmware) ? "ABSENT" : "VALID");
        Map<?, ?> fields = info.getMessage().getBody(Map.class);
        assertThat(fields.get("configuration")).isNotNull();
        if ("2.x".equals(firmware)) {
            assertThat(fields.get("settings")).isNotNull();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.17", "2.x"})
    void shouldReadPrintMemoryOfTheProfilesThatPrintJson(String firmware) throws Exception {
        String port = start(firmware, null);
        context.start();

        Exchange memory = context.createProducerTemplate()
                .request("multispeq:lab?port=" + port, e -> e.getIn().setBody("print_memory"));

        assertThat(memory.getException()).isNull();
        assertThat(memory.getMessage().getHeader(MultispeqConstants.CRC_STATUS))
                .isEqualTo("2.x".equals(firmware) ? "ABSENT" : "VALID");
        Map<?, ?> fields = memory.getMessage().getBody(Map.class);
        assertThat(fields.get("device_id")).isEqualTo(pty.simulator().options().deviceId());
    }

    @Test
    void shouldFailPrintMemoryOfFirmware120AsInvalidJsonWithAllItsBytes() throws Exception {
        String port = start("1.20", null);
        context.start();

        Exchange memory = context.createProducerTemplate()
                .request("multispeq:lab?port=" + port, e -> e.getIn().setBody("print_memory"));

        assertThat(memory.getException()).isInstanceOf(InvalidJsonException.class);
        MultispeqException failure = (MultispeqException) memory.getException();
        assertThat(failure.reason().code()).isEqualTo("invalid-json");
        assertThat(new String(failure.rawBytes())).startsWith("{\n\"device_id\":").contains("\"userdef99\":\"0.000\"");
    }
}
