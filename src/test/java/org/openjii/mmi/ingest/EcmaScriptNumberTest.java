package org.openjii.mmi.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * {@link EcmaScriptNumber} against Node.js itself: {@code fixtures/ecmascript/number-to-string.tsv} holds what
 * {@code String(JSON.parse(x))} printed for each number (firmware versions, the layout rules, the extremes, thousands
 * of random doubles); {@code number-to-string.js} next to it made the file and says how to regenerate it.
 */
class EcmaScriptNumberTest {

    private static final String FIXTURE = "/fixtures/ecmascript/number-to-string.tsv";

    private static List<String[]> fixture() throws IOException {
        try (InputStream in = EcmaScriptNumberTest.class.getResourceAsStream(FIXTURE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(line -> line.split("\t", -1))
                    .toList();
        }
    }

    @Test
    void shouldPrintEveryNumberAsNodeDid() throws IOException {
        List<String[]> cases = fixture();

        assertThat(cases).hasSizeGreaterThan(3000).allSatisfy(c -> assertThat(c).hasSize(2));
        assertSoftly(softly -> {
            for (String[] c : cases) {
                softly.assertThat(EcmaScriptNumber.toString(Double.parseDouble(c[0]))).as(c[0]).isEqualTo(c[1]);
            }
        });
    }

    /** The fixture holds the cases where Java's own printing is not JavaScript's, or the test would prove little. */
    @Test
    void shouldCoverWhereJavasPrintingDiffers() throws IOException {
        List<String[]> cases = fixture();

        assertThat(cases).anySatisfy(c -> assertThat(c[0]).isEqualTo("4.9e-324"))
                .anySatisfy(c -> assertThat(c[0]).isEqualTo("2e23"))
                .anySatisfy(c -> assertThat(c[0]).isEqualTo("2.30"))
                .anySatisfy(c -> assertThat(c[1]).contains("e+"));
        assertThat(cases.stream().filter(c -> !Double.toString(Double.parseDouble(c[0])).equals(c[1])).count())
                .as("numbers Java 17 prints differently")
                .isGreaterThan(cases.size() / 2);
    }

    @Test
    void shouldPrintWhatIsNotAFiniteNumberAsJavaScriptDoes() {
        assertThat(EcmaScriptNumber.toString(Double.NaN)).isEqualTo("NaN");
        assertThat(EcmaScriptNumber.toString(Double.POSITIVE_INFINITY)).isEqualTo("Infinity");
        assertThat(EcmaScriptNumber.toString(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    }
}
