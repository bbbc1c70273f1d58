package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.MultispeqTimeoutException;
import org.openjii.mmi.device.PromptNotAnswerableException;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.SchemaFile;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ParseCommandRequest} and {@link BuildCommandResponse} as route steps, on Camel exchanges. */
class CommandStepsTest {

    private static final CamelContext CONTEXT = new DefaultCamelContext();
    private static final SchemaFile RESPONSE = SchemaFile.load("mmi-command-response.schema.json");
    private static final Instant RECEIVED = Instant.parse("2026-03-09T09:30:00Z");

    private final ParseCommandRequest parse = new ParseCommandRequest();
    private final BuildCommandResponse respond = new BuildCommandResponse();

    CommandStepsTest() {
        parse.setClock(Clock.fixed(RECEIVED, ZoneOffset.UTC));
        respond.setClock(Clock.fixed(RECEIVED.plusMillis(1234), ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        CONTEXT.stop();
    }

    private static Exchange exchange(Object body) {
        Exchange exchange = new DefaultExchange(CONTEXT);
        exchange.getMessage().setBody(body);
        return exchange;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The response body, checked against the schema. */
    private static JsonNode response(Exchange exchange) throws Exception {
        String json = exchange.getMessage().getBody(String.class);
        RESPONSE.assertValid(json);
        return DeviceJson.parse(json);
    }

    @Test
    void shouldTurnAConsoleCommandIntoWhatTheDeviceRouteSends() throws Exception {
        Exchange exchange = exchange(utf8("{\"command\":\" battery \",\"device\":\"multispeq-2\"}"));

        parse.process(exchange);

        Message out = exchange.getMessage();
        assertThat(out.getBody()).isEqualTo(new CommandRequest.ConsoleCommand("battery", "multispeq-2"));
        assertThat(out.getHeader(CommandHeaders.KIND)).isEqualTo("command");
        assertThat(out.getHeader(CommandHeaders.DEVICE)).isEqualTo("multispeq-2");
        assertThat(out.getHeader(MultispeqConstants.COMMAND)).isEqualTo("battery");
        assertThat(out.getHeader(CommandHeaders.RECEIVED_AT)).isEqualTo(RECEIVED);
    }

    @Test
    void shouldReadTextBodiesToo() throws Exception {
        Exchange exchange = exchange("{\"action\":\"cancel\"}");

        parse.process(exchange);

        assertThat(exchange.getMessage().getBody()).isEqualTo(new CommandRequest.Cancel(null));
        assertThat(exchange.getMessage().getHeader(MultispeqConstants.COMMAND)).isEqualTo("-1+");
        assertThat(exchange.getMessage().getHeaders()).doesNotContainKey(CommandHeaders.DEVICE);
    }

    @Test
    void shouldHandTheIdsOfAProtocolRunToTheIngestPipeline() throws Exception {
        Exchange exchange = exchange(utf8("{\"protocol\":[{\"pulses\":[20]}],\"experiment_id\":\"exp-1\","
                + "\"protocol_id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\"}"));

        parse.process(exchange);

        Message out = exchange.getMessage();
        assertThat(out.getHeader(CommandHeaders.KIND)).isEqualTo("protocol");
        assertThat(out.getHeader(MultispeqConstants.COMMAND)).isEqualTo("[{\"pulses\":[20]}]");
        assertThat(out.getHeader(IngestHeaders.EXPERIMENT_ID)).isEqualTo("exp-1");
        assertThat(out.getHeader(IngestHeaders.PROTOCOL_ID)).isEqualTo("3fa85f64-5717-4562-b3fc-2c963f66afa6");
    }

    @Test
    void shouldKeepTheTimeTheTransportReceivedTheRequest() throws Exception {
        Instant arrived = RECEIVED.minusSeconds(3);
        Exchange exchange = exchange(utf8("{\"action\":\"status\"}"));
        exchange.getMessage().setHeader(CommandHeaders.RECEIVED_AT, arrived);

        parse.process(exchange);

        assertThat(exchange.getMessage().getHeader(CommandHeaders.RECEIVED_AT)).isEqualTo(arrived);
    }

    @Test
    void shouldNotLetHeadersThatCameWithTheMessagePassTheChecks() throws Exception {
        // As if the transport had copied MQTT user properties into headers.
        Exchange exchange = exchange(utf8("{\"action\":\"status\"}"));
        exchange.getMessage()
                .setHeaders(new HashMap<>(Map.of(MultispeqConstants.COMMAND, "reboot",
                        CommandHeaders.DEVICE, "other", IngestHeaders.EXPERIMENT_ID, "a/b", IngestHeaders.PROTOCOL_ID,
                        "p",
                        CommandHeaders.KIND, "command")));

        parse.process(exchange);

        assertThat(exchange.getMessage().getHeaders()).doesNotContainKeys(MultispeqConstants.COMMAND,
                CommandHeaders.DEVICE, IngestHeaders.EXPERIMENT_ID, IngestHeaders.PROTOCOL_ID)
                .containsEntry(CommandHeaders.KIND, "status");
    }

    @Test
    void shouldFailAMalformedRequestAndKeepItsBodyForTheDeadLetter() {
        byte[] payload = utf8("{\"comand\":\"battery\"}");
        Exchange exchange = exchange(payload);

        assertThatThrownBy(() -> parse.process(exchange)).isInstanceOf(BadCommandRequestException.class)
                .hasMessageStartingWith("Unknown field \"comand\"");
        assertThat(exchange.getMessage().getBody()).isSameAs(payload);
    }

    @Test
    void shouldFailABodyThatIsNoRequest() {
        assertThatThrownBy(() -> parse.process(exchange(null))).isInstanceOf(BadCommandRequestException.class)
                .hasMessageStartingWith("The request is empty");
        assertThatThrownBy(() -> parse.process(exchange(new Object()))).isInstanceOf(BadCommandRequestException.class)
                .hasMessageStartingWith("The request is not valid JSON: Unrecognized token 'java'");
    }

    @Test
    void shouldDenyWithTheKindKnownAndNothingForTheDevice() {
        Exchange exchange = exchange(utf8("{\"command\":\"reboot\",\"device\":\"multispeq\"}"));
        exchange.getMessage().setHeader(MultispeqConstants.COMMAND, "reboot");

        assertThatThrownBy(() -> parse.process(exchange)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        assertThat(exchange.getMessage().getHeaders()).containsEntry(CommandHeaders.KIND, "command")
                .containsEntry(CommandHeaders.DEVICE, "multispeq")
                .doesNotContainKey(MultispeqConstants.COMMAND);
    }

    @Test
    void shouldAllowWhatIsEnabledByNameAndAcknowledgeAlertsWhenConfigured() throws Exception {
        parse.setAllowCommands("set_shutdown_time, save");
        parse.setAcknowledgeAlerts(true);

        parse.process(exchange(utf8("{\"command\":\"set_shutdown_time+1800+\"}")));
        parse.process(exchange(utf8("{\"protocol\":[{\"alert\":\"Close the clamp\",\"save\":[[1,2]]}]}")));

        parse.setAcknowledgeAlerts(false);
        assertThatThrownBy(() -> parse.process(exchange(utf8("{\"protocol\":[{\"alert\":\"Close the clamp\"}]}"))))
                .isInstanceOf(PromptNotAnswerableException.class);
        parse.setAllowCommands("");
        assertThatThrownBy(() -> parse.process(exchange(utf8("{\"command\":\"set_shutdown_time+1800+\"}"))))
                .isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
    }

    @Test
    void shouldAnswerWithTheDevicesReplyAndTheTimeSinceTheRequestArrived() throws Exception {
        Exchange exchange = exchange(Map.of("battery", 87));
        exchange.getMessage().setHeader(CommandHeaders.RECEIVED_AT, RECEIVED);
        exchange.getMessage().setHeader(CommandHeaders.ERROR_CODE, "stale");

        respond.process(exchange);

        assertThat(response(exchange).toString()).isEqualTo("{\"ok\":true,\"result\":{\"battery\":87},"
                + "\"duration_ms\":1234}");
        assertThat(exchange.getMessage().getHeaders()).containsEntry(Exchange.CONTENT_TYPE, "application/json")
                .doesNotContainKey(CommandHeaders.ERROR_CODE);
    }

    @Test
    void shouldCountFromTheExchangesCreationWithoutAReceivedTime() throws Exception {
        Exchange exchange = exchange("MultispeQ Ready");
        respond.setClock(Clock.fixed(Instant.ofEpochMilli(exchange.getClock().getCreated() + 250), ZoneOffset.UTC));

        respond.process(exchange);

        assertThat(response(exchange).get("duration_ms").asLong()).isEqualTo(250);
    }

    @Test
    void shouldListTheMessageIdsTheRouteCollected() throws Exception {
        Exchange run = exchange(null);
        run.getMessage().setHeader(CommandHeaders.RECEIVED_AT, RECEIVED);
        run.getMessage().setHeader(CommandHeaders.MESSAGE_IDS, List.of("id-1", "id-2"));
        Exchange single = exchange(null);
        single.getMessage().setHeader(CommandHeaders.RECEIVED_AT, RECEIVED);
        single.getMessage().setHeader(CommandHeaders.MESSAGE_IDS, "id-3");

        respond.process(run);
        respond.process(single);

        assertThat(response(run).get("message_ids").toString()).isEqualTo("[\"id-1\",\"id-2\"]");
        assertThat(response(single).get("message_ids").toString()).isEqualTo("[\"id-3\"]");
    }

    @Test
    void shouldAnswerTheFailureAnErrorHandlerCaught() throws Exception {
        Exchange exchange = exchange(utf8("{\"command\":\"battery\"}"));
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new MultispeqTimeoutException("No reply from 'battery'"
                + " within 5000 ms", null));

        respond.process(exchange);

        assertThat(response(exchange).toString()).isEqualTo("{\"ok\":false,\"error\":{\"code\":\"timeout\","
                + "\"message\":\"No reply from 'battery' within 5000 ms\"}}");
        assertThat(exchange.getMessage().getHeader(CommandHeaders.ERROR_CODE)).isEqualTo("timeout");
    }

    @Test
    void shouldAnswerAFailureStillOnTheExchange() throws Exception {
        Exchange exchange = exchange(null);
        exchange.setException(new CommandBusyException(8));

        respond.process(exchange);

        assertThat(response(exchange).at("/error/code").asText()).isEqualTo("busy");
    }

    @Test
    void shouldConfigureTheStepsFromYamlBeans() throws Exception {
        CamelContext context = new DefaultCamelContext();
        try {
            PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("commands.camel.yaml", """
                    - beans:
                        - name: parseCommandRequest
                          type: org.openjii.mmi.control.ParseCommandRequest
                          properties:
                            allowCommands: "save,set_shutdown_time"
                            acknowledgeAlerts: "true"
                        - name: buildCommandResponse
                          type: org.openjii.mmi.control.BuildCommandResponse
                    """));

            ParseCommandRequest configured = context.getRegistry()
                    .lookupByNameAndType("parseCommandRequest", ParseCommandRequest.class);
            assertThat(configured.getAllowCommands()).isEqualTo("save,set_shutdown_time");
            assertThat(configured.isAcknowledgeAlerts()).isTrue();
            Exchange enabled = exchange(utf8("{\"command\":\"set_shutdown_time+1800+\"}"));
            configured.process(enabled);
            assertThat(enabled.getMessage().getHeader(MultispeqConstants.COMMAND)).isEqualTo("set_shutdown_time+1800+");
            assertThat(context.getRegistry().lookupByNameAndType("buildCommandResponse", BuildCommandResponse.class))
                    .isNotNull();
        } finally {
            context.stop();
        }
    }
}
