package org.openjii.mmi.test.openjii;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * openJII's {@code DeviceScriptMessage} ({@code components.messages} in its {@code asyncapi.yaml}): what the cloud
 * publishes, retained at QoS 1, on {@code device/scripts/v1/{sensorType}/{sensorVersion}/{thingName}}:
 * {@code {type: "script_update", id, payload, _payload_encoding?, checksum}}, the checksum being the SHA-256 hex of
 * the decoded script body. For a MultispeQ the script body is a protocol (JSON text).
 */
public final class DeviceScriptMessage {

    private DeviceScriptMessage() {
    }

    /** {@code device/scripts/v1/{sensorType}/{sensorVersion}/{thingName}}. */
    public static String topic(String sensorType, String sensorVersion, String thingName) {
        return "device/scripts/v1/" + sensorType + "/" + sensorVersion + "/" + thingName;
    }

    /** A {@code script_update} with the script inline and its right checksum. */
    public static String scriptUpdate(String id, String script) {
        return scriptUpdate(id, script, sha256(script));
    }

    /** A {@code script_update} with the script inline and the given checksum (a wrong one, for a refusal). */
    public static String scriptUpdate(String id, String script, String checksum) {
        ObjectNode message = JsonNodeFactory.instance.objectNode();
        message.put("type", "script_update");
        message.put("id", id);
        message.put("payload", script);
        message.put("checksum", checksum);
        return message.toString();
    }

    /** A {@code script_update} whose payload is gzip+base64 ({@code _payload_encoding}), checksum of the script. */
    public static String gzipScriptUpdate(String id, String script) {
        ObjectNode message = JsonNodeFactory.instance.objectNode();
        message.put("type", "script_update");
        message.put("id", id);
        message.put("payload", Base64.getEncoder().encodeToString(gzip(script)));
        message.put("_payload_encoding", "gzip+base64");
        message.put("checksum", sha256(script));
        return message.toString();
    }

    /** The SHA-256 hex digest of a script body (UTF-8). */
    public static String sha256(String script) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(String script) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(script.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
