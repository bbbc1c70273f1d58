package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the question an interactive protocol is waiting on at the end of the unfinished output, once per question
 * (docs/multispeq-protocol.md, "Interactive protocols").
 * <p>
 * fw 1.17 and 1.20 print {@code ["alert","<text>",} and then block reading the answer: the opening quote of the answer
 * comes only with the answer ({@code "ok"]}, {@code "<entered text>"]}, {@code "cancel"]]}). fw 2.x, as recorded,
 * prints that quote before it waits. Both forms are recognised, as JII's {@code REGEX_RETURN_USER_INPUT} does, and
 * {@code confirm} like the other two. A question is identified by where it starts in the pending output, so the quote
 * of a fw 1.x answer arriving after the answer was sent does not make the same question look new.
 */
final class PromptDetector {

    /** Output longer than this before the end is not searched: a question's text is far shorter. */
    static final int WINDOW_BYTES = 4096;

    private static final Pattern QUESTION = Pattern
            .compile("\\[\"(alert|prompt|confirm)\",\"([^\"]*)\",\"?[ \\t\\r\\n]*$");

    /** A question the device waits on. */
    record Question(String type, String text, int position) {
    }

    /** Where in the pending output the last answered question starts; -1: none in this frame. */
    private int answeredAt = -1;

    /**
     * The question the pending output ends with, or {@code null} when it ends with none or with one already answered.
     * Called with the decoder held.
     */
    Question find(FrameDecoder decoder) {
        int length = decoder.pendingLength();
        if (length < answeredAt) {
            // A new frame began (the decoder was reset or completed a line): positions start over.
            answeredAt = -1;
        }
        if (!endsLikeQuestion(decoder)) {
            return null;
        }
        int from = Math.max(0, length - WINDOW_BYTES);
        // ISO-8859-1 keeps one char per byte, so match positions are byte positions; the text is decoded as UTF-8.
        String tail = decoder.pendingText(from, StandardCharsets.ISO_8859_1);
        Matcher m = QUESTION.matcher(tail);
        if (!m.find()) {
            return null;
        }
        int position = from + m.start();
        if (position <= answeredAt) {
            return null;
        }
        String text = new String(m.group(2).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
        return new Question(m.group(1), text, position);
    }

    /** Marks the question as answered: it is not returned again, whatever arrives after it. */
    void answered(Question question) {
        answeredAt = question.position();
    }

    /** Forgets the answered position (a new request). */
    void reset() {
        answeredAt = -1;
    }

    /** Cheap test before the pattern: the output must end with {@code ",} or {@code ","}, maybe plus whitespace. */
    private static boolean endsLikeQuestion(FrameDecoder decoder) {
        int i = decoder.pendingLength() - 1;
        while (i >= 0 && isSpace(decoder.pendingByte(i))) {
            i--;
        }
        if (i >= 0 && decoder.pendingByte(i) == '"') {
            i--;
        }
        return i >= 1 && decoder.pendingByte(i) == ',' && decoder.pendingByte(i - 1) == '"';
    }

    private static boolean isSpace(int b) {
        return b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }
}
