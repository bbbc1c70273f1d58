package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceJsonTest {

    private static DeviceJson.Scan scan(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return DeviceJson.scan(bytes, 0, bytes.length);
    }

    @Test
    void shouldReadTheTopLevelScalarsOfAMeasurementAsPrinted() throws Exception {
        String par = Fixtures.text("synthetic/serial/measurement-par-v2.raw");
        String json = par.substring(0, par.length() - 9);

        DeviceJson.Scan scan = scan(json);

        assertThat(scan.valid()).isTrue();
        assertThat(scan.topLevel()).containsEntry("device_id", "01:12:53:20")
                .containsEntry("device_firmware",
                        "2.3465")
                .containsEntry("device_battery", "82")
                .doesNotContainKey("sample");
        assertThat(scan.keys()).contains("sample");
        DeviceInfo info = DeviceInfo.fromFields(scan.topLevel());
        assertThat(info).isEqualTo(DeviceInfo.fromJson(DeviceJson.parse(json)));
    }

    @Test
    void shouldKeepTheDigitsOfNumbersExactly() {
        assertThat(scan("{\"device_firmware\":2.30,\"r\":2086.0}").topLevel()).containsEntry("device_firmware", "2.30")
                .containsEntry("r", "2086.0");
    }

    @Test
    void shouldReportInvalidJsonAndTrailingData() {
        assertThat(scan("{\"a\":nan}").problem()).contains("nan");
        assertThat(scan("{\"a\":1}{\"b\":2}").problem()).startsWith("unexpected data after the JSON value");
        assertThat(scan("").problem()).isEqualTo("empty reply");
        assertThat(scan("{\"a\":[1,2").valid()).isFalse();
    }

    @Test
    void shouldAgreeWithValidateOnEveryFixtureLine() throws Exception {
        for (String name : new String[]{"measurement-par-v2.raw", "measurement-rides-v2-reconstructed.raw",
                "device-info-fw1.17.raw", "measurement-fw1-nan-tokens.raw", "measurement-par-v2.truncated.raw"}) {
            byte[] bytes = Fixtures.text("synthetic/serial/" + name).strip().getBytes(StandardCharsets.UTF_8);
            int length = bytes.length > 9 && bytes[bytes.length - 9] == '}' ? bytes.length - 8 : bytes.length;
            assertThat(DeviceJson.scan(bytes, 0, length).problem()).as(name)
                    .isEqualTo(DeviceJson.validate(bytes, 0, length));
        }
    }
}
