package org.openjii.mmi.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.device.JsonSanitizer;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openjii.mmi.ingest.IngestFixtures.FLUORESCENCE;
import static org.openjii.mmi.ingest.IngestFixtures.NAN_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.PAR_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.RIDES;
import static org.openjii.mmi.ingest.IngestFixtures.RIDES_RAW;

class CompactSampleTest {

    /** The sample text found in {@code output}, or {@code null} when the scanner leaves it to the tree path. */
    private static String found(String output) {
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        CompactSample.Span span = CompactSample.find(bytes, 0, bytes.length);
        return span == null ? null : span.samples(bytes).text();
    }

    /** The text the tree path encodes for samples: Jackson writing the exact-decimal tree in UTF-8. */
    private static String written(JsonNode samples) throws IOException {
        return new String(DeviceJson.mapper().writeValueAsBytes(samples), StandardCharsets.UTF_8);
    }

    /** What the tree path makes of a sample text: parsed into the tree and written back. */
    private static String rewritten(String sample) throws IOException {
        return written(DeviceJson.parse(sample));
    }

    @Test
    void shouldFindExactlyTheTextTheTreeWouldBeWrittenAsInEveryFixture() throws IOException {
        for (String path : IngestFixtures.dataOutputs()) {
            JsonSanitizer.Result clean = JsonSanitizer.sanitize(IngestFixtures.output(path));
            CompactSample.Span span = CompactSample.find(clean.bytes(), clean.offset(), clean.length());

            if (span != null) {
                assertThat(span.samples(clean.bytes()).text()).as(path)
                        .isEqualTo(written(IngestFixtures.flatSample(path)));
            }
        }
    }

    @Test
    void shouldFindTheSampleOfCompactDeviceOutputFlatOrNested() {
        for (String path : List.of(RIDES_RAW, PAR_RAW, NAN_RAW, FLUORESCENCE, RIDES)) {
            JsonSanitizer.Result clean = JsonSanitizer.sanitize(IngestFixtures.output(path));

            assertThat(CompactSample.find(clean.bytes(), clean.offset(), clean.length())).as(path).isNotNull();
        }
        assertThat(found("{\"sample\":[[{\"r\":1},{\"r\":2}]]}")).isEqualTo("[{\"r\":1},{\"r\":2}]");
        assertThat(found("{\"sample\":[{\"r\":1},{\"r\":2}]}")).isEqualTo("[{\"r\":1},{\"r\":2}]");
        assertThat(found("{\"sample\":[]}")).isEqualTo("[]");
        assertThat(found("{\"sample\":[[]]}")).isEqualTo("[]");
    }

    @Test
    void shouldAllowWhitespaceAndAnyTextOutsideTheSample() {
        assertThat(found(" {\n \"device_name\" : \"Gewächshaus \\\"2\\\"\" ,\"sample\":[1],\"x\":{\"a\":[\"]\"]}}\r\n"))
                .isEqualTo("[1]");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // whitespace inside the sample: the tree would be written without it
            "{\"sample\":[1, 2]}", "{\"sample\":[{\"r\": 1}]}", "{\"sample\": [ 1]}",
            // escapes and non-ASCII: written back differently, or not worth telling apart
            "{\"sample\":[\"\\u0041\"]}", "{\"sample\":[\"a\\/b\"]}", "{\"sample\":[\"a\\tb\"]}",
            "{\"sample\":[\"grün\"]}", "{\"sample\":[{\"gr\\u00fcn\":1}]}",
            // a repeated key: the tree keeps the last value at the first place
            "{\"sample\":[{\"r\":1,\"g\":2,\"r\":3}]}",
            // device errors are for the tree path to report, wherever they are
            "{\"sample\":[{\"error\":\"sensor timeout\"}]}", "{\"sample\":[{\"set\":[{\"error\":null}]}]}",
            // several runs, mixed runs, not an array, no sample, two samples
            "{\"sample\":[[1],[2]]}", "{\"sample\":[[1],2]}", "{\"sample\":[[1],[2],[3]]}", "{\"sample\":{\"r\":1}}",
            "{\"device_id\":\"x\"}", "{}", "{\"sample\":[1],\"sample\":[2]}", "{\"s\\u0061mple\":[1],\"sample\":[2]}",
            // not one object
            "[{\"sample\":[1]}]", "{\"sample\":[1]}{\"sample\":[1]}", "{\"error\":\"JSON failure with:\"}[1]}",
            "{\"sample\":[1]}x", "",
            // not valid JSON
            "{\"sample\":[1,]}", "{\"sample\":[1}", "{\"sample\":[01]}", "{\"sample\":[1.]}", "{\"sample\":[-]}",
            "{\"sample\":[tru]}", "{\"sample\":[nulls]}", "{\"sample\":[\"open]}", "{\"sample\":[1]",
            "{\"sample\":[1],", "{\"sample\"[1]}", "{\"sample\":[{\"r\"1}]}", "{\"sample\":[{1:1}]}"})
    void shouldLeaveEverythingElseToTheTreePath(String output) {
        assertThat(found(output)).isNull();
    }

    @Test
    void shouldLeaveVeryDeepSamplesToTheTreePath() {
        assertThat(found("{\"sample\":[" + "[".repeat(63) + "]".repeat(63) + "]}")).isNotNull();
        assertThat(found("{\"sample\":[" + "[".repeat(64) + "]".repeat(64) + "]}")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-0", "-0.0", "-0.000", "0.0000001", "0.0000000", "-0.00000012", "1e5", "1E+5", "1.5e-3",
            "2.0E2"})
    void shouldLeaveNumbersTheTreeWritesDifferentlyToTheTreePath(String number) throws IOException {
        String sample = "[" + number + "]";

        assertThat(found("{\"sample\":" + sample + "}")).isNull();
        if (!number.contains("E+")) {
            // "1E+5" would come back the same; all other forms with an exponent go the tree path just as well.
            assertThat(rewritten(sample)).isNotEqualTo(sample);
        }
    }

    @Test
    void shouldTakeANumberWithoutExponentExactlyWhenTheTreeWritesItBackTheSame() throws IOException {
        Random random = new Random(20261122);
        int takenCount = 0;
        for (int n = 0; n < 20_000; n++) {
            StringBuilder number = new StringBuilder(random.nextBoolean() ? "-" : "");
            if (random.nextInt(4) == 0) {
                number.append('0');
            } else {
                number.append(1 + random.nextInt(999_999_999));
                // now and then beyond long
                number.append(random.nextInt(30) == 0 ? "1234567890".repeat(1 + random.nextInt(3)) : "");
            }
            if (random.nextBoolean()) {
                number.append('.').append("0".repeat(random.nextInt(9)));
                if (random.nextBoolean()) {
                    number.append(1 + random.nextInt(99));
                } else if (number.charAt(number.length() - 1) == '.') {
                    number.append('0');
                }
            }
            String sample = "[" + number + "]";

            boolean taken = found("{\"sample\":" + sample + "}") != null;

            assertThat(taken).as(number.toString()).isEqualTo(rewritten(sample).equals(sample));
            takenCount += taken ? 1 : 0;
        }
        // Both ways are exercised.
        assertThat(takenCount).isBetween(10_000, 19_000);
    }

    @Test
    void shouldTakeNumbersAndLiteralsAsDevicesPrintThem() throws IOException {
        String sample = "[{\"time\":1579894191905,\"light_intensity\":346.791,\"r\":2086.0,\"b\":-0.5,\"x\":0.000001,"
                + "\"z\":0.000000,\"big\":123456789012345678901234567890,\"ok\":true,\"no\":false,\"none\":null,"
                + "\"label\":\" !#$%&'()*+,-./:;<=>?@[]^_`{|}~\",\"empty\":{},\"list\":[]}]";

        assertThat(found("{\"sample\":" + sample + "}")).isEqualTo(sample).isEqualTo(rewritten(sample));
    }
}
