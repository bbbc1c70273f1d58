package org.openjii.mmi.device;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns the non-JSON number tokens MultispeQ firmware prints ({@code nan}, {@code -nan}, {@code inf}, {@code -inf},
 * {@code NaN}, {@code Infinity}, {@code nil}, any case) into {@code null}, outside string literals only.
 * <p>
 * Hand-written because no JSON library accepts these tokens: Jackson's {@code ALLOW_NON_NUMERIC_NUMBERS} knows only
 * {@code NaN} and {@code Infinity}, and openJII's Gold layer ({@code parse_json}) rejects even those, so they must
 * become {@code null} before publishing (docs/multispeq-protocol.md, sections e and i).
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

    private JsonSanitizer() {
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
        boolean inString = false;
        boolean escaped = false;
        while (i < end) {
            byte b = data[i];
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
                i++;
                continue;
            }
            if (b == '"') {
                inString = true;
                i++;
                continue;
            }
            int tokenEnd = nonNumericTokenEnd(data, offset, i, end);
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
            if (isLetter(b)) {
                // Skip the rest of any other word (true, false, null, or invalid text) in one go.
                while (i < end && isLetter(data[i])) {
                    i++;
                }
                continue;
            }
            i++;
        }
        out.write(data, copyFrom, end - copyFrom);
        byte[] result = out.toByteArray();
        return new Result(result, 0, result.length, replacements);
    }

    /** Index of the first token to replace, or -1; a quick pre-scan so clean input costs no allocation. */
    private static int findToken(byte[] data, int from, int end) {
        boolean inString = false;
        boolean escaped = false;
        for (int i = from; i < end; i++) {
            byte b = data[i];
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (isLetter(b)) {
                if (nonNumericTokenEnd(data, from, i > from && isSign(data[i - 1]) ? i - 1 : i, end) > 0) {
                    return i;
                }
                // A token is a whole word, so no later letter of this word can start one: skip it, which keeps the
                // scan linear in long letter runs.
                while (i + 1 < end && isLetter(data[i + 1])) {
                    i++;
                }
            }
        }
        return -1;
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
        if (matches(data, wordStart, wordLength, "nan") || matches(data, wordStart, wordLength, "inf")
                || matches(data, wordStart, wordLength, "infinity") || matches(data, wordStart, wordLength, "nil")) {
            return j;
        }
        return -1;
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

    private static boolean isSign(byte b) {
        return b == '-' || b == '+';
    }

    private static boolean isLetter(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }
}
