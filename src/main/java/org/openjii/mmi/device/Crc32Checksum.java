package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The MultispeQ checksum: CRC-32/ISO-HDLC (the zlib/PNG CRC of {@link CRC32}) over the bytes the device printed,
 * written as exactly eight upper-case hexadecimal digits right after the JSON text.
 */
public final class Crc32Checksum {

    /** Number of hexadecimal digits of a printed checksum. */
    public static final int HEX_DIGITS = 8;

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private Crc32Checksum() {
    }

    /** CRC-32 of {@code length} bytes of {@code data} from {@code offset}. */
    public static long compute(byte[] data, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(data, offset, length);
        return crc.getValue();
    }

    /** CRC-32 of the UTF-8 bytes of {@code text}. */
    public static long compute(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return compute(bytes, 0, bytes.length);
    }

    /** The checksum as the firmware prints it: eight upper-case, zero-padded hexadecimal digits. */
    public static String format(long crc) {
        byte[] out = new byte[HEX_DIGITS];
        for (int i = HEX_DIGITS - 1; i >= 0; i--) {
            out[i] = HEX[(int) (crc & 0xF)];
            crc >>>= 4;
        }
        return new String(out, StandardCharsets.US_ASCII);
    }

    /**
     * Parses eight hexadecimal digits (either case) at {@code offset}; returns -1 when any of them is not a
     * hexadecimal digit.
     */
    public static long parseHex(byte[] data, int offset) {
        long value = 0;
        for (int i = 0; i < HEX_DIGITS; i++) {
            int digit = hexValue(data[offset + i]);
            if (digit < 0) {
                return -1;
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return -1;
    }

    /** Appends the checksum of {@code json} and a line feed, exactly as the firmware frames a reply. */
    public static String frame(String json) {
        return json + format(compute(json)) + "\n";
    }
}
