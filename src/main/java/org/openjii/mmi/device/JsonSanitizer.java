package org.openjii.mmi.device;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns the non-JSON number tokens MultispeQ firmware prints ({@code nan}, {@code -nan}, {@code inf}, {@code -inf},
 * {@code NaN}, {@code Infinity}, {@code nil}, any case) into {@code null}, outside string literals only; so too a
 * number whose exponent puts it beyond a double ({@code 1e999}): valid JSON, but read as infinity by every consumer
 * that reads numbers as doubles, openJII's pipeline included.
 * <p>
 * Hand-written because no JSON library accepts these tokens: Jackson's {@code ALLOW_NON_NUMERIC_NUMBERS} knows only
 * {@code NaN} and {@code Infinity}, and openJII's Gold layer ({@code parse_json}) rejects even those, so they must
 * become {@code null} before publishing (docs/multispeq-protocol.md, "Measurement output").
 */
public final class JsonSanitizer {

    /** The result: the text to use and how many tokens were replaced. */
    public record Result(byte[] bytes, int offset, int length, int replacements) {

        public boolean changed() {
            return replacements > 0;
        }

        public String text() {
            return new String(bytes, offset, length, StandardCharsets.UTF_8);
        }
    }

    /** Bytes the pre-scan passes over outside strings: anything but a quote or a letter. */
    private static final boolean[] PLAIN = byteTable("\"", true);
    /** Bytes a string is skipped over by: anything but its closing quote or a backslash. */
    private static final boolean[] PLAIN_IN_STRING = byteTable("\"\\", false);

    private JsonSanitizer() {
    }

    /** A 256-entry table, true for bytes that are neither in {@code special} nor (when asked) ASCII letters. */
    private static boolean[] byteTable(String special, boolean lettersAreSpecial) {
        boolean[] table = new boolean[256];
        for (int c = 0; c < 256; c++) {
            table[c] = special.indexOf(c) < 0 && !(lettersAreSpecial && isLetter((byte) c));
        }
        return table;
    }

    public static Result sanitize(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return sanitize(bytes, 0, bytes.length);
    }

    /** Returns the input untouched (no copy) when it holds no such token. */
    public static Result sanitize(byte[] data, int offset, int length) {
        int end = offset + length;
        int first = findToken(data, offset, end);
        if (first < 0) {
            return new Result(data, offset, length, 0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        int replacements = 0;
        int copyFrom = offset;
        int i = offset;
        while (i < end) {
            byte b = data[i];
            if (b == '"') {
                i = skipString(data, i + 1, end);
                continue;
            }
            int tokenEnd = nonNumericTokenEnd(data, offset, i, end);
            if (tokenEnd < 0 && startsNumber(data, offset, i, end)) {
                int numberEnd = numberEnd(data, i, end);
                if (!overflows(data, i, numberEnd)) {
                    i = numberEnd;
                    continue;
                }
                tokenEnd = numberEnd;
            }
            if (tokenEnd > i) {
                out.write(data, copyFrom, i - copyFrom);
                out.write('n');
                out.write('u');
                out.write('l');
                out.write('l');
                replacements++;
                i = tokenEnd;
                copyFrom = i;
                continue;
            }
            // Skip the rest of any other word (true, false, null, or invalid text) in one go.
            i = isLetter(b) ? skipWord(data, i + 1, end) : i + 1;
        }
        out.write(data, copyFrom, end - copyFrom);
        byte[] result = out.toByteArray();
        return new Result(result, 0, result.length, replacements);
    }

    /**
     * Index of the first token to replace, or -1: the pre-scan that lets clean input through without allocation. It
     * is the sanitizer's cost on every reply, so it jumps over strings and whole words in tight loops; a sign in front
     * of a token does not matter here, only whether a token exists.
     */
    private static int findToken(byte[] data, int from, int end) {
        int i = from;
        while (i < end) {
            // One table load per byte through digits, commas and brackets (most of a measurement): 3-4 times
            // faster than testing quote and letter ranges on every byte.
            while (i < end && PLAIN[data[i] & 0xFF]) {
                i++;
            }
            if (i == end) {
                break;
            }
            byte b = data[i];
            if (b == '"') {
                i = skipString(data, i + 1, end);
            } else {
                // A letter. Words are skipped whole, so it always starts one, and a token is a whole word.
                int wordEnd = skipWord(data, i + 1, end);
                if (isNonNumericWord(data, i, wordEnd - i)) {
                    return i;
                }
                if (wordEnd - i == 1 && (b | 0x20) == 'e' && i > from && isMantissa(data[i - 1])) {
                    // The exponent of a number: rare, so the number is looked at only here.
                    int start = i;
                    while (start > from && (isMantissa(data[start - 1]) || data[start - 1] == '-')) {
                        start--;
                    }
                    int numberEnd = numberEnd(data, start, end);
                    if (overflows(data, start, numberEnd)) {
                        return start;
                    }
                    wordEnd = Math.max(wordEnd, numberEnd);
                }
                i = wordEnd;
            }
        }
        return -1;
    }

    /** From just after an opening quote, the index after the closing quote (or {@code end} if there is none). */
    private static int skipString(byte[] data, int i, int end) {
        while (i < end) {
            while (i < end && PLAIN_IN_STRING[data[i] & 0xFF]) {
                i++;
            }
            if (i == end) {
                break;
            }
            byte c = data[i];
            if (c == '"') {
                return i + 1;
            }
            i += c == '\\' ? 2 : 1;
        }
        return end;
    }

    private static int skipWord(byte[] data, int i, int end) {
        while (i < end && isLetter(data[i])) {
            i++;
        }
        return i;
    }

    /**
     * If a non-numeric token (optionally signed) starts at {@code i}, returns the index after it, otherwise -1. The
     * token must be a whole word: {@code nano} or {@code information} are not replaced. {@code from} is the start of
     * the slice being sanitized.
     */
    private static int nonNumericTokenEnd(byte[] data, int from, int i, int end) {
        // Only bytes of the slice count: a letter before it belongs to text the caller did not pass.
        if (i > from && isLetter(data[i - 1])) {
            return -1;
        }
        int j = i;
        if (j < end && isSign(data[j])) {
            j++;
        }
        int wordStart = j;
        while (j < end && isLetter(data[j])) {
            j++;
        }
        int wordLength = j - wordStart;
        if (wordLength == 0) {
            return -1;
        }
        return isNonNumericWord(data, wordStart, wordLength) ? j : -1;
    }

    private static boolean isNonNumericWord(byte[] data, int from, int length) {
        return matches(data, from, length, "nan") || matches(data, from, length, "inf")
                || matches(data, from, length, "infinity") || matches(data, from, length, "nil");
    }

    private static boolean matches(byte[] data, int from, int length, String word) {
        if (length != word.length()) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            if ((data[from + k] | 0x20) != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a number starts at {@code i}: a digit, or a minus before one, not inside a word or another number. */
    private static boolean startsNumber(byte[] data, int from, int i, int end) {
        byte b = data[i];
        boolean digit = b >= '0' && b <= '9';
        boolean minus = b == '-' && i + 1 < end && data[i + 1] >= '0' && data[i + 1] <= '9';
        return (digit || minus) && (i == from || !isLetter(data[i - 1]) && !isMantissa(data[i - 1]));
    }

    /** The index after a JSON number that starts at {@code i}: sign, digits, fraction, exponent. */
    private static int numberEnd(byte[] data, int i, int end) {
        int j = i < end && data[i] == '-' ? i + 1 : i;
        while (j < end && isMantissa(data[j])) {
            j++;
        }
        if (j < end && (data[j] | 0x20) == 'e') {
            j++;
            if (j < end && isSign(data[j])) {
                j++;
            }
            while (j < end && data[j] >= '0' && data[j] <= '9') {
                j++;
            }
        }
        return j;
    }

    /** True when the number in {@code data[from, to)} has an exponent that takes it beyond a double. */
    private static boolean overflows(byte[] data, int from, int to) {
        boolean exponent = false;
        for (int k = from; k < to && !exponent; k++) {
            exponent = (data[k] | 0x20) == 'e';
        }
        if (!exponent) {
            return false;
        }
        try {
            return Double.isInfinite(Double.parseDouble(new String(data, from, to - from, StandardCharsets.US_ASCII)));
        } catch (NumberFormatException e) {
            // Not a number after all (the JSON reader reports it).
            return false;
        }
    }

    private static boolean isMantissa(byte b) {
        return (b >= '0' && b <= '9') || b == '.';
    }

    private static boolean isSign(byte b) {
        return b == '-' || b == '+';
    }

    private static boolean isLetter(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }
}
