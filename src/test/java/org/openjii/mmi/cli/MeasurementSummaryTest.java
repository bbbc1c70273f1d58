package org.openjii.mmi.cli;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/** The summary of real device outputs (the public fixtures): device, battery and the sample's scalar values. */
class MeasurementSummaryTest {

    private static JsonNode fixture(String name) throws Exception {
        return DeviceJson.parse(TestResources.text("/fixtures/multispeq/public/measurements/" + name));
    }

    @Test
    void shouldSummarizeAParRunWithItsValuesAndWithoutItsTraces() throws Exception {
        JsonNode par = fixture("par_fw2.3465.json");
        String summary = MeasurementSummary.format(par, Duration.ofMillis(2345));

        JsonNode sample = par.path("sample").get(0);
        assertThat(summary).contains("device    " + par.path("device_name").asText() + " v"
                + par.path("device_version").asText() + " (" + par.path("device_id").asText() + ")")
                .contains("battery   " + par.path("device_battery").asText() + " %")
                .contains("duration  2.3 s")
                .contains("light_intensity=" + sample.path("light_intensity").asText())
                // Arrays (raw traces) are for --json.
                .doesNotContain("data_raw")
                .doesNotContain("ri=");
    }

    @Test
    void shouldReadTheValuesOfTheAppsNestedSampleAsAReplyWithoutChecksumMayCarryIt() throws Exception {
        // phi2_fw1.2 is app-saved: "sample":[[{...}]].
        JsonNode phi2 = fixture("phi2_fw1.2.json");
        assertThat(phi2.path("sample").get(0).isArray()).isTrue();

        String summary = MeasurementSummary.format(phi2, Duration.ofSeconds(3));

        assertThat(summary).contains("samples   " + phi2.path("sample").get(0).size())
                .doesNotContain("(no scalar values");
    }

    @Test
    void shouldListEachSampleOfAMultiSampleRun() throws Exception {
        JsonNode rides = fixture("rides_fw2.21.json");
        String summary = MeasurementSummary.format(rides, Duration.ofSeconds(12));
        int samples = rides.path("sample").size();
        assertThat(summary).contains("samples   " + samples);
        if (samples > 1) {
            assertThat(summary).contains("sample " + samples);
        }
    }

    @Test
    void shouldDrawProgressAgainstTheEstimateWithoutEverClaimingDone() {
        assertThat(MeasureCommand.progressLine(Duration.ofSeconds(5), Duration.ofSeconds(10)))
                .isEqualTo("Measuring [##########..........] 5.0 s of ~10 s");
        assertThat(MeasureCommand.progressLine(Duration.ofSeconds(30), Duration.ofSeconds(10)))
                .startsWith("Measuring [####################]");
    }
}
