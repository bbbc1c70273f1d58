package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.openjii.mmi.ingest.IngestFixtures.exchange;

class SerializePayloadTest {

    private static final String MESSAGE_ID = "0b9c6f0e-3a51-4d5e-9f43-6c2a1d7e8b90";
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}";

    private final SerializePayload serialize = new SerializePayload();

    @Test
    void shouldWriteCompactJsonWithNumbersAsTheDevicePrintedThem() throws Exception {
        Exchange exchange = exchange(DeviceJson.parse("{ \"device_battery\" : 82, \"r\" : 2086.0, \"f\" : 2.30 }"));
        exchange.getMessage().setHeader(IotConstants.MESSAGE_ID, MESSAGE_ID);

        serialize.process(exchange);

        assertThat(exchange.getMessage().getBody()).isEqualTo("{\"device_battery\":82,\"r\":2086.0,\"f\":2.30,"
                + "\"_client_id\":\"" + MESSAGE_ID + "\"}");
        assertThat(exchange.getMessage().getHeader(Exchange.CONTENT_TYPE)).isEqualTo("application/json");
    }

    /** openJII's IoT rule drops MQTT user properties: the id the iot: producer stores and sends is in the payload. */
    @Test
    void shouldPutTheMessageIdTheProducerStoresUnderIntoThePayload() throws Exception {
        Exchange exchange = exchange(DeviceJson.parse("{\"device_id\":\"01:12:53:20\",\"_client_id\":\"stale\"}"));
        exchange.getMessage().setHeader(IotConstants.MESSAGE_ID, " " + MESSAGE_ID + " ");

        serialize.process(exchange);

        JsonNode payload = DeviceJson.parse(exchange.getMessage().getBody(String.class));
        assertThat(payload.get("_client_id").asText()).isEqualTo(MESSAGE_ID)
                .isEqualTo(exchange.getMessage().getHeader(IotConstants.MESSAGE_ID));
        assertThat(payload.size()).isEqualTo(2);
    }

    @Test
    void shouldMakeAMessageIdWhenNoStepSetOneAndUseItForBoth() throws Exception {
        Exchange exchange = exchange(DeviceJson.parse("{\"device_id\":\"01:12:53:20\"}"));

        serialize.process(exchange);

        String header = exchange.getMessage().getHeader(IotConstants.MESSAGE_ID, String.class);
        assertThat(header).matches(UUID);
        assertThat(DeviceJson.parse(exchange.getMessage().getBody(String.class)).get("_client_id").asText())
                .isEqualTo(header);
    }

    /** The message the steps make of a measurement carries the id enrich gave it, as the property will. */
    @Test
    void shouldCarryTheIdTheEnrichStepGaveTheMessage() throws Exception {
        Exchange exchange = exchange(IngestFixtures.measurement(IngestFixtures.PAR_RAW));
        new EnrichMeasurement().process(exchange);
        String id = exchange.getMessage().getHeader(IotConstants.MESSAGE_ID, String.class);

        serialize.process(exchange);

        assertThat(id).matches(UUID);
        assertThat(exchange.getMessage().getHeader(IotConstants.MESSAGE_ID)).isEqualTo(id);
        assertThat(DeviceJson.parse(exchange.getMessage().getBody(String.class)).get("_client_id").asText())
                .isEqualTo(id);
    }

    @Test
    void shouldRefuseAPayloadOverTheLimitCountingUtf8Bytes() {
        serialize.setMaxPayloadBytes(150);
        ObjectNode message = DeviceJson.mapper().createObjectNode().put("device_id", "01:12:53:20");
        // 74 characters, but 114 bytes: each é takes two; the message id adds 52 of both.
        message.put("t", "é".repeat(40));
        assertThat(DeviceJson.write(message)).hasSize(74);
        Exchange exchange = exchange(message);
        exchange.getMessage().setHeader(IotConstants.MESSAGE_ID, MESSAGE_ID);

        IngestException failure = catchThrowableOfType(IngestException.class, () -> serialize.process(exchange));

        assertThat(failure.reason().code()).isEqualTo("payload-too-large");
        assertThat(DeviceJson.write(message).getBytes(StandardCharsets.UTF_8)).hasSize(114 + 52);
        assertThat(failure).hasMessage("The message for device 01:12:53:20 is 166 bytes; the limit is 150");
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
        assertThat(catchThrowableOfType(IngestException.class, () -> serialize.serialize(message)))
                .hasMessageContaining("is 17 bytes; the limit is 16");
    }

    @Test
    void shouldPassAPayloadOfExactlyTheLimit() throws Exception {
        ObjectNode message = DeviceJson.mapper().createObjectNode().put("x", "y");
        serialize.setMaxPayloadBytes(DeviceJson.write(message).length());

        assertThat(serialize.serialize(message)).isEqualTo("{\"x\":\"y\"}");
    }
}
