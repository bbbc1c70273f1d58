package org.openjii.mmi.broker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.openjii.mmi.support.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;

/**
 * What the embedded broker receives on the data and dead-letter topics, one readable console line per message
 * (logger {@value #LOGGER}): the topic, the size, and the key fields, never the payload itself.
 *
 * <pre>
 * experiment/data_ingest/v1/demo-experiment/multispeq/2/01:12:53:20 (331 bytes) device_id=01:12:53:20
 * timestamp=2026-11-22T11:19:03.649+01:00 message-id=efffc86c-…
 * mmi/dlq/mmi/crc-mismatch (1024 bytes) dead letter reason=crc-mismatch device_id=01:12:53:20 message-id=5f69…
 * </pre>
 *
 * A HiveMQ publish-inbound interceptor: it sees each PUBLISH as the broker takes it in (before the PUBACK), without a
 * second MQTT client and its subscription. Other topics (the retained status, command responses) are not shown.
 */
final class PublishedMessageLog implements PublishInboundInterceptor {

    static final String LOGGER = "mmi.broker";
    /** Longest value shown for a field: a device id or reason is short; anything longer is cut. */
    private static final int MAX_VALUE_LENGTH = 80;
    private static final Set<String> DATA_FIELDS = Set.of("device_id", "timestamp");
    private static final Set<String> DEAD_LETTER_FIELDS = Set.of("reason", "device_id");

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final String[] dataFilter;
    private final String[] deadLetterFilter;

    /**
     * @param dataFilter MQTT topic filter of the data topic (placeholders as {@code +})
     * @param deadLetterFilter MQTT topic filter of the dead-letter topics ({@code <prefix>/+})
     */
    PublishedMessageLog(String dataFilter, String deadLetterFilter) {
        this.dataFilter = dataFilter.split("/", -1);
        this.deadLetterFilter = deadLetterFilter.split("/", -1);
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        PublishPacket packet = input.getPublishPacket();
        try {
            String line = describe(packet.getTopic(), packet.getPayload(),
                    packet.getUserProperties().getFirst("message-id"));
            if (line != null) {
                LOG.info(line);
            }
        } catch (RuntimeException e) {
            // Showing a message must never disturb delivering it.
            LOG.debug("Cannot describe the message on {}: {}", packet.getTopic(), e.toString());
        }
    }

    /** The console line for a message on this topic, or null when the topic is neither data nor dead letters. */
    String describe(String topic, Optional<ByteBuffer> payload, Optional<String> messageId) {
        boolean data = matches(dataFilter, topic);
        boolean deadLetter = !data && matches(deadLetterFilter, topic);
        if (!data && !deadLetter) {
            return null;
        }
        byte[] bytes = payload.map(PublishedMessageLog::bytes).orElse(new byte[0]);
        StringBuilder line = new StringBuilder(topic).append(" (").append(bytes.length).append(" bytes)");
        if (deadLetter) {
            line.append(" dead letter");
        }
        Map<String, String> fields = topLevelStrings(bytes, deadLetter ? DEAD_LETTER_FIELDS : DATA_FIELDS);
        if (fields == null) {
            line.append(" not JSON");
        } else {
            List<String> order = deadLetter ? List.of("reason", "device_id") : List.of("device_id", "timestamp");
            for (String name : order) {
                String value = fields.get(name);
                if (value != null) {
                    line.append(' ').append(name).append('=').append(printable(value));
                }
            }
        }
        messageId.ifPresent(id -> line.append(" message-id=").append(printable(id)));
        return line.toString();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.asReadOnlyBuffer();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /**
     * The named string fields of a JSON object's top level, read with Jackson's streaming parser so that a large
     * {@code sample} is skipped, not built; null when the payload is not a JSON object.
     */
    private static Map<String, String> topLevelStrings(byte[] json, Set<String> names) {
        Map<String, String> found = new LinkedHashMap<>();
        try (JsonParser parser = DeviceJson.mapper().getFactory().createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (names.contains(name) && value != null && value.isScalarValue()) {
                    found.put(name, parser.getValueAsString());
                } else {
                    parser.skipChildren();
                }
            }
            return found;
        } catch (IOException e) {
            return null;
        }
    }

    /** One short line whatever a device put into a field: control characters escaped, long values cut. */
    private static String printable(String value) {
        StringBuilder text = new StringBuilder();
        value.codePoints().limit(MAX_VALUE_LENGTH).forEach(c -> {
            if (Character.isISOControl(c) || c == ' ') {
                text.append(String.format("\\u%04x", c));
            } else {
                text.appendCodePoint(c);
            }
        });
        return value.codePointCount(0, value.length()) > MAX_VALUE_LENGTH ? text + "…" : text.toString();
    }

    /**
     * Whether an MQTT topic filter of plain levels and {@code +} matches a topic. Written here because it is four lines
     * and the extension SDK offers no matcher.
     */
    static boolean matches(String[] filter, String topic) {
        String[] levels = topic.split("/", -1);
        if (levels.length != filter.length) {
            return false;
        }
        for (int i = 0; i < levels.length; i++) {
            if (!filter[i].equals("+") && !filter[i].equals(levels[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * A topic template ({@code experiment/data_ingest/v1/{experimentId}/...}) as a filter: every level with a
     * placeholder other than {@code {clientId}} becomes {@code +}.
     */
    static String filter(String template, String clientId) {
        List<String> levels = new ArrayList<>();
        for (String level : template.replace("{clientId}", clientId).split("/", -1)) {
            levels.add(level.contains("{") ? "+" : level);
        }
        return String.join("/", levels);
    }
}
