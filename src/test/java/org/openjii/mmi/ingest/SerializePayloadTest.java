package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.DeviceJson;

import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.openjii.mmi.ingest.IngestFixtures.exchange;

class SerializePayloadTest {

    private final SerializePayload serialize = new SerializePayload();

    @Test
    void shouldWriteCompactJsonWithNumbersAsTheDevicePrintedThem() throws Exception {
        Exchange exchange = exchange(DeviceJson.parse("{ \"device_battery\" : 82, \"r\" : 2086.0, \"f\" : 2.30 }"));

        serialize.process(exchange);

        assertThat(exchange.getMessage().getBody()).isEqualTo("{\"device_battery\":82,\"r\":2086.0,\"f\":2.30}");
        assertThat(exchange.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("application/json");
    }

    @Test
    void shouldRefuseAPayloadOverTheLimitCountingUtf8Bytes() {
        serialize.setMaxPayloadBytes(100);
        ObjectNode message = DeviceJson.mapper().createObjectNode().put("device_id", "01:12:53:20");
        // 74 characters, but 114 bytes: each é takes two.
        message.put("t", "é".repeat(40));
        assertThat(DeviceJson.write(message)).hasSize(74);

        PayloadTooLargeException failure = catchThrowableOfType(PayloadTooLargeException.class,
                () -> serialize.process(exchange(message)));

        assertThat(failure.reason()).isEqualTo("payload-too-large");
        assertThat(failure.sizeBytes()).isEqualTo(DeviceJson.write(message).getBytes(StandardCharsets.UTF_8).length)
                .isEqualTo(114);
        assertThat(failure.limitBytes()).isEqualTo(100);
        assertThat(failure).hasMessageContaining("01:12:53:20");
    }

    @Test
    void shouldCountThreeByteCharactersExactlyAroundTheLimit() throws Exception {
        ObjectNode message = DeviceJson.mapper().createObjectNode().put("t", "€€€");
        // 11 characters, 17 bytes: each € takes three.
        String json = DeviceJson.write(message);

        for (int limit : new int[]{33, 32, 17}) {
            serialize.setMaxPayloadBytes(limit);
            assertThat(serialize.serialize(message)).as("limit %d", limit).isEqualTo(json);
        }
        serialize.setMaxPayloadBytes(16);
        assertThat(catchThrowableOfType(PayloadTooLargeException.class, () -> serialize.serialize(message))
                .sizeBytes()).isEqualTo(17);
    }

    @Test
    void shouldPassAPayloadOfExactlyTheLimit() throws Exception {
        ObjectNode message = DeviceJson.mapper().createObjectNode().put("x", "y");
        serialize.setMaxPayloadBytes(DeviceJson.write(message).length());

        assertThat(serialize.serialize(message)).isEqualTo("{\"x\":\"y\"}");
    }
}
