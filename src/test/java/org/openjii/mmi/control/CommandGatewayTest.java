package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.routes.DeviceRouteManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandGatewayTest {

    private static final Instant NOW = Instant.parse("2026-11-22T09:00:00Z");

    private final CamelContext context = new DefaultCamelContext();
    private final CommandGateway gateway = gatewayAt(NOW);

    private CommandGateway gatewayAt(Instant now) {
        return new CommandGateway(context, CommandTopics.defaults("lab-7"), true, 10, new DeviceRouteManager(),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() throws Exception {
        context.close();
    }

    private static MqttMessage request(String payload, MqttProperties properties) {
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setProperties(properties);
        return message;
    }

    @Test
    void takesTheRequestAndItsMqttPropertiesButNoUserPropertyAsAHeader() {
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic("ops/replies/1");
        properties.setCorrelationData("req-1".getBytes(StandardCharsets.UTF_8));
        properties.setMessageExpiryInterval(30L);
        // A sender posing as the route: none of these may reach the exchange.
        properties.setUserProperties(List.of(new UserProperty(MultispeqConstants.COMMAND, "reboot"),
                new UserProperty(CommandHeaders.DEVICE, "other"), new UserProperty("MmiExperimentId", "x")));

        Exchange exchange = gateway.request("mmi/v1/lab-7/command", request("{\"command\":\"battery\"}",
                properties));

        assertThat(exchange.getMessage().getHeaders()).containsOnlyKeys(CommandHeaders.RECEIVED_AT,
                CommandHeaders.REQUEST_TOPIC, CommandHeaders.REQUEST_PAYLOAD, CommandHeaders.RESPONSE_TOPIC,
                CommandHeaders.CORRELATION_DATA, CommandHeaders.EXPIRES_AT);
        assertThat(exchange.getMessage().getHeader(CommandHeaders.EXPIRES_AT)).isEqualTo(NOW.plusSeconds(30));
        assertThat(exchange.getMessage().getHeader(CommandHeaders.RESPONSE_TOPIC)).isEqualTo("ops/replies/1");
        assertThat(exchange.getMessage().getBody(String.class)).isEqualTo("{\"command\":\"battery\"}");
    }

    @Test
    void dropsARequestOnlyOnceItsExpiryHasPassed() {
        MqttProperties properties = new MqttProperties();
        properties.setMessageExpiryInterval(5L);
        Exchange expiring = gateway.request("mmi/v1/lab-7/command", request("{}", properties));
        Exchange forever = gateway.request("mmi/v1/lab-7/command", request("{}", new MqttProperties()));

        assertThat(gatewayAt(NOW.plusSeconds(4)).expired(expiring)).isFalse();
        assertThat(gatewayAt(NOW.plusSeconds(5)).expired(expiring)).isTrue();
        assertThat(gatewayAt(NOW.plusSeconds(86_400)).expired(forever)).isFalse();
    }

    @Test
    void answersOnTheFallbackTopicWhenTheRequestedOneIsRefused() throws Exception {
        MqttProperties properties = new MqttProperties();
        properties.setResponseTopic("mmi/v1/lab-7/status");
        Exchange writesStatus = gateway.request("mmi/v1/lab-7/command", request("{}", properties));
        Exchange none = gateway.request("mmi/v1/lab-7/command", request("{}", new MqttProperties()));

        assertThatThrownBy(() -> gateway.checkResponseTopic(writesStatus))
                .isInstanceOf(BadCommandRequestException.class)
                .hasMessageContaining("status topic");
        gateway.checkResponseTopic(none);

        assertThat(writesStatus.getMessage().getHeader(CommandHeaders.RESPONSE_TOPIC))
                .isEqualTo("mmi/v1/lab-7/response");
        assertThat(none.getMessage().getHeader(CommandHeaders.RESPONSE_TOPIC)).isEqualTo("mmi/v1/lab-7/response");
    }

    @Test
    void refusesACommandForADeviceThatIsNotAttached() {
        Exchange exchange = gateway.request("mmi/v1/lab-7/command", request("{}", new MqttProperties()));

        assertThatThrownBy(() -> gateway.selectDevice(exchange))
                .isInstanceOf(org.openjii.mmi.device.DeviceAbsentException.class)
                .hasMessageContaining("No MultispeQ is attached");
    }
}
