package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.TreeSet;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Crc32ChecksumTest {

    private static final String PHOTOSYNQ_EXAMPLE = "public/device/photosynq-instrument-api-measurement.raw";

    @Test
    void shouldReproduceThePublishedChecksumOfThePhotosynqExample() {
        byte[] raw = Fixtures.bytes(PHOTOSYNQ_EXAMPLE);
        // The file is <json><8 digits>\n; the spec (section c) publishes DD8CE370 for those 190 JSON bytes.
        int jsonLength = raw.length - Crc32Checksum.HEX_DIGITS - 1;
        assertThat(jsonLength).isEqualTo(190);

        long crc = Crc32Checksum.compute(raw, 0, jsonLength);

        assertThat(crc).isEqualTo(0xDD8CE370L).isEqualTo(independentCrc(raw, 0, jsonLength));
        assertThat(Crc32Checksum.format(crc)).isEqualTo("DD8CE370");
    }

    @Test
    void shouldFrameTheExampleExactlyAsTheFixtureStoresIt() {
        byte[] raw = Fixtures.bytes(PHOTOSYNQ_EXAMPLE);
        String json = new String(raw, 0, raw.length - Crc32Checksum.HEX_DIGITS - 1, StandardCharsets.UTF_8);

        assertThat(Crc32Checksum.frame(json).getBytes(StandardCharsets.UTF_8)).isEqualTo(raw);
    }

    @Test
    void shouldZeroPadSmallChecksumsToEightDigits() {
        // The spec's example of the JII-MultispeQ padding defect: the firmware prints 05898037 for {"n":8}.
        long crc = Crc32Checksum.compute("{\"n\":8}");

        assertThat(Crc32Checksum.format(crc)).isEqualTo("05898037")
                .isEqualTo(String.format(Locale.ROOT, "%08X", independentCrc("{\"n\":8}")));
    }

    @Test
    void shouldFormatTheExtremesWithEightUpperCaseDigits() {
        assertThat(Crc32Checksum.format(0)).isEqualTo("00000000");
        assertThat(Crc32Checksum.format(0xFFFFFFFFL)).isEqualTo("FFFFFFFF");
        assertThat(Crc32Checksum.format(0xABCDEF01L)).isEqualTo("ABCDEF01");
    }

    @Test
    void shouldParseUpperAndLowerCaseDigits() {
        byte[] upper = "xxDD8CE370".getBytes(StandardCharsets.US_ASCII);
        byte[] lower = "dd8ce370".getBytes(StandardCharsets.US_ASCII);
        byte[] mixed = "Dd8cE370".getBytes(StandardCharsets.US_ASCII);

        assertThat(Crc32Checksum.parseHex(upper, 2)).isEqualTo(0xDD8CE370L);
        assertThat(Crc32Checksum.parseHex(lower, 0)).isEqualTo(0xDD8CE370L);
        assertThat(Crc32Checksum.parseHex(mixed, 0)).isEqualTo(0xDD8CE370L);
    }

    @Test
    void shouldRejectNonHexadecimalDigits() {
        for (String bad : new String[]{"DD8CE37G", "DD8CE37 ", "-D8CE370", "dd8ce37}", "0x8CE370"}) {
            assertThat(Crc32Checksum.parseHex(bad.getBytes(StandardCharsets.US_ASCII), 0)).as(bad).isEqualTo(-1);
        }
    }

    @Test
    void shouldVerifyEverySyntheticChecksumExceptTheDeliberateNegatives() {
        TreeSet<String> verified = new TreeSet<>();
        TreeSet<String> failed = new TreeSet<>();
        int checkedLines = 0;
        for (String path : Fixtures.rawFiles()) {
            byte[] raw = Fixtures.bytes(path);
            int lineStart = 0;
            for (int i = 0; i <= raw.length; i++) {
                if (i < raw.length && raw[i] != '\n') {
                    continue;
                }
                int end = i;
                int digits = end - Crc32Checksum.HEX_DIGITS;
                // Only lines shaped <json>}XXXXXXXX carry a checksum.
                if (digits - 1 >= lineStart && raw[digits - 1] == '}' && isHex(raw, digits, end)) {
                    checkedLines++;
                    long received = Long.parseLong(new String(raw, digits, 8, StandardCharsets.US_ASCII), 16);
                    long computed = Crc32Checksum.compute(raw, lineStart, digits - lineStart);
                    assertThat(computed).as(path).isEqualTo(independentCrc(raw, lineStart, digits - lineStart));
                    (computed == received ? verified : failed).add(path);
                }
                lineStart = i + 1;
            }
        }

        // The files listed with a CRC in fixtures/multispeq/README.md.
        assertThat(verified).containsExactly("public/device/photosynq-instrument-api-measurement.raw",
                "synthetic/serial/device-info-fw1.17.raw", "synthetic/serial/device-info-v2-assumed.raw",
                "synthetic/serial/error-battery-too-low-fw1.17.raw", "synthetic/serial/measurement-fw1-nan-tokens.raw",
                "synthetic/serial/measurement-par-v2.raw", "synthetic/serial/measurement-rides-v2-reconstructed.raw",
                "synthetic/serial/stream-all-sensors-fw1.17.raw");
        assertThat(failed).containsExactly("synthetic/serial/measurement-par-v2.checksum-mismatch.raw");
        // 7 single-frame files, 3 stream frames, 1 mismatch.
        assertThat(checkedLines).isEqualTo(11);
    }

    @Test
    void shouldComputeTheSameValueOverASliceAsOverACopy() {
        byte[] raw = Fixtures.bytes("synthetic/serial/measurement-par-v2.raw");
        byte[] copy = Arrays.copyOfRange(raw, 0, raw.length - 9);

        assertThat(Crc32Checksum.compute(raw, 0, raw.length - 9)).isEqualTo(Crc32Checksum.compute(copy, 0, copy.length))
                .isEqualTo(0xC2520BB5L);
    }

    private static boolean isHex(byte[] data, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(data[i], 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static long independentCrc(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return independentCrc(bytes, 0, bytes.length);
    }

    private static long independentCrc(byte[] data, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(data, offset, length);
        return crc.getValue();
    }
}
