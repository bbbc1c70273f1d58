package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Finds the {@code sample} array of a device output in its bytes, so that {@link ParseMeasurement} can pass those
 * bytes on as the sample's JSON text instead of building the exact-decimal tree and writing it back out (for a 24 KB
 * RIDES output, most of the ingest CPU besides gzip).
 * <p>
 * It answers only when the bytes are exactly what writing the parsed tree would give, and when the output needs
 * nothing of the tree path but its top-level fields:
 * <ul>
 * <li>the input is one JSON object (whitespace around it allowed) with exactly one {@code sample} field;</li>
 * <li>the sample is written compactly: no whitespace, strings of printable ASCII without escapes (the writer would
 * turn {@code \u00e9} into {@code é}), numbers as BigDecimal and Jackson write them back (no exponent, no
 * {@code -0}, no {@code 0.0000001}, which BigDecimal prints as {@code 1E-7}), no key twice in one object (the tree
 * keeps the last value at the first place);</li>
 * <li>no {@code error} key anywhere in it: device errors are the tree path's to report;</li>
 * <li>it is one run: a flat array, or an array holding exactly one array (the PhotosynQ app's {@code [[...]]}).</li>
 * </ul>
 * Anything else, invalid JSON included, gets {@code null}, and the caller takes the tree path, which is always right,
 * only slower. Fields outside the sample are only skipped here: the caller parses them with Jackson, which also
 * checks them. So a {@code nan}, {@code inf} or {@code nil} token anywhere makes the output fail one check or the
 * other: where it passes, there was nothing to sanitize.
 * <p>
 * Device output is compact ASCII, so the RIDES, PAR and fluorescence outputs all take this way.
 * <p>
 * Over 400 lines as one class on purpose: one scanner whose checks share its cursor.
 */
final class CompactSample {

    /**
     * Where the sample is.
     *
     * @param valueStart index of the {@code [} opening the {@code sample} field's value
     * @param valueEnd index after the {@code ]} closing it
     * @param nested whether the value is the app's {@code [[...]]}: the run's samples are then the inner array
     */
    record Span(int valueStart, int valueEnd, boolean nested) {

        /** The run's flat samples: the value, or the one array inside it. */
        SampleArray.Json samples(byte[] bytes) {
            return nested ? new SampleArray.Json(bytes, valueStart + 1, valueEnd - valueStart - 2)
                    : new SampleArray.Json(bytes, valueStart, valueEnd - valueStart);
        }
    }

    /** Deeper samples go the tree way; Jackson's own limit is 1000 levels. */
    private static final int MAX_DEPTH = 64;
    /** Longer numbers go the tree way; Jackson refuses more than 1000 characters. */
    private static final int MAX_NUMBER_LENGTH = 100;
    /** BigDecimal.toString switches to exponent notation below an adjusted exponent of -6. */
    private static final int MAX_LEADING_FRACTION_ZEROS = 5;
    private static final int MAX_ZERO_FRACTION_DIGITS = 6;

    private static final byte[] SAMPLE = "sample".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "error".getBytes(StandardCharsets.US_ASCII);

    /** Bytes that may stand in a compact string as they are: printable ASCII but the quote and the backslash. */
    private static final boolean[] PLAIN_STRING_BYTE = new boolean[256];

    static {
        for (int c = 0x20; c < 0x7f; c++) {
            PLAIN_STRING_BYTE[c] = c != '"' && c != '\\';
        }
    }

    private final byte[] data;
    private final int end;
    /** The keys of the objects being read, innermost last, for the duplicate check: start and length. */
    private int[] keyStarts = new int[32];
    private int[] keyLengths = new int[32];
    private int keyCount;

    private CompactSample(byte[] data, int end) {
        this.data = data;
        this.end = end;
    }

    /** The sample of the output in {@code data[offset, offset + length)}, or {@code null} (see the class comment). */
    static Span find(byte[] data, int offset, int length) {
        return new CompactSample(data, offset + length).find(offset);
    }

    private Span find(int from) {
        int i = skipWhitespace(from);
        if (i == end || data[i] != '{') {
            return null;
        }
        Span span = null;
        i = skipWhitespace(i + 1);
        if (i < end && data[i] == '}') {
            return null;
        }
        while (true) {
            int keyStart = i + 1;
            int keyEnd = i < end && data[i] == '"' ? skipString(keyStart) - 1 : -1;
            // A key with an escape might spell "sample": leave that to Jackson.
            if (keyEnd < 0 || indexOf(data, keyStart, keyEnd, (byte) '\\') >= 0) {
                return null;
            }
            i = skipWhitespace(keyEnd + 1);
            if (i == end || data[i] != ':') {
                return null;
            }
            i = skipWhitespace(i + 1);
            if (Arrays.equals(data, keyStart, keyEnd, SAMPLE, 0, SAMPLE.length)) {
                if (span != null) {
                    return null;
                }
                span = sample(i);
                if (span == null) {
                    return null;
                }
                i = span.valueEnd();
            } else {
                i = skipValue(i);
                if (i < 0) {
                    return null;
                }
            }
            i = skipWhitespace(i);
            if (i == end) {
                return null;
            }
            if (data[i] == '}') {
                break;
            }
            if (data[i] != ',') {
                return null;
            }
            i = skipWhitespace(i + 1);
        }
        return skipWhitespace(i + 1) == end ? span : null;
    }

    /** The sample value at {@code i} if it is one run in compact form. */
    private Span sample(int i) {
        if (i == end || data[i] != '[') {
            return null;
        }
        int elements = 0;
        int arrays = 0;
        int at = i + 1;
        if (at < end && data[at] == ']') {
            return new Span(i, at + 1, false);
        }
        while (true) {
            if (at == end) {
                return null;
            }
            elements++;
            arrays += data[at] == '[' ? 1 : 0;
            at = value(at, 1);
            if (at < 0 || at == end) {
                return null;
            }
            if (data[at] == ']') {
                break;
            }
            if (data[at] != ',') {
                return null;
            }
            at++;
        }
        boolean nested = arrays == 1 && elements == 1;
        return arrays == 0 || nested ? new Span(i, at + 1, nested) : null;
    }

    /** Index after the compact value at {@code i}, or -1. */
    private int value(int i, int depth) {
        if (i == end) {
            return -1;
        }
        return switch (data[i]) {
            case '[' -> array(i, depth + 1);
            case '{' -> object(i, depth + 1);
            case '"' -> compactString(i);
            case 't' -> literal(i, "true");
            case 'f' -> literal(i, "false");
            case 'n' -> literal(i, "null");
            default -> number(i);
        };
    }

    private int array(int i, int depth) {
        if (depth > MAX_DEPTH) {
            return -1;
        }
        int at = i + 1;
        if (at < end && data[at] == ']') {
            return at + 1;
        }
        while (true) {
            // Positive integers (ADC counts) are most of a measurement. Read through value(), each would cost a call
            // the JIT cannot inline (value and array call each other): a quarter of the scan.
            int integerEnd = positiveInteger(at);
            at = integerEnd > 0 ? integerEnd : value(at, depth);
            if (at < 0 || at == end) {
                return -1;
            }
            if (data[at] == ']') {
                return at + 1;
            }
            if (data[at] != ',') {
                return -1;
            }
            at++;
        }
    }

    private int object(int i, int depth) {
        if (depth > MAX_DEPTH) {
            return -1;
        }
        int firstKey = keyCount;
        int at = i + 1;
        if (at < end && data[at] == '}') {
            return at + 1;
        }
        while (true) {
            int keyEnd = at < end && data[at] == '"' ? compactString(at) : -1;
            if (keyEnd < 0 || !addKey(firstKey, at + 1, keyEnd - 1) || keyEnd == end || data[keyEnd] != ':') {
                return -1;
            }
            at = value(keyEnd + 1, depth);
            if (at < 0 || at == end) {
                return -1;
            }
            if (data[at] == '}') {
                keyCount = firstKey;
                return at + 1;
            }
            if (data[at] != ',') {
                return -1;
            }
            at++;
        }
    }

    /** Records a key of the current object; false when it is {@code error} or repeats one of the object's keys. */
    private boolean addKey(int firstKey, int start, int keyEnd) {
        int length = keyEnd - start;
        if (Arrays.equals(data, start, keyEnd, ERROR, 0, ERROR.length)) {
            return false;
        }
        for (int k = firstKey; k < keyCount; k++) {
            if (keyLengths[k] == length
                    && Arrays.equals(data, keyStarts[k], keyStarts[k] + length, data, start, keyEnd)) {
                return false;
            }
        }
        if (keyCount == keyStarts.length) {
            keyStarts = Arrays.copyOf(keyStarts, keyCount * 2);
            keyLengths = Arrays.copyOf(keyLengths, keyCount * 2);
        }
        keyStarts[keyCount] = start;
        keyLengths[keyCount] = length;
        keyCount++;
        return true;
    }

    /** Index after the string at {@code i} if it is printable ASCII without escapes, or -1. */
    private int compactString(int i) {
        int at = i + 1;
        while (at < end && PLAIN_STRING_BYTE[data[at] & 0xff]) {
            at++;
        }
        return at < end && data[at] == '"' ? at + 1 : -1;
    }

    private int literal(int i, String word) {
        int wordEnd = i + word.length();
        if (wordEnd > end) {
            return -1;
        }
        for (int k = 0; k < word.length(); k++) {
            if (data[i + k] != word.charAt(k)) {
                return -1;
            }
        }
        return wordEnd;
    }

    /**
     * Index after the integer at {@code i} if it is a positive integer short enough to be written back the same, or
     * -1 for anything else, including the start of a decimal.
     */
    private int positiveInteger(int i) {
        if (i == end || data[i] < '1' || data[i] > '9') {
            return -1;
        }
        int at = i + 1;
        byte next = 0;
        while (at < end && isDigit(next = data[at])) {
            at++;
        }
        boolean decimal = at < end && (next == '.' || next == 'e' || next == 'E');
        return decimal || at - i > MAX_NUMBER_LENGTH ? -1 : at;
    }

    /**
     * Index after the number at {@code i} if Jackson writes its parsed value back as the same text, or -1. Integers
     * become int, long or BigInteger nodes, decimals BigDecimal nodes keeping their scale, written with
     * {@code BigDecimal.toString()}.
     */
    private int number(int i) {
        int at = i;
        boolean negative = data[at] == '-';
        if (negative) {
            at++;
        }
        if (at == end || !isDigit(data[at])) {
            return -1;
        }
        boolean zeroIntegerPart = data[at] == '0';
        at = zeroIntegerPart ? at + 1 : skipDigits(at);
        if (at < end && data[at] == '.') {
            int fractionStart = at + 1;
            at = skipDigits(fractionStart);
            int fractionDigits = at - fractionStart;
            if (fractionDigits == 0) {
                return -1;
            }
            if (zeroIntegerPart) {
                int zeros = 0;
                while (zeros < fractionDigits && data[fractionStart + zeros] == '0') {
                    zeros++;
                }
                boolean zero = zeros == fractionDigits;
                // -0.0 loses its sign; 0.0000001 and 0.0000000 are printed with an exponent.
                if (zero ? negative || fractionDigits > MAX_ZERO_FRACTION_DIGITS
                        : zeros > MAX_LEADING_FRACTION_ZEROS) {
                    return -1;
                }
            }
        } else if (negative && zeroIntegerPart) {
            // -0 is read as the integer 0.
            return -1;
        }
        if (at < end && (data[at] == 'e' || data[at] == 'E')) {
            return -1;
        }
        return at - i > MAX_NUMBER_LENGTH ? -1 : at;
    }

    private int skipDigits(int i) {
        while (i < end && isDigit(data[i])) {
            i++;
        }
        return i;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private int skipWhitespace(int i) {
        while (i < end && isWhitespace(data[i])) {
            i++;
        }
        return i;
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /**
     * Index after a value outside the sample, or -1; only its extent is found here, Jackson checks it. Strings end at
     * the first quote that no backslash escapes, as in JSON.
     */
    private int skipValue(int i) {
        if (i == end) {
            return -1;
        }
        byte first = data[i];
        if (first == '"') {
            return skipString(i + 1);
        }
        if (first == '{' || first == '[') {
            int depth = 0;
            int at = i;
            while (at < end) {
                byte b = data[at];
                if (b == '"') {
                    at = skipString(at + 1);
                    if (at < 0) {
                        return -1;
                    }
                    continue;
                }
                if (b == '{' || b == '[') {
                    depth++;
                } else if ((b == '}' || b == ']') && --depth == 0) {
                    return at + 1;
                }
                at++;
            }
            return -1;
        }
        int at = i;
        while (at < end && data[at] != ',' && data[at] != '}' && data[at] != ']' && !isWhitespace(data[at])) {
            at++;
        }
        return at == i ? -1 : at;
    }

    /** From just after an opening quote, the index after the closing quote, or -1 when there is none. */
    private int skipString(int i) {
        int at = i;
        while (at < end) {
            byte b = data[at];
            if (b == '"') {
                return at + 1;
            }
            at += b == '\\' ? 2 : 1;
        }
        return -1;
    }

    private static int indexOf(byte[] data, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
