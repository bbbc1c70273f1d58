package org.openjii.mmi.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The steps as an integration engineer declares them: YAML {@code beans:} with every knob as a string. */
class IngestBeansFromYamlTest {

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    private void load(String yaml) throws Exception {
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("beans.camel.yaml", yaml));
    }

    @Test
    void shouldConfigureEveryStepFromStringProperties() throws Exception {
        load("""
                - beans:
                    - name: encoder
                      type: org.openjii.mmi.ingest.SampleEncoder
                      properties:
                        compressAboveBytes: "4096"
                        compressionLevel: "6"
                    - name: parse
                      type: org.openjii.mmi.ingest.ParseMeasurement
                    - name: split
                      type: org.openjii.mmi.ingest.SplitMeasurement
                      properties:
                        mode: sample
                        maxPayloadBytes: "65536"
                        reserveBytes: "1024"
                        encoder: "#bean:encoder"
                    - name: enrich
                      type: org.openjii.mmi.ingest.EnrichMeasurement
                      properties:
                        timezone: Europe/Amsterdam
                        encoder: "#bean:encoder"
                        protocolId: 3fa85f64-5717-4562-b3fc-2c963f66afa6
                        questions: '[{"question_label":"plot","question_text":"Which plot?","question_answer":"A1"}]'
                        annotations: "[]"
                        macros: ""
                    - name: topic
                      type: org.openjii.mmi.ingest.IngestTopic
                      properties:
                        template: "experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/multispeq_{deviceId}"
                        experimentId: 6f1c0d2e-0000-4000-8000-00000000e001
                    - name: serialize
                      type: org.openjii.mmi.ingest.SerializePayload
                      properties:
                        maxPayloadBytes: "131072"
                    - name: deadLetter
                      type: org.openjii.mmi.ingest.DeadLetterEnvelope
                      properties:
                        prefix: "mmi/dlq/{clientId}"
                        clientId: multispeq_0042
                        timezone: UTC
                        maxPayloadBytes: "131072"
                """);

        SplitMeasurement split = context.getRegistry().lookupByNameAndType("split", SplitMeasurement.class);
        assertThat(split.getMode()).isEqualTo("sample");
        assertThat(split.getMaxPayloadBytes()).isEqualTo(65536);
        assertThat(split.getEncoder().getCompressAboveBytes()).isEqualTo(4096);
        assertThat(split.getEncoder().getCompressionLevel()).isEqualTo(6);
        EnrichMeasurement enrich = context.getRegistry().lookupByNameAndType("enrich", EnrichMeasurement.class);
        assertThat(enrich.getEncoder()).isSameAs(split.getEncoder());
        assertThat(enrich.getTimezone()).isEqualTo("Europe/Amsterdam");
        assertThat(enrich.getQuestions()).contains("Which plot?");
        assertThat(enrich.getMacros()).isNull();
        IngestTopic topic = context.getRegistry().lookupByNameAndType("topic", IngestTopic.class);
        assertThat(topic.getTemplate()).endsWith("multispeq_{deviceId}");
        DeadLetterEnvelope deadLetter = context.getRegistry()
                .lookupByNameAndType("deadLetter",
                        DeadLetterEnvelope.class);
        assertThat(deadLetter.getClientId()).isEqualTo("multispeq_0042");
        assertThat(context.getRegistry().lookupByNameAndType("parse", ParseMeasurement.class)).isNotNull();
        assertThat(context.getRegistry().lookupByNameAndType("serialize", SerializePayload.class)).isNotNull();
    }

    @Test
    void shouldGiveTheShippedSplitAndEnrichOneEncoderWithTheCompressionKnob() throws Exception {
        Properties properties = new Properties();
        properties.setProperty("mmi.ingest.compress-above", "4096");
        properties.setProperty("mmi.ingest.split-mode", "run");
        properties.setProperty("mmi.mqtt.topic", "experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/"
                + "multispeq_{deviceId}");
        properties.setProperty("mmi.experiment-id", "6f1c0d2e-0000-4000-8000-00000000e001");
        context.getPropertiesComponent().setInitialProperties(properties);

        PluginHelper.getRoutesLoader(context)
                .loadRoutes(ResourceHelper.fromString("ingest.camel.yaml",
                        Files.readString(Path.of("routes/ingest.camel.yaml"))));

        SampleEncoder encoder = context.getRegistry().lookupByNameAndType("sampleEncoder", SampleEncoder.class);
        assertThat(encoder.getCompressAboveBytes()).isEqualTo(4096);
        assertThat(context.getRegistry().lookupByNameAndType("splitMeasurement", SplitMeasurement.class).getEncoder())
                .isSameAs(encoder);
        assertThat(context.getRegistry().lookupByNameAndType("splitPerSample", SplitMeasurement.class).getEncoder())
                .isSameAs(encoder);
        assertThat(context.getRegistry()
                .lookupByNameAndType("enrichMeasurement", EnrichMeasurement.class)
                .getEncoder()).isSameAs(encoder);
    }

    @Test
    void shouldFailAtStartupNamingAKnobWithABadValue() {
        assertThatThrownBy(() -> load("""
                - beans:
                    - name: topic
                      type: org.openjii.mmi.ingest.IngestTopic
                      properties:
                        template: "experiment/{experimentId}/{serial}"
                """)).hasStackTraceContaining("template").hasStackTraceContaining("serial");
    }
}
