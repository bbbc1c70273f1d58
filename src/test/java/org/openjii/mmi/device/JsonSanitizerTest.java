package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class JsonSanitizerTest {

    @Test
    void shouldTurnTheNanTokensOfTheFw1FixtureIntoNulls() throws Exception {
        List<Frame> frames = RecordingListener
                .decodeWhole(Fixtures.bytes(Fixtures.SERIAL + "measurement-fw1-nan-tokens.raw"), 1 << 20).frames;
        assertThat(frames).hasSize(1);
        Frame frame = frames.get(0);
        assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);
        byte[] text = frame.textBytes();
        assertThat(DeviceJson.validate(text, 0, text.length)).as("the fixture is invalid JSON by design").isNotNull();

        JsonSanitizer.Result result = JsonSanitizer.sanitize(text, 0, text.length);

        assertThat(result.changed()).isTrue();
        assertThat(result.replacements()).isEqualTo(2);
        assertThat(DeviceJson.validate(result.bytes(), result.offset(), result.length())).isNull();
        // Independent expectation: the two tokens replaced by plain string substitution.
        String expected = frame.text().replace(":nan,", ":null,").replace(":-nan,", ":null,");
        assertThat(result.text()).isEqualTo(expected);
        JsonNode sample = DeviceJson.parse(result.text()).path("sample").get(0);
        assertThat(sample.get("light_intensity").isNull()).isTrue();
        assertThat(sample.get("contactless_temp").isNull()).isTrue();
        assertThat(sample.get("protocol_id").asText()).isEmpty();
    }

    @Test
    void shouldReplaceEveryNonNumericSpellingOutsideStrings() {
        String[] tokens = {"nan", "-nan", "+nan", "NaN", "NAN", "-NAN", "inf", "-inf", "+inf", "INF", "Infinity",
                "-Infinity", "infinity", "nil", "NIL"};
        for (String token : tokens) {
            JsonSanitizer.Result result = JsonSanitizer.sanitize("{\"v\":" + token + ",\"w\":[1," + token + "]}");

            assertThat(result.text()).as(token).isEqualTo("{\"v\":null,\"w\":[1,null]}");
            assertThat(result.replacements()).as(token).isEqualTo(2);
        }
    }

    @Test
    void shouldReplaceNumbersBeyondADoubleButKeepTheOthersExactly() {
        JsonSanitizer.Result result = JsonSanitizer.sanitize("{\"a\":1e999,\"b\":[-1E+999,2.5e308,1e308,1e-999,"
                + "12.5e3,7],\"c\":\"1e999\",\"d\":nan}");

        // 1.7976931348623157e308 is the largest double (IEEE 754); 1e-999 underflows to 0, which is not infinite.
        assertThat(result.text()).isEqualTo("{\"a\":null,\"b\":[null,null,1e308,1e-999,12.5e3,7],\"c\":\"1e999\","
                + "\"d\":null}");
        assertThat(result.replacements()).isEqualTo(4);
        assertThat(JsonSanitizer.sanitize("[1e999]").text()).isEqualTo("[null]");
        assertThat(JsonSanitizer.sanitize("{\"x\":1.5e10,\"y\":\"e999\"}").changed()).isFalse();
    }

    @Test
    void shouldLeaveTokensInsideStringsUntouched() {
        String json = "{\"a\":\"nan\",\"b\":\"info\",\"c\":\"-inf\",\"nil\":\"say \\\"nan\\\" now\\\\\",\"d\":nan}";

        JsonSanitizer.Result result = JsonSanitizer.sanitize(json);

        assertThat(result.text()).isEqualTo(json.substring(0, json.length() - 4) + "null}");
        assertThat(result.replacements()).isEqualTo(1);
        assertThat(DeviceJson.validate(result.bytes(), result.offset(), result.length())).isNull();
    }

    @Test
    void shouldLeaveWordsThatOnlyStartWithATokenUntouched() {
        String text = "[nano,information,nils,infinite,xnan,true,false,null,nil]";

        JsonSanitizer.Result result = JsonSanitizer.sanitize(text);

        assertThat(result.text()).isEqualTo("[nano,information,nils,infinite,xnan,true,false,null,null]");
        assertThat(result.replacements()).isEqualTo(1);
    }

    @Test
    void shouldReturnCleanInputWithoutCopying() {
        byte[] par = Fixtures.bytes(Fixtures.SERIAL + "measurement-par-v2.raw");
        int length = par.length - 9;

        JsonSanitizer.Result result = JsonSanitizer.sanitize(par, 0, length);

        assertThat(result.bytes()).isSameAs(par);
        assertThat(result.offset()).isZero();
        assertThat(result.length()).isEqualTo(length);
        assertThat(result.changed()).isFalse();
    }

    @Test
    void shouldReturnACleanSliceWithItsOwnBounds() {
        byte[] data = "garbage{\"information\":\"nan\",\"v\":true}CRC".getBytes(StandardCharsets.US_ASCII);

        JsonSanitizer.Result result = JsonSanitizer.sanitize(data, 7, data.length - 10);

        assertThat(result.bytes()).isSameAs(data);
        assertThat(result.offset()).isEqualTo(7);
        assertThat(result.text()).isEqualTo("{\"information\":\"nan\",\"v\":true}");
    }

    @Test
    void shouldJudgeASliceOnlyByItsOwnBytes() {
        // The byte before the slice is a letter; the slice alone is the token "nan" and must still be replaced.
        byte[] data = "xnan".getBytes(StandardCharsets.US_ASCII);

        JsonSanitizer.Result result = JsonSanitizer.sanitize(data, 1, 3);

        assertThat(result.text()).isEqualTo("null");
        assertThat(result.replacements()).isEqualTo(1);
    }

    @Test
    void shouldScanLongRunsOfLettersInLinearTime() {
        // Corrupt output can hold long letter runs outside strings; the scan must not be quadratic in their length.
        byte[] data = new byte[2_000_000];
        Arrays.fill(data, (byte) 'n');
        data[0] = '[';
        data[data.length - 1] = ']';

        JsonSanitizer.Result result = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> JsonSanitizer.sanitize(data, 0, data.length));

        assertThat(result.bytes()).isSameAs(data);
        assertThat(result.changed()).isFalse();
    }
}
