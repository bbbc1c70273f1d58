package org.openjii.mmi.openjii;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.topic.TopicTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Script updates from openJII: a {@code DeviceScriptMessage} (asyncapi.yaml) on
 * {@code device/scripts/v1/multispeq/{sensorVersion}/{thingName}}, published retained, so one arrives at every
 * connect. For a MultispeQ a {@code script_update} carries a measurement protocol: its {@code payload} (raw, or
 * gzip+base64 with {@code _payload_encoding}) must match its SHA-256 {@code checksum}, be a MultispeQ protocol and pass
 * the command policy; it then replaces the code of the Thing's protocol procedures until the next update (the
 * {@code protocol_id} published stays the procedure's). An {@code id} already applied is skipped; the applied update is
 * kept in {@code script-update.json} in the Thing's outbox folder, so it survives a restart. Anything else is refused:
 * the route dead-letters it with the reason {@code script-refused}, once per message.
 */
public final class ScriptUpdates {

    /** The registry name the YAML route calls. */
    public static final String BEAN_NAME = "openJiiScripts";

    private static final Logger LOG = LoggerFactory.getLogger(ScriptUpdates.class);
    private static final String STATE_FILE = "script-update.json";
    /** Far above a protocol the firmware accepts ({@link CommandPolicy#MAX_PROTOCOL_BYTES}): a bound, not a limit. */
    private static final int MAX_SCRIPT_BYTES = 64 * 1024;

    /** A refused script message, for the dead letter. */
    public static final class ScriptRefusedException extends Exception implements ReasonCoded {

        ScriptRefusedException(String message) {
            super(message);
        }

        @Override
        public FailureReason reason() {
            return FailureReason.SCRIPT_REFUSED;
        }
    }

    /** The update a Thing runs. */
    record Applied(String id, String checksum, String protocol, Instant appliedAt) {
    }

    private final Path outboxRoot;
    private final CommandPolicy policy;
    private final Map<String, Applied> applied = new HashMap<>();
    private final Set<String> refused = new HashSet<>();

    ScriptUpdates(Path outboxRoot, CommandPolicy policy) {
        this.outboxRoot = outboxRoot;
        this.policy = policy;
    }

    /** The protocol of the Thing's applied script update, compact; null when it has none. */
    public synchronized String protocolFor(String thing) {
        Applied current = applied.computeIfAbsent(thing, this::load);
        return current == null ? null : current.protocol();
    }

    /** Applies the script message in the body, received for the Thing named by {@value IotConstants#IDENTITY}. */
    public synchronized void apply(Exchange exchange) throws ScriptRefusedException, IOException,
            InvalidPayloadException {
        Message message = exchange.getMessage();
        String thing = message.getHeader(IotConstants.IDENTITY, String.class);
        byte[] body = message.getMandatoryBody(byte[].class);
        String fingerprint = thing + " " + sha256(body);
        if (refused.contains(fingerprint)) {
            LOG.debug("openJII: script message for {} refused before, skipped", thing);
            return;
        }
        Applied update;
        try {
            update = read(body);
        } catch (ScriptRefusedException e) {
            refused.add(fingerprint);
            throw e;
        }
        Applied current = applied.computeIfAbsent(thing, this::load);
        if (current != null && current.id().equals(update.id())) {
            LOG.debug("openJII: script update {} for {} is applied already", update.id(), thing);
            return;
        }
        save(thing, update);
        applied.put(thing, update);
        LOG.info("openJII: {} runs the protocol of script update {} from now on ({} bytes, SHA-256 {})", thing,
                update.id(), update.protocol().length(), update.checksum());
    }

    private Applied read(byte[] body) throws ScriptRefusedException {
        JsonNode root;
        try {
            root = DeviceJson.mapper().readTree(body);
        } catch (IOException e) {
            throw new ScriptRefusedException("The script message is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ScriptRefusedException("The script message is not a JSON object");
        }
        String type = root.path("type").asText(null);
        if (!"script_update".equals(type)) {
            throw new ScriptRefusedException("Script message type " + (type == null ? "missing"
                    : TopicTemplate.show(
                            type))
                    + ": only script_update is understood");
        }
        String id = text(root, "id");
        String checksum = text(root, "checksum").toLowerCase(Locale.ROOT);
        byte[] script = decode(text(root, "payload"), root.path("_payload_encoding").asText(null));
        if (!sha256(script).equals(checksum)) {
            throw new ScriptRefusedException("Script update " + TopicTemplate.show(id) + ": its checksum "
                    + TopicTemplate.show(checksum) + " is not the SHA-256 of its script (" + sha256(script) + ")");
        }
        MeasurementProtocol protocol;
        try {
            protocol = MeasurementProtocol.parse(new String(script, StandardCharsets.UTF_8));
            policy.checkProtocol(protocol);
        } catch (IllegalArgumentException | MultispeqException e) {
            throw new ScriptRefusedException("Script update " + TopicTemplate.show(id) + " is no protocol this"
                    + " MultispeQ may run: " + e.getMessage());
        }
        return new Applied(id, checksum, protocol.compact(), Instant.now());
    }

    private static String text(JsonNode root, String field) throws ScriptRefusedException {
        JsonNode value = root.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new ScriptRefusedException("The script update has no " + field);
        }
        return value.asText();
    }

    private static byte[] decode(String payload, String encoding) throws ScriptRefusedException {
        if (encoding == null) {
            byte[] raw = payload.getBytes(StandardCharsets.UTF_8);
            if (raw.length > MAX_SCRIPT_BYTES) {
                throw new ScriptRefusedException("The script is larger than " + MAX_SCRIPT_BYTES + " bytes");
            }
            return raw;
        }
        if (!"gzip+base64".equals(encoding)) {
            throw new ScriptRefusedException("Unknown _payload_encoding " + TopicTemplate.show(encoding));
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(Base64.getMimeDecoder()
                .decode(
                        payload)))) {
            byte[] script = in.readNBytes(MAX_SCRIPT_BYTES + 1);
            if (script.length > MAX_SCRIPT_BYTES) {
                throw new ScriptRefusedException("The script is larger than " + MAX_SCRIPT_BYTES + " bytes");
            }
            return script;
        } catch (IOException | IllegalArgumentException e) {
            throw new ScriptRefusedException("The script's gzip+base64 payload cannot be decoded: " + e.getMessage());
        }
    }

    private Applied load(String thing) {
        Path file = outboxRoot.resolve(thing).resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = DeviceJson.mapper().readTree(file.toFile());
            return new Applied(node.path("id").asText(), node.path("checksum").asText(), node.path("protocol")
                    .asText(), Instant.parse(node.path("applied_at").asText()));
        } catch (IOException | RuntimeException e) {
            LOG.error("openJII: {} cannot be read ({}); {} runs its onboarding file's protocols until the next script"
                    + " update", file, e.getMessage(), thing);
            return null;
        }
    }

    private void save(String thing, Applied update) throws IOException {
        Path folder = outboxRoot.resolve(thing);
        Files.createDirectories(folder);
        ObjectNode node = DeviceJson.mapper().createObjectNode();
        node.put("id", update.id());
        node.put("checksum", update.checksum());
        node.put("protocol", update.protocol());
        node.put("applied_at", update.appliedAt().toString());
        Path temporary = Files.createTempFile(folder, ".script-", ".json");
        Files.writeString(temporary, DeviceJson.write(node));
        Files.move(temporary, folder.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java has SHA-256", e);
        }
    }
}
