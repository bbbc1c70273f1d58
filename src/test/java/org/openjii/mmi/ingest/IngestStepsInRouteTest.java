package org.openjii.mmi.ingest;

import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The steps in the order the YAML ingest route uses them (parse, split, split EIP, enrich, topic, serialize) with a
 * dead-letter channel, to check what the dead-letter route sees. A test route only: the real routes are YAML.
 */
class IngestStepsInRouteTest {

    private static final String EXPERIMENT = "6f1c0d2e-0000-4000-8000-00000000e001";

    private CamelContext context;
    private ProducerTemplate producer;
    private MockEndpoint out;
    private MockEndpoint dlq;

    @BeforeEach
    void startRoutes() throws Exception {
        context = new DefaultCamelContext();
        IngestTopic topic = new IngestTopic();
        topic.setExperimentId(EXPERIMENT);
        SerializePayload serialize = new SerializePayload();
        serialize.setMaxPayloadBytes(20_000);
        context.addRoutes(new RouteBuilder() {

            @Override
            public void configure() {
                errorHandler(deadLetterChannel("direct:dead-letter").useOriginalBody());
                from("direct:ingest").routeId("ingest")
                        .process(new ParseMeasurement())
                        .process(new SplitMeasurement())
                        .split(body())
                        .process(new EnrichMeasurement())
                        .process(topic)
                        .process(serialize)
                        .to("mock:out");
                from("direct:dead-letter").routeId("dead-letter")
                        .process(new DeadLetterEnvelope())
                        .to("mock:dlq");
            }
        });
        context.start();
        producer = context.createProducerTemplate();
        out = context.getEndpoint("mock:out", MockEndpoint.class);
        dlq = context.getEndpoint("mock:dlq", MockEndpoint.class);
    }

    @AfterEach
    void stopRoutes() {
        context.stop();
    }

    private static JsonNode json(Exchange exchange) throws Exception {
        return DeviceJson.parse(exchange.getMessage().getBody(String.class));
    }

    @Test
    void shouldPublishAGoodRunToItsDataTopic() throws Exception {
        producer.sendBody("direct:ingest", IngestFixtures.output(IngestFixtures.RIDES));

        assertThat(dlq.getExchanges()).isEmpty();
        Exchange published = out.getExchanges().get(0);
        assertThat(published.getMessage().getHeader(IotConstants.TOPIC))
                .isEqualTo("experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/2/00:00:04:32");
        assertThat(json(published).get("timestamp").asText()).startsWith("2020-01-2");
    }

    @Test
    void shouldDeadLetterAHostileDeviceIdWithTheOriginalText() throws Exception {
        String hostile = IngestFixtures.output(IngestFixtures.PAR_RAW).replace("01:12:53:20", "a/b/#");

        producer.sendBody("direct:ingest", hostile);

        assertThat(out.getExchanges()).isEmpty();
        Exchange letter = dlq.getExchanges().get(0);
        JsonNode envelope = json(letter);
        assertThat(envelope.get("reason").asText()).isEqualTo("invalid-topic");
        assertThat(envelope.get("raw").asText()).isEqualTo(hostile);
        assertThat(envelope.get("device_id").asText()).isEqualTo("a/b/#");
        assertThat(envelope.get("route_id").asText()).isEqualTo("ingest");
        assertThat(letter.getMessage().getHeader(IotConstants.TOPIC))
                .isEqualTo("mmi/dlq/mmi/invalid-topic");
    }

    @Test
    void shouldDeadLetterADeviceErrorBeforeSplitting() throws Exception {
        String batteryLow = IngestFixtures.output(IngestFixtures.BATTERY_LOW);

        producer.sendBody("direct:ingest", batteryLow);

        JsonNode envelope = json(dlq.getExchanges().get(0));
        assertThat(envelope.get("reason").asText()).isEqualTo("device-error");
        assertThat(envelope.get("raw").asText()).isEqualTo(batteryLow);
        assertThat(envelope.get("error").asText()).contains("battery low");
    }

    @Test
    void shouldKeepTheChosenDataTopicInTheEnvelopeWhenTheLastStepFails() throws Exception {
        // 10,000 random counts: about 28 KB as gzip+base64, within what split allows but over this route's 20,000
        // byte serialize limit, so the failure comes after the topic was chosen.
        producer.sendBodyAndHeader("direct:ingest", IngestFixtures.randomOutput(1, 10_000, 2),
                IngestHeaders.EXPERIMENT_ID, "exp-from-header");

        assertThat(out.getExchanges()).isEmpty();
        JsonNode envelope = json(dlq.getExchanges().get(0));
        assertThat(envelope.get("reason").asText()).isEqualTo("payload-too-large");
        assertThat(envelope.get("topic").asText())
                .isEqualTo("experiment/data_ingest/v1/exp-from-header/multispeq/2/01:12:53:20");
        assertThat(envelope.get("message_id").asText()).isNotEqualTo(dlq.getExchanges()
                .get(0)
                .getMessage()
                .getHeader(IngestHeaders.RUN_ID));
    }

    @Test
    void shouldPublishEveryRunOfABackfillAndDeadLetterNone() throws Exception {
        producer.sendBody("direct:ingest", "[" + IngestFixtures.output(IngestFixtures.RIDES) + ","
                + IngestFixtures.output(IngestFixtures.PAR) + "]");

        assertThat(dlq.getExchanges()).isEmpty();
        List<Exchange> published = out.getExchanges();
        assertThat(published).hasSize(2);
        assertThat(published.get(0).getMessage().getHeader(IngestHeaders.RUN_ID))
                .isNotEqualTo(published.get(1).getMessage().getHeader(IngestHeaders.RUN_ID));
    }
}
