package org.openjii.mmi.device;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;

/** Decides what a frame means: a good JSON reply, a device error, corruption, or a line that belongs to nothing. */
final class ReplyInterpreter {

    private static final Pattern BATTERY_LINE = Pattern.compile("battery\\s*[:=]\\s*(-?\\d+(?:\\.\\d+)?)",
            Pattern.CASE_INSENSITIVE);

    /** A JSON frame that checked out, with its top-level scalar fields. */
    record Json(Frame frame, String text, int sanitizedTokens, Map<String, String> topLevel) {
    }

    private ReplyInterpreter() {
    }

    /**
     * Interprets a frame where a JSON reply is expected.
     *
     * @return the valid JSON, or {@code null} when the frame is a line that is no reply at all (noise)
     * @throws MultispeqException for corruption (checksum, invalid JSON, truncation) and device errors
     */
    static Json json(Frame frame) throws MultispeqException {
        if (frame.crcStatus() == CrcStatus.MISMATCH) {
            throw new MultispeqException(FailureReason.CRC_MISMATCH,
                    "Checksum mismatch: the reply ends with " + frame.receivedChecksum() + " but its text has "
                            + Crc32Checksum.format(Crc32Checksum.compute(frame.rawArray(),
                                    frame.textStart(), frame.textLength())),
                    frame.rawArray());
        }
        if (frame.kind() == Frame.Kind.LINE) {
            if (isBadCommand(frame.text())) {
                throw new MultispeqException(FailureReason.BAD_COMMAND,
                        "The device does not know the command: " + frame.text(),
                        frame.rawArray());
            }
            if (!frame.looksLikeJson()) {
                return null;
            }
        }
        JsonSanitizer.Result sanitized = JsonSanitizer.sanitize(frame.rawArray(), frame.textStart(),
                frame.textLength());
        DeviceJson.Scan scan = DeviceJson.scan(sanitized.bytes(), sanitized.offset(), sanitized.length());
        String problem = scan.problem();
        if (problem != null) {
            String text = frame.text().stripTrailing();
            boolean cutOff = frame.kind() == Frame.Kind.LINE && !(text.endsWith("}") || text.endsWith("]"));
            if (cutOff) {
                throw new TruncatedFrameException("The reply stops mid-way (" + problem + ")", frame.rawArray());
            }
            throw new InvalidJsonException("The reply is not valid JSON (" + problem + ")", frame.rawArray());
        }
        checkDeviceError(scan, frame);
        return new Json(frame, sanitized.text(), sanitized.replacements(), scan.topLevel());
    }

    /** Throws when a JSON object is an error report ({@code {"error":"..."}}) rather than data. */
    private static void checkDeviceError(DeviceJson.Scan scan, Frame frame) throws MultispeqException {
        String error = scan.topLevel().get("error");
        if (error != null && !scan.keys().contains("sample") && !scan.keys().contains("device_id")) {
            String message = error.strip();
            if (isBadCommand(message)) {
                throw new MultispeqException(FailureReason.BAD_COMMAND,
                        "The device does not know the command: " + message, frame.rawArray());
            }
            throw new MultispeqException(FailureReason.DEVICE_ERROR, "The device reported an error: " + message,
                    frame.rawArray());
        }
    }

    static boolean isBadCommand(String text) {
        return text.toLowerCase(Locale.ROOT).contains("bad command");
    }

    /** True for the reply to {@code hello}: openJII accepts any line containing these words. */
    static boolean isReady(String line) {
        String lower = line.toLowerCase(Locale.ROOT);
        return lower.contains("multispeq") && lower.contains("ready") || lower.contains("instrument ready");
    }

    /** The battery level in {@code battery:87}, {@code {"battery":87}}, or {@code null}. */
    static Integer battery(String text) {
        Matcher m = BATTERY_LINE.matcher(text.replace("\"", ""));
        return m.find() ? (int) Math.round(Double.parseDouble(m.group(1))) : null;
    }
}
