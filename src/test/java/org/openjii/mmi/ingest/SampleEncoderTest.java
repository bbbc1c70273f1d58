package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.Deflater;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.node.ArrayNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openjii.mmi.ingest.IngestFixtures.FLUORESCENCE;
import static org.openjii.mmi.ingest.IngestFixtures.MQTT;
import static org.openjii.mmi.ingest.IngestFixtures.PAR;
import static org.openjii.mmi.ingest.IngestFixtures.RIDES;
import static org.openjii.mmi.ingest.IngestFixtures.flatSample;

class SampleEncoderTest {

    private final SampleEncoder encoder = SampleEncoder.defaults();

    /** The fixture's flat samples as a tree, as the tree path of {@link ParseMeasurement} gives them. */
    private static SampleArray samples(String path) {
        return SampleArray.ofTree(flatSample(path));
    }

    @Test
    void shouldKeepASmallSampleAsCompactJsonText() {
        EncodedSample encoded = encoder.encode(samples(PAR));

        assertThat(encoded.compressed()).isFalse();
        assertThat(encoded.text()).isEqualTo("[{\"ri\":[0,415],\"protocol_id\":\"\",\"light_intensity\":346.791,"
                + "\"r\":2086.0,\"g\":575.4,\"b\":465.0,\"w\":2863.6,\"data_raw\":[]}]");
        // As a JSON string every quote gains a backslash, plus the two quotes around it.
        long quotes = encoded.text().chars().filter(c -> c == '"').count();
        assertThat(encoded.serializedBytes()).isEqualTo(encoded.text().length() + quotes + 2);
    }

    @Test
    void shouldCompressTheRidesSampleToGzipBase64AsTheAppDoes() throws Exception {
        EncodedSample encoded = encoder.encode(samples(RIDES));

        assertThat(encoded.encoding()).isEqualTo("gzip+base64");
        assertThat(SampleEncoder.decode(encoded.text(), encoded.encoding()))
                .isEqualTo(DeviceJson.write(flatSample(RIDES)));
        // 24,191 bytes of sample: about 9,600 as gzip+base64 at the default level 1; docs/multispeq-protocol.md, "Measurement output"
        // gives about 7,600 for a higher level, as level 6 makes it.
        assertThat(encoded.text().length()).isBetween(9_000, 10_500);
        assertThat(new SampleEncoder(8192, 6).encode(samples(RIDES)).text().length()).isBetween(7_000, 8_200);
        assertThat(encoded.serializedBytes()).isEqualTo(encoded.text().length() + 2);
    }

    @Test
    void shouldEncodeSamplesReadFromTheDeviceTextAsIfWrittenFromTheTree() throws Exception {
        for (String path : IngestFixtures.dataOutputs()) {
            SampleArray parsed = IngestFixtures.measurement(path).sample();
            for (SampleEncoder each : List.of(encoder, new SampleEncoder(-1, 1), new SampleEncoder(8192, 6))) {
                assertThat(each.encode(parsed)).as(path).isEqualTo(each.encode(samples(path)));
            }
        }
    }

    @Test
    void shouldDecodeTheOpenJiiRidesPayloadFixtureToTheSameSamples() throws Exception {
        var payload = IngestFixtures.json(MQTT + "payload-rides-gzip-base64.json");

        String sample = SampleEncoder.decode(payload.get("sample").asText(), payload.get("_sample_encoding").asText());

        assertThat(DeviceJson.parse(sample)).isEqualTo(flatSample(RIDES));
        assertThat(SampleEncoder.decode(encoder.encode(samples(RIDES)).text(), "gzip+base64")).isEqualTo(sample);
    }

    @Test
    void shouldWriteAReproducibleGzipWithoutTimestamp() {
        EncodedSample first = encoder.encode(samples(FLUORESCENCE));
        EncodedSample second = encoder.encode(samples(FLUORESCENCE));

        assertThat(first.text()).isEqualTo(second.text());
        byte[] gzip = Base64.getDecoder().decode(first.text());
        assertThat(Arrays.copyOfRange(gzip, 0, 4)).containsExactly(0x1f, 0x8b, 8, 0);
        assertThat(Arrays.copyOfRange(gzip, 4, 8)).containsExactly(0, 0, 0, 0);
    }

    @Test
    void shouldDeflateWithAReusedDeflaterAsWithANewOne() {
        byte[] rides = DeviceJson.write(flatSample(RIDES)).getBytes(StandardCharsets.UTF_8);
        byte[] fluorescence = DeviceJson.write(flatSample(FLUORESCENCE)).getBytes(StandardCharsets.UTF_8);
        // This thread's Deflaters have been used, at both levels, on other input.
        SampleEncoder.gzip(fluorescence, 0, fluorescence.length, 1);
        SampleEncoder.gzip(rides, 0, rides.length, 6);

        byte[] gzip = SampleEncoder.gzip(rides, 0, rides.length, 1);

        Deflater fresh = new Deflater(1, true);
        fresh.setInput(rides);
        fresh.finish();
        byte[] deflated = new byte[rides.length];
        int length = fresh.deflate(deflated);
        fresh.end();
        assertThat(Arrays.copyOfRange(gzip, 10, gzip.length - 8)).isEqualTo(Arrays.copyOf(deflated, length));
    }

    @Test
    void shouldShrinkThe66KbFluorescenceOutputTo22KbOrAbout15KbAtLevel6() {
        assertThat(encoder.encode(samples(FLUORESCENCE)).text().length()).isBetween(20_000, 24_000);
        assertThat(new SampleEncoder(8192, 6).encode(samples(FLUORESCENCE)).text().length()).isBetween(14_500,
                17_000);
    }

    @Test
    void shouldCompressOnlyAboveTheThresholdAndNeverWhenNegative() {
        SampleArray rides = samples(RIDES);
        int length = DeviceJson.write(rides.tree()).length();

        assertThat(new SampleEncoder(length, 6).encode(rides).compressed()).isFalse();
        assertThat(new SampleEncoder(length - 1, 6).encode(rides).compressed()).isTrue();
        assertThat(new SampleEncoder(-1, 6).encode(rides).compressed()).isFalse();
    }

    @Test
    void shouldCountEscapesOfNonAsciiAndQuotedTextExactly() {
        ArrayNode samples = DeviceJson.mapper().createArrayNode();
        samples.addObject().put("label", "Blatt \"grün\" \\ µmol m⁻² s⁻¹\n");

        EncodedSample encoded = encoder.encode(SampleArray.ofTree(samples));

        var message = DeviceJson.mapper().createObjectNode().put("sample", encoded.text());
        assertThat(DeviceJson.write(message).getBytes(StandardCharsets.UTF_8).length)
                .isEqualTo("{\"sample\":}".length() + encoded.serializedBytes());
    }

    @Test
    void shouldRefuseACompressionLevelOutsideDeflatersRange() {
        assertThatThrownBy(() -> new SampleEncoder(8192, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("compressionLevel");
    }
}
