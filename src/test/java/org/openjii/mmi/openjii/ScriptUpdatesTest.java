package org.openjii.mmi.openjii;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Script updates as openJII's asyncapi.yaml defines DeviceScriptMessage. */
class ScriptUpdatesTest {

    private static final String THING = "multispeq_01:12:53:20";
    private static final String PROTOCOL = "[{\"pulses\":[20,50,20],\"protocol_id\":\"fluorescence\"}]";

    @TempDir
    Path outbox;

    @Test
    void shouldCheckTheChecksumOfAsyncApisExampleAndRefuseItsLuaForAMultispeq() {
        // asyncapi.yaml's example: its checksum is the SHA-256 of its payload, but Lua is no MultispeQ protocol.
        ObjectNode message = DeviceJson.mapper().createObjectNode();
        message.put("type", "script_update");
        message.put("id", "upd-2026-06-08-001");
        message.put("payload", "-- Lua protocol script\nreturn { pulses = 100, interval_ms = 500 }");
        message.put("checksum", "adaeff5386f5e9dcaef58c0cc39f69f2d62a98bedae07195d02bdc82595a90ad");

        assertThatThrownBy(() -> updates().apply(exchange(message))).isInstanceOf(
                ScriptUpdates.ScriptRefusedException.class)
                .hasMessageStartingWith("Script update \"upd-2026-06-08-001\" is no protocol this MultispeQ may run");
    }

    @Test
    void shouldApplyAProtocolWhoseChecksumMatches() throws Exception {
        ScriptUpdates updates = updates();
        updates.apply(exchange(update("upd-1", PROTOCOL, sha256(PROTOCOL))));

        assertThat(updates.protocolFor(THING)).isEqualTo(PROTOCOL);
        assertThat(updates.protocolFor("multispeq_other")).isNull();
        // Kept in the Thing's folder: a new process (a restart) runs it too.
        assertThat(outbox.resolve(THING).resolve("script-update.json")).exists();
        assertThat(updates().protocolFor(THING)).isEqualTo(PROTOCOL);
    }

    @Test
    void shouldRefuseAWrongChecksum() {
        ObjectNode message = update("upd-2", PROTOCOL, sha256(PROTOCOL + " "));

        assertThatThrownBy(() -> updates().apply(exchange(message))).hasMessageContaining("is not the SHA-256 of its"
                + " script");
        assertThat(outbox.resolve(THING)).doesNotExist();
    }

    @Test
    void shouldApplyAnIdOnce() throws Exception {
        ScriptUpdates updates = updates();
        updates.apply(exchange(update("upd-3", PROTOCOL, sha256(PROTOCOL))));
        Path state = outbox.resolve(THING).resolve("script-update.json");
        String first = Files.readString(state);
        String other = "[{\"pulses\":[1]}]";

        // The same id again (the retained message at the next connect) changes nothing, even with another body.
        updates.apply(exchange(update("upd-3", other, sha256(other))));

        assertThat(updates.protocolFor(THING)).isEqualTo(PROTOCOL);
        assertThat(Files.readString(state)).isEqualTo(first);
        updates.apply(exchange(update("upd-4", other, sha256(other))));
        assertThat(updates.protocolFor(THING)).isEqualTo(other);
    }

    @Test
    void shouldDecodeAGzippedPayload() throws Exception {
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gzip)) {
            out.write(PROTOCOL.getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode message = update("upd-5", Base64.getEncoder().encodeToString(gzip.toByteArray()), sha256(PROTOCOL));
        message.put("_payload_encoding", "gzip+base64");
        ScriptUpdates updates = updates();

        updates.apply(exchange(message));

        assertThat(updates.protocolFor(THING)).isEqualTo(PROTOCOL);
    }

    @Test
    void shouldRefuseAProtocolThePolicyDenies() {
        String saving = "[{\"save\":[[1,2]]}]";

        assertThatThrownBy(() -> updates().apply(exchange(update("upd-6", saving, sha256(saving)))))
                .hasMessageContaining("'save'");
    }

    @Test
    void shouldRefuseOtherTypes() {
        ObjectNode message = update("upd-7", PROTOCOL, sha256(PROTOCOL));
        message.put("type", "reboot");

        assertThatThrownBy(() -> updates().apply(exchange(message))).hasMessage("Script message type \"reboot\": only"
                + " script_update is understood");
    }

    private ScriptUpdates updates() {
        return new ScriptUpdates(outbox, CommandPolicy.safeDefaults());
    }

    private static ObjectNode update(String id, String payload, String checksum) {
        ObjectNode message = DeviceJson.mapper().createObjectNode();
        message.put("type", "script_update");
        message.put("id", id);
        message.put("payload", payload);
        message.put("checksum", checksum);
        return message;
    }

    private static Exchange exchange(ObjectNode message) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(DeviceJson.write(message).getBytes(StandardCharsets.UTF_8));
        exchange.getMessage().setHeader(IotConstants.IDENTITY, THING);
        return exchange;
    }

    private static String sha256(String text) {
        return ScriptUpdates.sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
