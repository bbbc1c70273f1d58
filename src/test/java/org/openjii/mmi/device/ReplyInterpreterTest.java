package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplyInterpreterTest {

    @Test
    void shouldRaiseADeviceErrorForTheChecksummedBatteryTooLowReply() {
        byte[] raw = Fixtures.bytes(Fixtures.SERIAL + "error-battery-too-low-fw1.17.raw");
        Frame frame = single(raw);
        assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);

        assertThatThrownBy(() -> ReplyInterpreter.json(frame)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DEVICE_ERROR)
                .hasMessageContaining("battery is too low")
                .satisfies(e -> {
                    MultispeqException m = (MultispeqException) e;
                    assertThat(m.reason()).isEqualTo(FailureReason.DEVICE_ERROR);
                    assertThat(m.rawBytes()).isEqualTo(Arrays.copyOf(raw, raw.length - 1));
                });
    }

    @Test
    void shouldRaiseBadCommandForTheFw117ErrorLine() {
        Frame frame = single(Fixtures.bytes(Fixtures.SERIAL + "error-bad-command-fw1.17.raw"));
        assertThat(frame.kind()).isEqualTo(Frame.Kind.LINE);

        assertThatThrownBy(() -> ReplyInterpreter.json(frame)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.BAD_COMMAND)
                .satisfies(e -> assertThat(((MultispeqException) e).reason().code()).isEqualTo("bad-command"));
    }

    @Test
    void shouldRaiseBadCommandForEveryKnownSpelling() {
        for (String reply : List.of("BAD COMMAND\n", "bad command: xyz\n",
                Crc32Checksum.frame("{\"error\":\" bad command\"}"))) {
            Frame frame = single(reply.getBytes(StandardCharsets.US_ASCII));

            assertThatThrownBy(() -> ReplyInterpreter.json(frame)).as(reply)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.BAD_COMMAND);
        }
    }

    @Test
    void shouldRaiseADeviceErrorForAnyOtherErrorObject() {
        Frame frame = single(
                Crc32Checksum.frame("{\"error\":\"JSON failure with:\"}").getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> ReplyInterpreter.json(frame)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DEVICE_ERROR)
                .hasMessageContaining("JSON failure with:");
    }

    @Test
    void shouldNotMistakeAMeasurementWithAnErrorEntryForADeviceError() throws Exception {
        // A real fw 2.21 output: set[0].error = "battery low" inside the measurement data.
        String compact = DeviceJson
                .write(Fixtures.json("public/measurements/par-sensor-calibration-battery-low_fw2.21.json"));
        Frame frame = single(Crc32Checksum.frame(compact).getBytes(StandardCharsets.UTF_8));

        ReplyInterpreter.Json json = ReplyInterpreter.json(frame);

        assertThat(json.text()).isEqualTo(compact).contains("\"error\":\"battery low\"");
    }

    @Test
    void shouldRaiseAChecksumMismatchNamingBothChecksums() {
        byte[] raw = Fixtures.bytes(Fixtures.SERIAL + "measurement-par-v2.checksum-mismatch.raw");
        CRC32 crc = new CRC32();
        crc.update(raw, 0, raw.length - 9);
        String actual = String.format(Locale.ROOT, "%08X", crc.getValue());

        assertThatThrownBy(() -> ReplyInterpreter.json(single(raw))).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.CRC_MISMATCH)
                .hasMessageContaining("C2520BB5")
                .hasMessageContaining(actual);
    }

    @Test
    void shouldRaiseTruncatedForALineThatStopsMidReply() {
        byte[] truncated = Fixtures.bytes(Fixtures.SERIAL + "measurement-par-v2.truncated.raw");
        byte[] line = Arrays.copyOf(truncated, truncated.length + 1);
        line[truncated.length] = '\n';

        assertThatThrownBy(() -> ReplyInterpreter.json(single(line))).isInstanceOf(TruncatedFrameException.class);
    }

    @Test
    void shouldRaiseInvalidJsonForMalformedJsonUnderAValidChecksum() {
        // fw 1.20 all_sensors prints an unfinished array under a valid CRC (docs section d).
        String malformed = "{\"par\":415,\"accelerometer\":[-92,-33,1007,\"magnetometer\":[1,2,3]}";
        Frame frame = single(Crc32Checksum.frame(malformed).getBytes(StandardCharsets.US_ASCII));
        assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);

        assertThatThrownBy(() -> ReplyInterpreter.json(frame)).isInstanceOf(InvalidJsonException.class);
    }

    @Test
    void shouldReturnAValidMeasurementUnchanged() throws Exception {
        byte[] raw = Fixtures.bytes(Fixtures.SERIAL + "measurement-par-v2.raw");

        ReplyInterpreter.Json json = ReplyInterpreter.json(single(raw));

        assertThat(json.text()).isEqualTo(new String(raw, 0, raw.length - 9, StandardCharsets.UTF_8));
        assertThat(json.sanitizedTokens()).isZero();
    }

    @Test
    void shouldSanitizeNanTokensUnderAValidChecksum() throws Exception {
        ReplyInterpreter.Json json = ReplyInterpreter
                .json(single(Fixtures.bytes(Fixtures.SERIAL + "measurement-fw1-nan-tokens.raw")));

        assertThat(json.sanitizedTokens()).isEqualTo(2);
        assertThat(DeviceJson.parse(json.text()).path("sample").get(0).get("light_intensity").isNull()).isTrue();
    }

    @Test
    void shouldAcceptJsonWithoutChecksumAndIgnoreTextLines() throws Exception {
        ReplyInterpreter.Json battery = ReplyInterpreter
                .json(single(Fixtures.bytes(Fixtures.SERIAL + "battery-fw1.17.raw")));
        assertThat(battery.text()).isEqualTo("{\"battery\":87}");

        assertThat(ReplyInterpreter.json(single(Fixtures.bytes(Fixtures.SERIAL + "hello.raw")))).isNull();
    }

    @Test
    void shouldReadTheBatteryInBothKnownFormats() {
        assertThat(ReplyInterpreter.battery(Fixtures.text(Fixtures.SERIAL + "battery-fw1.17.raw"))).isEqualTo(87);
        assertThat(ReplyInterpreter.battery(Fixtures.text(Fixtures.SERIAL + "battery-openjii-assumed.raw")))
                .isEqualTo(87);
        assertThat(ReplyInterpreter.battery("MultispeQ Ready")).isNull();
    }

    @Test
    void shouldRecogniseBothReadyReplies() {
        assertThat(ReplyInterpreter.isReady(Fixtures.text(Fixtures.SERIAL + "hello.raw").strip())).isTrue();
        assertThat(ReplyInterpreter.isReady(Fixtures.text(Fixtures.SERIAL + "hello-legacy-doc.raw").strip())).isTrue();
        assertThat(ReplyInterpreter.isReady("ready")).isFalse();
        assertThat(ReplyInterpreter.isReady("{\"battery\":87}")).isFalse();
    }

    private static Frame single(byte[] raw) {
        List<Frame> frames = RecordingListener.decodeWhole(raw, 1 << 20).frames;
        assertThat(frames).hasSize(1);
        return frames.get(0);
    }
}
