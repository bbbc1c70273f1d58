package org.openjii.mmi.device;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceInfoTest {

    @Test
    void shouldReadTheFw117DeviceInfoReply() throws Exception {
        DeviceInfo info = DeviceInfo.fromJson(decodedJson(Fixtures.SERIAL + "device-info-fw1.17.raw"));

        // Values from fixtures/multispeq/README.md: device_id 00:00:12:34, battery 87, firmware "1.17".
        assertThat(info).isEqualTo(new DeviceInfo("MultispeQ", "1", "00:00:12:34", 87, "1.17"));
        assertThat(info.generation()).isEqualTo(1);
        assertThat(info.describe()).isEqualTo("MultispeQ 00:00:12:34 (v1, fw 1.17)");
    }

    @Test
    void shouldReadTheV2DeviceInfoReply() throws Exception {
        DeviceInfo info = DeviceInfo.fromJson(decodedJson(Fixtures.SERIAL + "device-info-v2-assumed.raw"));

        assertThat(info).isEqualTo(new DeviceInfo("MultispeQ", "2", "52:00:13:24", 92, "2.31"));
        assertThat(info.generation()).isEqualTo(2);
    }

    @Test
    void shouldGiveTheSameFirmwareTextForAStringAndANumber() throws Exception {
        // fw 1.17 prints device_firmware as a string in device_info but as a number in measurements.
        JsonNode deviceInfo = decodedJson(Fixtures.SERIAL + "device-info-fw1.17.raw");
        JsonNode measurement = decodedJson(Fixtures.SERIAL + "measurement-fw1-nan-tokens.raw");
        assertThat(deviceInfo.get("device_firmware").isTextual()).isTrue();
        assertThat(measurement.get("device_firmware").isNumber()).isTrue();

        assertThat(DeviceInfo.fromJson(measurement).firmware()).isEqualTo(DeviceInfo.fromJson(deviceInfo).firmware())
                .isEqualTo("1.17");
        // v2: the number 2.31 of device_info and the same value quoted.
        JsonNode v2 = decodedJson(Fixtures.SERIAL + "device-info-v2-assumed.raw");
        assertThat(DeviceInfo.fromJson(DeviceJson.parse("{\"device_firmware\":\"2.31\"}")).firmware())
                .isEqualTo(DeviceInfo.fromJson(v2).firmware());
        // Trailing digits of a number such as 2.3465 are kept exactly as printed.
        assertThat(DeviceInfo.fromJson(decodedJson(Fixtures.SERIAL + "measurement-par-v2.raw")).firmware())
                .isEqualTo("2.3465");
    }

    @Test
    void shouldReadTheFw0FirmwareSpelling() throws Exception {
        DeviceInfo info = DeviceInfo.fromJson(DeviceJson.parse("{\"device_id\":1234,\"firmware_version\":\"0.54\"}"));

        assertThat(info.firmware()).isEqualTo("0.54");
        assertThat(info.id()).isEqualTo("1234");
        assertThat(info.generation()).isZero();
    }

    @Test
    void shouldReadTheBatteryAsANumberOrANumericString() throws Exception {
        for (String battery : List.of("87", "\"87\"", "\" 87 \"", "87.4", "\"87.0\"")) {
            assertThat(battery("{\"device_battery\":" + battery + "}")).as(battery).isEqualTo(87);
        }
        assertThat(battery("{\"device_battery\":-1}")).isEqualTo(-1);
        assertThat(battery("{\"device_battery\":106}")).isEqualTo(106);
    }

    @Test
    void shouldLeaveTheBatteryUnknownWhenItIsNoNumber() throws Exception {
        for (String battery : List.of("null", "\"\"", "\"low\"", "\"NaN\"", "\"Infinity\"", "[87]")) {
            assertThat(battery("{\"device_battery\":" + battery + "}")).as(battery).isNull();
        }
        assertThat(battery("{}")).isNull();
    }

    @Test
    void shouldDescribeAnUnknownDevice() throws Exception {
        DeviceInfo info = DeviceInfo.fromJson(DeviceJson.parse("{}"));

        assertThat(info.describe()).isEqualTo("MultispeQ ? (v?, fw ?)");
        assertThat(info.generation()).isZero();
    }

    private static Integer battery(String json) throws Exception {
        return DeviceInfo.fromJson(DeviceJson.parse(json)).battery();
    }

    /** The JSON of a fixture's single frame, as the session would see it: decoded, CRC-checked, sanitized. */
    static JsonNode decodedJson(String path) throws Exception {
        List<Frame> frames = RecordingListener.decodeWhole(Fixtures.bytes(path), 1 << 20).frames;
        assertThat(frames).hasSize(1);
        ReplyInterpreter.Json json = ReplyInterpreter.json(frames.get(0));
        return DeviceJson.parse(json.text());
    }
}
