package org.openjii.mmi.test.openjii;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceScriptMessageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The example of DeviceScriptMessage in openJII's asyncapi.yaml. */
    private static final String EXAMPLE_SCRIPT = "-- Lua protocol script\nreturn { pulses = 100, interval_ms = 500 }";
    private static final String EXAMPLE_CHECKSUM = "adaeff5386f5e9dcaef58c0cc39f69f2d62a98bedae07195d02bdc82595a90ad";

    @Test
    void shouldChecksumAsAsyncApisExample() throws Exception {
        JsonNode message = JSON.readTree(DeviceScriptMessage.scriptUpdate("upd-2026-06-08-001", EXAMPLE_SCRIPT));

        assertThat(message.fieldNames()).toIterable().containsExactly("type", "id", "payload", "checksum");
        assertThat(message.get("type").asText()).isEqualTo("script_update");
        assertThat(message.get("id").asText()).isEqualTo("upd-2026-06-08-001");
        assertThat(message.get("payload").asText()).isEqualTo(EXAMPLE_SCRIPT);
        assertThat(message.get("checksum").asText()).isEqualTo(EXAMPLE_CHECKSUM);
        assertThat(DeviceScriptMessage.topic("multispeq", "2", "multispeq_0042"))
                .isEqualTo("device/scripts/v1/multispeq/2/multispeq_0042");
    }

    @Test
    void shouldEncodeGzipBase64WithTheChecksumOfTheDecodedScript() throws Exception {
        JsonNode message = JSON.readTree(DeviceScriptMessage.gzipScriptUpdate("upd-2", EXAMPLE_SCRIPT));

        assertThat(message.get("_payload_encoding").asText()).isEqualTo("gzip+base64");
        assertThat(message.get("checksum").asText()).isEqualTo(EXAMPLE_CHECKSUM);
        byte[] gzipped = Base64.getDecoder().decode(message.get("payload").asText());
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(EXAMPLE_SCRIPT);
        }
    }

    @Test
    void shouldCarryAWrongChecksumWhenAsked() throws Exception {
        JsonNode message = JSON.readTree(DeviceScriptMessage.scriptUpdate("upd-3", EXAMPLE_SCRIPT, "0".repeat(64)));

        assertThat(message.get("checksum").asText()).isEqualTo("0".repeat(64));
    }
}
