package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.message.FailureReason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openjii.mmi.ingest.IngestFixtures.FLUORESCENCE;
import static org.openjii.mmi.ingest.IngestFixtures.PAR_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.RIDES;
import static org.openjii.mmi.ingest.IngestFixtures.exchange;
import static org.openjii.mmi.ingest.IngestFixtures.measurement;

class SplitMeasurementTest {

    private final SplitMeasurement split = new SplitMeasurement();

    private static Measurement parse(String output) throws IngestException {
        List<Measurement> runs = new ParseMeasurement().parse(output.getBytes(StandardCharsets.UTF_8), output, null,
                null);
        assertThat(runs).hasSize(1);
        return runs.get(0);
    }

    /** The size of the message the part becomes with default enrich and serialize steps. */
    /** The bytes of the message enrich and serialize make of the part, as in the route. */
    private static int messageBytes(MeasurementPart part) throws Exception {
        EnrichMeasurement enrich = new EnrichMeasurement();
        enrich.setTimezone("UTC");
        Exchange exchange = IngestFixtures.exchange(part);
        enrich.process(exchange);
        new SerializePayload().process(exchange);
        return exchange.getMessage().getBody(String.class).getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void shouldKeepARunWholeByDefault() throws Exception {
        Measurement par = measurement(PAR_RAW);

        List<MeasurementPart> parts = split.split(par);

        assertThat(parts).singleElement().satisfies(part -> {
            assertThat(part.split()).isNull();
            assertThat(part.samples()).isSameAs(par.sample());
            assertThat(part.encoded().compressed()).isFalse();
        });
    }

    @Test
    void shouldKeepThe66KbFluorescenceOutputInOneCompressedMessage() throws Exception {
        List<MeasurementPart> parts = split.split(measurement(FLUORESCENCE));

        assertThat(parts).singleElement().satisfies(part -> {
            assertThat(part.split()).isNull();
            assertThat(part.encoded().encoding()).isEqualTo("gzip+base64");
            assertThat(messageBytes(part)).isBetween(20_000, 24_000);
        });
    }

    @Test
    void shouldPredictTheSizeOfTheMessageEnrichBuilds() throws Exception {
        for (String path : IngestFixtures.dataOutputs()) {
            MeasurementPart part = split.split(measurement(path)).get(0);

            assertThat(SplitMeasurement.size(part)).as(path).isEqualTo(messageBytes(part));
        }
    }

    /** The parts of a split run carry more ({@code _split}, {@code workbook_run_id}): measured too. */
    @Test
    void shouldPredictTheSizeOfEveryPartOfASplitRun() throws Exception {
        split.setMode("sample");
        for (String path : IngestFixtures.dataOutputs()) {
            for (MeasurementPart part : split.split(measurement(path))) {
                assertThat(SplitMeasurement.size(part)).as(path).isEqualTo(messageBytes(part));
            }
        }
    }

    @Test
    void shouldSplitARunTooLargeEvenCompressedBySample() throws Exception {
        // Three samples of 20,000 random counts: about 70 KB each as gzip+base64, 210 KB together.
        Measurement big = parse(IngestFixtures.randomOutput(3, 20_000, 42));

        List<MeasurementPart> parts = split.split(big);

        assertThat(parts).hasSize(3);
        for (int i = 0; i < 3; i++) {
            MeasurementPart part = parts.get(i);
            assertThat(part.split()).isEqualTo(new MeasurementPart.Split(i, 3, big.runId()));
            assertThat(part.samples().tree()).containsExactly(big.sample().tree().get(i));
            assertThat(messageBytes(part)).isLessThanOrEqualTo(SplitMeasurement.DEFAULT_MAX_PAYLOAD_BYTES);
        }
    }

    @Test
    void shouldRefuseASingleSampleThatAloneExceedsTheLimit() throws Exception {
        Measurement huge = parse(IngestFixtures.randomOutput(1, 60_000, 7));

        assertThatThrownBy(() -> split.split(huge)).isInstanceOf(IngestException.class)
                .hasMessageContaining("only sample")
                .satisfies(e -> assertThat(((IngestException) e).reason().code()).isEqualTo("payload-too-large"));
    }

    @Test
    void shouldRefuseTheOneHugeSampleOfASplitRun() throws Exception {
        String output = IngestFixtures.randomOutput(2, 60_000, 7);

        assertThatThrownBy(() -> split.split(parse(output))).isInstanceOf(IngestException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.PAYLOAD_TOO_LARGE)
                .hasMessageContaining("sample 0 of 2 alone");
    }

    @Test
    void shouldGiveOnePartPerSampleInSampleMode() throws Exception {
        split.setMode("sample");
        Measurement run = parse(IngestFixtures.randomOutput(4, 10, 1));

        List<MeasurementPart> parts = split.split(run);

        assertThat(parts).hasSize(4);
        assertThat(parts).extracting(part -> part.split().index()).containsExactly(0, 1, 2, 3);
        assertThat(parts).allSatisfy(part -> {
            assertThat(part.split().count()).isEqualTo(4);
            assertThat(part.split().runId()).isEqualTo(run.runId());
            assertThat(part.samples().tree()).hasSize(1);
        });
    }

    @Test
    void shouldKeepARunWithoutSamplesWholeInSampleMode() throws Exception {
        split.setMode("SAMPLE");

        List<MeasurementPart> parts = split.split(parse("{\"device_id\":\"01:12:53:20\",\"sample\":[]}"));

        assertThat(parts).singleElement().satisfies(part -> assertThat(part.split()).isNull());
    }

    @Test
    void shouldSplitEveryRunOfABackfill() throws Exception {
        Exchange exchange = exchange("[" + IngestFixtures.output(RIDES) + "," + IngestFixtures.output(PAR_RAW) + "]");
        new ParseMeasurement().process(exchange);

        split.process(exchange);

        List<?> parts = exchange.getMessage().getBody(List.class);
        assertThat(parts).hasSize(2).allSatisfy(part -> assertThat(part).isInstanceOf(MeasurementPart.class));
        assertThat(((MeasurementPart) parts.get(0)).measurement().device().id()).isEqualTo("00:00:04:32");
        assertThat(((MeasurementPart) parts.get(1)).measurement().device().id()).isEqualTo("01:12:53:20");
    }

    @Test
    void shouldTakeASingleMeasurementBody() throws Exception {
        Exchange exchange = exchange(measurement(PAR_RAW));

        split.process(exchange);

        assertThat(exchange.getMessage().getBody(List.class)).hasSize(1);
    }

    @Test
    void shouldRefuseAnUnknownModeNamingTheKnob() {
        assertThatThrownBy(() -> split.setMode("chunks")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mode")
                .hasMessageContaining("chunks");
    }

    @Test
    void shouldHonourASmallerLimit() throws Exception {
        split.setMaxPayloadBytes(4096);
        split.setReserveBytes(0);
        Measurement run = parse(IngestFixtures.randomOutput(3, 300, 3));

        List<MeasurementPart> parts = split.split(run);

        assertThat(parts).hasSize(3).allSatisfy(part -> assertThat(messageBytes(part)).isLessThanOrEqualTo(4096));
    }
}
