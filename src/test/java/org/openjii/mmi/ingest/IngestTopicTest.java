package org.openjii.mmi.ingest;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.topic.InvalidTopicException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.openjii.mmi.ingest.IngestFixtures.exchange;

class IngestTopicTest {

    private static final String EXPERIMENT = "6f1c0d2e-0000-4000-8000-00000000e001";

    private final IngestTopic topic = new IngestTopic();

    private static Exchange enriched(String deviceId, String deviceVersion) {
        Exchange exchange = exchange("{}");
        exchange.getMessage().setHeader(IngestHeaders.DEVICE_ID, deviceId);
        exchange.getMessage().setHeader(IngestHeaders.DEVICE_VERSION, deviceVersion);
        return exchange;
    }

    @Test
    void shouldBuildTheLeanIngestTopicAndSetBothHeaders() throws Exception {
        topic.setExperimentId(EXPERIMENT);
        Exchange exchange = enriched("01:12:53:20", "2");

        topic.process(exchange);

        String expected = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/2/01:12:53:20";
        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC)).isEqualTo(expected);
        assertThat(exchange.getMessage().getHeader(IotConstants.TOPIC)).isEqualTo(expected);
        assertThat(exchange.getMessage().getBody()).isEqualTo("{}");
    }

    @Test
    void shouldMatchTheOpenJiiExampleTopicWithTheThingNameAsSensorId() throws Exception {
        topic.setExperimentId(EXPERIMENT);
        topic.setSensorId("multispeq_01:12:53:20");
        Exchange exchange = enriched("01:12:53:20", "2");

        topic.process(exchange);

        assertThat(IngestFixtures.text(IngestFixtures.MQTT + "topics.txt"))
                .contains("lean (current): " + exchange.getMessage().getHeader(IngestHeaders.TOPIC) + "\n");
    }

    @Test
    void shouldLetTheExperimentHeaderWinAndStripTheVersionPrefix() throws Exception {
        topic.setExperimentId("configured");
        Exchange exchange = enriched("01:12:53:20", "v1.0");
        exchange.getMessage().setHeader(IngestHeaders.EXPERIMENT_ID, "asked-for");

        topic.process(exchange);

        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC))
                .isEqualTo("experiment/data_ingest/v1/asked-for/multispeq/1.0/01:12:53:20");
    }

    @Test
    void shouldReadTheDeviceFromTheMessageWhenTheHeadersAreMissing() throws Exception {
        topic.setExperimentId(EXPERIMENT);
        EnrichMeasurement enrich = new EnrichMeasurement();
        Exchange exchange = exchange(enrich.build(MeasurementPart.whole(IngestFixtures.measurement(
                IngestFixtures.RIDES)), null));

        topic.process(exchange);

        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC, String.class)).endsWith("/2/00:00:04:32");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b/#", "+", "#", "$SYS", "", "nul\u0000byte", "tab\tid"})
    void shouldNeverPutAHostileDeviceIdIntoATopic(String deviceId) {
        topic.setExperimentId(EXPERIMENT);

        InvalidTopicException failure = catchThrowableOfType(InvalidTopicException.class,
                () -> topic.process(enriched(deviceId, "2")));

        assertThat(failure).isNotNull();
        assertThat(failure.reason().code()).isEqualTo("invalid-topic");
        assertThat(failure.segment()).isEqualTo("sensorId");
        assertThat(failure.value()).isEqualTo(deviceId);
        assertThat(failure.getMessage()).startsWith("sensorId");
    }

    @Test
    void shouldRefuseA300ByteDeviceId() {
        topic.setExperimentId(EXPERIMENT);
        String deviceId = "d".repeat(300);

        assertThatThrownBy(() -> topic.process(enriched(deviceId, "2"))).isInstanceOf(InvalidTopicException.class)
                .hasMessageContaining("300 bytes");
    }

    @Test
    void shouldRefuseARunWithoutExperimentOrVersion() {
        InvalidTopicException noExperiment = catchThrowableOfType(InvalidTopicException.class,
                () -> topic.process(enriched("01:12:53:20", "2")));
        topic.setExperimentId(EXPERIMENT);
        InvalidTopicException noVersion = catchThrowableOfType(InvalidTopicException.class,
                () -> topic.process(enriched("01:12:53:20", null)));

        assertThat(noExperiment.segment()).isEqualTo("experimentId");
        assertThat(noVersion.segment()).isEqualTo("sensorVersion");
    }

    @Test
    void shouldRefuseBadKnobsAtConfigurationTime() {
        assertThatThrownBy(() -> topic.setTemplate("experiment/{experimentId}/{protocolId}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("protocolId");
        assertThatThrownBy(() -> topic.setTemplate("a/b/c/d/e/f/g/h/{sensorId}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slashes");
        assertThatThrownBy(() -> topic.setExperimentId("exp/1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("experimentId");
        assertThatThrownBy(() -> topic.setSensorId("#")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sensorId");
    }

    @Test
    void shouldFillACustomTemplateWithTheDeviceId() throws Exception {
        topic.setTemplate("experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/multispeq_{deviceId}");
        topic.setExperimentId(EXPERIMENT);
        topic.setSensorId("ignored-here");
        Exchange exchange = enriched("01:12:53:20", "2");

        topic.process(exchange);

        assertThat(exchange.getMessage().getHeader(IngestHeaders.TOPIC, String.class))
                .endsWith("/multispeq/2/multispeq_01:12:53:20");
    }
}
