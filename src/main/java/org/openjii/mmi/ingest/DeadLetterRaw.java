package org.openjii.mmi.ingest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import org.apache.camel.Exchange;
import org.openjii.mmi.support.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The {@code raw} field of a dead letter: the failed input as UTF-8 text, base64 when it is not text, gzip+base64
 * when it does not fit in one message, and cut (marked {@code raw_truncated}, full size in {@code raw_bytes}) when
 * even that does not fit {@code maxPayloadBytes}.
 */
final class DeadLetterRaw {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRaw.class);

    private final int maxPayloadBytes;

    DeadLetterRaw(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** The measurement a dead letter is about: the body itself, the part of a split, or the first of a list. */
    static Measurement measurement(Object body) {
        if (body instanceof Measurement measurement) {
            return measurement;
        }
        if (body instanceof MeasurementPart part) {
            return part.measurement();
        }
        if (body instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Measurement measurement) {
            return measurement;
        }
        return null;
    }

    /** Puts {@code raw}; returns the complete input when only its start fits, else {@code null}. */
    byte[] put(ObjectNode envelope, Exchange exchange, Object body) {
        Measurement measurement = measurement(body);
        String text = null;
        byte[] bytes = null;
        if (body == null) {
            envelope.putNull("raw");
            return null;
        } else if (measurement != null) {
            text = measurement.rawText();
        } else if (body instanceof String s) {
            text = s;
        } else if (body instanceof byte[] b) {
            text = utf8(b);
            bytes = b;
        } else if (body instanceof JsonNode node) {
            text = DeviceJson.write(node);
        } else {
            text = exchange.getContext().getTypeConverter().tryConvertTo(String.class, exchange, body);
            if (text == null) {
                text = String.valueOf(body);
            }
        }
        if (text != null) {
            envelope.put("raw", text);
            if (IngestMessage.utf8Length(DeviceJson.write(envelope)) <= maxPayloadBytes) {
                return null;
            }
            bytes = text.getBytes(StandardCharsets.UTF_8);
        } else {
            envelope.put("raw", Base64.getEncoder().encodeToString(bytes));
            envelope.put("raw_encoding", "base64");
            if (IngestMessage.utf8Length(DeviceJson.write(envelope)) <= maxPayloadBytes) {
                return null;
            }
        }
        return shrink(envelope, bytes) ? bytes : null;
    }

    /**
     * Puts at most {@code limit} bytes of the input as {@code raw} ({@value IngestHeaders#RAW_LIMIT}); a longer input
     * is cut at a character boundary and marked {@code raw_truncated} with its size in {@code raw_bytes}, and the rest
     * is not kept anywhere.
     *
     * @return {@code null}: nothing is kept beyond the envelope
     */
    byte[] putPrefix(ObjectNode envelope, Exchange exchange, Object body, int limit) {
        byte[] bytes = body instanceof byte[] b ? b : null;
        if (bytes == null) {
            Measurement measurement = measurement(body);
            String text = measurement != null ? measurement.rawText()
                    : body instanceof String s ? s
                            : body == null ? null
                                    : exchange.getContext()
                                            .getTypeConverter()
                                            .tryConvertTo(String.class, exchange,
                                                    body);
            bytes = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
        }
        if (bytes == null || bytes.length <= limit) {
            put(envelope, exchange, bytes);
            return null;
        }
        int length = Math.max(0, limit);
        while (length > 0 && (bytes[length] & 0xC0) == 0x80) {
            // Not inside a UTF-8 character: back to where one starts.
            length--;
        }
        byte[] prefix = Arrays.copyOf(bytes, length);
        String text = utf8(prefix);
        if (text != null) {
            envelope.put("raw", text);
        } else {
            envelope.put("raw", Base64.getEncoder().encodeToString(prefix));
            envelope.put("raw_encoding", "base64");
        }
        envelope.put("raw_truncated", true);
        envelope.put("raw_bytes", bytes.length);
        return null;
    }

    /**
     * The raw input did not fit: gzip+base64 it, and if even that is too large, send the longest prefix that fits,
     * marked {@code raw_truncated} with the full size in {@code raw_bytes}; true when it had to be cut.
     */
    private boolean shrink(ObjectNode envelope, byte[] bytes) {
        int length = bytes.length;
        while (true) {
            envelope.put("raw", Base64.getEncoder().encodeToString(SampleEncoder.gzip(bytes, 0, length, 6)));
            envelope.put("raw_encoding", SampleEncoder.GZIP_BASE64);
            if (length < bytes.length) {
                envelope.put("raw_truncated", true);
                envelope.put("raw_bytes", bytes.length);
            }
            int size = IngestMessage.utf8Length(DeviceJson.write(envelope));
            if (size <= maxPayloadBytes || length == 0) {
                break;
            }
            length = (int) (length * (0.9 * maxPayloadBytes / size));
        }
        if (length < bytes.length) {
            LOG.warn("Dead letter input of {} bytes cut to its first {} to fit {} bytes; the outbox keeps all of it",
                    bytes.length, length, maxPayloadBytes);
            return true;
        }
        return false;
    }

    /** The bytes as text when they are valid UTF-8, else {@code null}. */
    private static String utf8(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
