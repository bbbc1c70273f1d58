package org.openjii.mmi.component.multispeq;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.integration.SimulatorFixtureAnswers;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.PromptNotAnswerableException;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.simulator.SimulatorFault;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The component on the in-process simulator (port=sim): fast checks of producer and consumer behaviour. */
class MultispeqSimulatedDeviceTest {

    private static final String LEAF_THICKNESS_PROTOCOL = "/fixtures/multispeq/public/protocols/leaf-thickness-calibration-alert-prompt.json";
    private static final String SIM = "port=sim&simulator=RAW(run-time=0s,pause=0ms)";

    private CamelContext context;
    private ProducerTemplate template;

    @BeforeEach
    void start() {
        context = new DefaultCamelContext();
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private void startContext() {
        context.start();
        template = context.createProducerTemplate();
    }

    @Test
    void shouldAnswerConsoleCommands() {
        startContext();
        String uri = "multispeq:sim?" + SIM;

        assertThat(template.requestBody(uri, "hello", String.class)).isEqualTo("MultispeQ Ready");
        Map<?, ?> info = template.requestBody(uri, "device_info", Map.class);
        assertThat(info.get("device_id")).isEqualTo("01:12:53:20");
        assertThat(template.requestBody(uri, "memory", String.class)).startsWith("heap used = ");
    }

    /** The simulator works on a thread of the context's ExecutorServiceManager, named for it and gone at stop. */
    @Test
    void shouldRunTheSimulatorOnACamelThreadThatStopsWithTheContext() {
        startContext();
        template.requestBody("multispeq:sim?" + SIM, "hello", String.class);

        assertThat(simulatorThreads()).singleElement()
                .asString()
                .startsWith("Camel (" + context.getName() + ") thread #")
                .endsWith(" - MultispeqSimulator[sim]");
        context.stop();
        await().atMost(Duration.ofSeconds(5)).until(() -> simulatorThreads().isEmpty());
    }

    private List<String> simulatorThreads() {
        return Thread.getAllStackTraces()
                .keySet()
                .stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("Camel (" + context.getName() + ") thread #")
                        && name.contains("MultispeqSimulator["))
                .toList();
    }

    @Test
    void shouldRunAProtocolFromTheBodyAndReturnItParsed() throws Exception {
        startContext();

        Exchange reply = template.request("multispeq:sim?" + SIM,
                e -> e.getIn().setBody("[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]"));

        assertThat(reply.getException()).isNull();
        JsonNode expected = DeviceJson.mapper()
                .readTree(getClass().getResourceAsStream(
                        "/fixtures/multispeq/public/measurements/par_fw2.3465.json"));
        JsonNode got = DeviceJson.mapper().valueToTree(reply.getMessage().getBody());
        assertThat(got.get("sample")).isEqualTo(expected.get("sample"));
        assertThat(reply.getMessage().getHeader(MultispeqConstants.CRC_STATUS)).isEqualTo("VALID");
    }

    @Test
    void shouldDenyACommandThatWritesWithoutTouchingTheDevice() {
        startContext();

        Exchange reply = template.request("multispeq:sim?" + SIM, e -> e.getIn().setBody("set_device_info+1234+"));

        assertThat(reply.getException()).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        assertThat(reply.getMessage().getHeader(MultispeqConstants.ERROR_REASON)).isEqualTo("denied");
        assertThat(reply.getMessage().getBody()).isEqualTo("set_device_info+1234+");
    }

    @Test
    void shouldRejectAMalformedProtocolAsABadRequest() {
        startContext();

        Exchange reply = template.request("multispeq:sim?" + SIM, e -> e.getIn().setBody("[{\"averages\":"));

        assertThat(reply.getException()).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.INVALID_PROTOCOL)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void shouldRejectAnUnansweredPromptBeforeSendingIt() {
        startContext();

        Exchange reply = template.request("multispeq:sim?" + SIM, e -> e.getIn()
                .setBody(
                        "[{\"_protocol_set_\":[{\"label\":\"thick\",\"prompt\":\"Card?\",\"environmental\":[[\"thickness_raw\"]]}]}]"));

        assertThat(reply.getException()).isInstanceOf(PromptNotAnswerableException.class)
                .hasMessageContaining("Card?");
    }

    @Test
    void shouldRejectAProtocolWithMoreQuestionsThanAnswers() {
        startContext();

        Exchange reply = template.request("multispeq:sim?" + SIM + "&answers=RAW(,0.22)",
                e -> e.getIn().setBody(getClass().getResourceAsStream(LEAF_THICKNESS_PROTOCOL)));

        assertThat(reply.getException()).isInstanceOf(PromptNotAnswerableException.class)
                .hasMessageContaining("Clamp the ***Blue*** Thickness Calibration Card");
    }

    @Test
    void shouldAnswerEveryQuestionOfAnInteractiveProtocol() throws Exception {
        startContext();
        JsonNode fixture = SimulatorFixtureAnswers.fixture("leaf-thickness-calibration-alert-prompt_fw2.191");
        String answers = String.join(",", SimulatorFixtureAnswers.recordedAnswers(fixture));

        Exchange reply = template.request(
                "multispeq:sim?" + SIM + "&acknowledgeAlerts=true&answers=RAW(" + answers + ")&parseJson=false",
                e -> e.getIn().setBody(getClass().getResourceAsStream(LEAF_THICKNESS_PROTOCOL)));

        assertThat(reply.getException()).isNull();
        JsonNode got = DeviceJson.parse(reply.getMessage().getBody(String.class));
        assertThat(got.get("sample")).isEqualTo(SimulatorFixtureAnswers.flatSample(fixture));
    }

    @Test
    void shouldDeliverACorruptMeasurementAsAFailedExchangeWithRawBytes() throws Exception {
        context.addRoutes(new RouteBuilder() {

            @Override
            public void configure() {
                errorHandler(deadLetterChannel("mock:dead").useOriginalMessage());
                from("multispeq:sim?" + SIM + "&protocol=classpath:protocols/par.json&interval=100")
                        .routeId("measure")
                        .to("mock:ok");
            }
        });
        startContext();
        context.getComponent("multispeq", MultispeqComponent.class)
                .getSimulatedDevice("sim")
                .simulator()
                .injectNext(SimulatorFault.NAN_TOKENS);
        MockEndpoint ok = context.getEndpoint("mock:ok", MockEndpoint.class);
        ok.expectedMinimumMessageCount(2);

        ok.assertIsSatisfied(TimeUnit.SECONDS.toMillis(10));

        assertThat(ok.getExchanges()).anySatisfy(e -> assertThat(
                e.getIn().getHeader(MultispeqConstants.SANITIZED_TOKENS, Integer.class)).isPositive());
        assertThat(ok.getExchanges()).allSatisfy(e -> assertThat(e.getIn().getBody(String.class))
                .doesNotContain("nan")
                .doesNotContain("inf"));
        assertThat(context.getEndpoint("mock:dead", MockEndpoint.class).getReceivedCounter()).isZero();
    }

    @Test
    void shouldWaitForTheFirstHandshakeInsteadOfFailingAtOnce() {
        startContext();

        String reply = template.requestBody("multispeq:fresh?port=sim:fresh&simulator=RAW(run-time=0s)&timeout="
                + Duration.ofSeconds(5).toMillis(),
                "hello", String.class);

        assertThat(reply).isEqualTo("MultispeQ Ready");
    }
}
