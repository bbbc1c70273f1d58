package org.openjii.mmi.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * With MQTT 3.1.1 a message has no user properties, so a data message carries its message id as the first field of
 * its JSON object, {@code "message_id":"<id>"}: openJII's ingest message passes fields it does not know through. The
 * bytes are inserted, not re-serialized, so every number keeps the exact text the device printed.
 */
final class MessageIdInPayload {

    static final String FIELD = "message_id";
    private static final JsonFactory JSON = new JsonFactory();

    private MessageIdInPayload() {
    }

    /**
     * The payload with {@code "message_id":"<id>"} first in its object; unchanged when it is not a JSON object or
     * already has that field.
     */
    static byte[] add(byte[] payload, String messageId) {
        int open = 0;
        while (open < payload.length && isWhitespace(payload[open])) {
            open++;
        }
        if (open == payload.length || payload[open] != '{' || hasField(payload)) {
            return payload;
        }
        int next = open + 1;
        while (next < payload.length && isWhitespace(payload[next])) {
            next++;
        }
        boolean empty = next < payload.length && payload[next] == '}';
        byte[] field = ("\"" + FIELD + "\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(messageId))
                + "\"" + (empty ? "" : ",")).getBytes(StandardCharsets.UTF_8);
        byte[] result = new byte[payload.length + field.length];
        System.arraycopy(payload, 0, result, 0, open + 1);
        System.arraycopy(field, 0, result, open + 1, field.length);
        System.arraycopy(payload, open + 1, result, open + 1 + field.length, payload.length - open - 1);
        return result;
    }

    /** Whether the object has a top-level {@value #FIELD}; false also for text that does not parse. */
    private static boolean hasField(byte[] payload) {
        try (JsonParser parser = JSON.createParser(payload)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                if (FIELD.equals(parser.currentName())) {
                    return true;
                }
                parser.nextToken();
                parser.skipChildren();
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
