package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import org.openjii.mmi.message.ReasonCoded;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The answer to one request ({@code schemas/mmi-command-response.schema.json}):
 * {@code {"ok":true,"result":...,"duration_ms":...}} (with {@code message_ids} for a protocol run), or
 * {@code {"ok":false,"error":{"code":"...","message":"..."}}}. Written compact by {@link DeviceJson}, so a device's
 * numbers keep their exact text.
 * <p>
 * A failure's code is the one its dead letter is filed under ({@link ReasonCoded#reasonOf}): the
 * {@link ReasonCoded#reason()} of the first cause that has one ({@code timeout}, {@code crc-mismatch},
 * {@code device-absent}, {@code denied}, {@code busy}, {@code bad-request}, ...), else {@code internal-error}. The
 * message is one line of the failure's own message, never a stack trace: the operator reads it remotely, the
 * bridge's log keeps the rest.
 */
public final class CommandResponse {

    /** Longest error message sent; the log has the whole text. */
    public static final int MAX_MESSAGE_CHARS = 300;

    private static final Pattern CODE = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Pattern WHITE_SPACE = Pattern.compile("\\s+");

    private final ObjectNode json;
    private final String errorCode;

    private CommandResponse(ObjectNode json, String errorCode) {
        this.json = json;
        this.errorCode = errorCode;
    }

    /**
     * Success.
     *
     * @param result the reply: a JSON tree, or anything Jackson writes (a Map from the {@code multispeq:} producer, a
     *     String reply, a Boolean); UTF-8 bytes are taken as text; {@code null} is JSON {@code null}
     * @param duration since the request was received (negative counts as zero)
     */
    public static CommandResponse ok(Object result, Duration duration) {
        return ok(result, duration, null);
    }

    /**
     * Success of a protocol run.
     *
     * @param messageIds the ids of the data messages the run became, in order; {@code null} leaves the field out
     */
    public static CommandResponse ok(Object result, Duration duration, List<String> messageIds) {
        ObjectNode json = DeviceJson.mapper().createObjectNode();
        json.put("ok", true);
        Object value = result instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : result;
        json.set("result", value instanceof JsonNode node ? node.deepCopy()
                : value instanceof String text ? jsonOrText(text) : DeviceJson.mapper().valueToTree(value));
        json.put("duration_ms", Math.max(0, Objects.requireNonNull(duration, "duration").toMillis()));
        if (messageIds != null) {
            ArrayNode ids = json.putArray("message_ids");
            messageIds.forEach(ids::add);
        }
        return new CommandResponse(json, null);
    }

    /**
     * A text reply that is a JSON object or array (the firmware sends {@code battery} and errors as JSON without a
     * checksum, so they arrive as text) as that JSON; any other text as a string.
     */
    private static JsonNode jsonOrText(String text) {
        String trimmed = text.strip();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            try {
                return DeviceJson.parse(trimmed);
            } catch (JsonProcessingException e) {
                // Not JSON after all: the text as it came.
            }
        }
        return TextNode.valueOf(text);
    }

    /**
     * Failure.
     *
     * @param code a kebab-case code ({@code busy}, {@code timeout}, ...)
     * @param message what went wrong; only its first line is sent, white space collapsed, cut at
     *     {@value #MAX_MESSAGE_CHARS} characters
     * @throws IllegalArgumentException when {@code code} is not kebab-case
     */
    public static CommandResponse error(String code, String message) {
        if (code == null || !CODE.matcher(code).matches()) {
            throw new IllegalArgumentException("An error code is kebab-case (denied, crc-mismatch), was '" + code
                    + "'");
        }
        ObjectNode json = DeviceJson.mapper().createObjectNode();
        json.put("ok", false);
        ObjectNode error = json.putObject("error");
        error.put("code", code);
        error.put("message", oneLine(message, "The request failed (" + code + ")"));
        return new CommandResponse(json, code);
    }

    /** The failure response for an exception: its reason code and the message of the cause that gave it. */
    public static CommandResponse failure(Throwable failure) {
        String code = ReasonCoded.reasonOf(failure).code();
        if (ReasonCoded.find(failure) instanceof Throwable coded) {
            return error(code, coded.getMessage());
        }
        // Unexpected: the type says what kind of fault it was, without internals the operator cannot act on.
        String type = failure == null ? "no exception" : failure.getClass().getSimpleName();
        return error(code, "The bridge could not handle the request (" + type + "); its log has the details");
    }

    /** Whether this is a success. */
    public boolean ok() {
        return errorCode == null;
    }

    /** The error code, or {@code null} for a success. */
    public String errorCode() {
        return errorCode;
    }

    /** The response as a JSON tree (a copy). */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** The response as compact JSON text, as published. */
    public String toJson() {
        return DeviceJson.write(json);
    }

    /**
     * The first non-blank line of {@code text}, white space collapsed and cut to {@value #MAX_MESSAGE_CHARS}
     * characters: an exception message that carries a stack trace or a dump loses it here.
     */
    static String oneLine(String text, String fallback) {
        if (text != null) {
            for (String line : text.split("\\R")) {
                String collapsed = WHITE_SPACE.matcher(line).replaceAll(" ").strip();
                if (collapsed.length() > MAX_MESSAGE_CHARS) {
                    int cut = MAX_MESSAGE_CHARS - 3;
                    // Never half a surrogate pair: the rest would not be UTF-8.
                    cut -= Character.isHighSurrogate(collapsed.charAt(cut - 1)) ? 1 : 0;
                    return collapsed.substring(0, cut) + "...";
                }
                if (!collapsed.isEmpty()) {
                    return collapsed;
                }
            }
        }
        return fallback;
    }

    @Override
    public String toString() {
        return toJson();
    }
}
