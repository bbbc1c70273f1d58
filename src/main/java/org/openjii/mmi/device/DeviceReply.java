package org.openjii.mmi.device;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A completed reply. For JSON replies {@link #text()} is the JSON with {@code nan}/{@code inf}/{@code nil} already
 * turned into {@code null} (see {@link #sanitizedTokens()}); for plain replies it is the line (lines joined by LF).
 */
public final class DeviceReply {

    private final DeviceRequest request;
    private final List<Frame> frames;
    private final String text;
    private final boolean json;
    private final int sanitizedTokens;
    private final CrcStatus crcStatus;
    private final Instant sentAt;
    private final Instant firstByteAt;
    private final Instant lastByteAt;
    private final List<Frame> unexpected;
    private final String systemPort;
    private final Map<String, String> topLevel;
    private JsonNode tree;

    DeviceReply(DeviceRequest request, List<Frame> frames, String text, boolean json, int sanitizedTokens,
            CrcStatus crcStatus, Instant sentAt, Instant firstByteAt, Instant lastByteAt,
            List<Frame> unexpected, String systemPort, Map<String, String> topLevel) {
        this.request = request;
        this.frames = List.copyOf(frames);
        this.text = text;
        this.json = json;
        this.sanitizedTokens = sanitizedTokens;
        this.crcStatus = crcStatus;
        this.sentAt = sentAt;
        this.firstByteAt = firstByteAt;
        this.lastByteAt = lastByteAt;
        this.unexpected = List.copyOf(unexpected);
        this.systemPort = systemPort;
        this.topLevel = topLevel == null ? Map.of() : Collections.unmodifiableMap(topLevel);
    }

    public DeviceRequest request() {
        return request;
    }

    /** The frames that make up the reply (one for JSON, one or more for text). */
    public List<Frame> frames() {
        return frames;
    }

    public String text() {
        return text;
    }

    public boolean isJson() {
        return json;
    }

    /** The parsed JSON (numbers exact), or {@code null} for a plain reply. */
    public synchronized JsonNode json() {
        if (!json) {
            return null;
        }
        if (tree == null) {
            try {
                tree = DeviceJson.parse(text);
            } catch (IOException e) {
                throw new IllegalStateException("Validated JSON failed to parse: " + e.getMessage(), e);
            }
        }
        return tree;
    }

    /** How many {@code nan}/{@code inf}/{@code nil} tokens were replaced by {@code null}. */
    public int sanitizedTokens() {
        return sanitizedTokens;
    }

    public CrcStatus crcStatus() {
        return crcStatus;
    }

    /** The eight checksum digits received, or {@code null}. */
    public String checksum() {
        return frames.isEmpty() ? null : frames.get(frames.size() - 1).receivedChecksum();
    }

    public Instant sentAt() {
        return sentAt;
    }

    public Instant firstByteAt() {
        return firstByteAt;
    }

    public Instant lastByteAt() {
        return lastByteAt;
    }

    /** Lines received while waiting that belonged to no reply (kept, never silently dropped). */
    public List<Frame> unexpected() {
        return unexpected;
    }

    /** The unexpected lines as text, one per line. */
    public String unexpectedText() {
        return unexpected.stream().map(Frame::text).collect(Collectors.joining("\n"));
    }

    /** The device node the reply came from, e.g. {@code /dev/ttyACM0} or {@code /dev/pts/3}. */
    public String systemPort() {
        return systemPort;
    }

    /** The reply exactly as received (frames joined by LF, checksums included). */
    public byte[] rawBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                out.write('\n');
            }
            out.writeBytes(frames.get(i).rawArray());
        }
        return out.toByteArray();
    }

    /**
     * The device identity from the header of a measurement reply ({@code null} for other replies), read during
     * validation: no tree is built for it.
     */
    public DeviceInfo headerInfo() {
        return topLevel.containsKey("device_id") ? DeviceInfo.fromFields(topLevel) : null;
    }

    /**
     * The battery level in percent this reply reports: the answer to {@code battery} ({@code battery:87} or
     * {@code {"battery":87}}), or a measurement's {@code device_battery}; {@code null} when it reports none.
     */
    public Integer battery() {
        if (request.expect() == DeviceRequest.Expect.BATTERY) {
            return ReplyInterpreter.battery(text);
        }
        return request.isMeasurement() ? DeviceInfo.integer(topLevel.get("device_battery")) : null;
    }

    /** The top-level scalar fields of a JSON object reply, as printed (empty for other replies). */
    public Map<String, String> topLevel() {
        return topLevel;
    }
}
