package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.routes.DeviceRouteManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RemoteCommandsTest {

    private static final Instant NOW = Instant.parse("2026-11-22T09:00:00Z");

    private final CamelContext context = new DefaultCamelContext();
    private final RemoteCommands commands = commandsAt(NOW);

    private RemoteCommands commandsAt(Instant now) {
        return new RemoteCommands(context, CommandTopics.defaults("lab-7"), 10, new DeviceRouteManager(),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() throws Exception {
        context.close();
    }

    /** A request as the iot:command consumer hands it over. */
    private Exchange request(String responseTopic, Long expirySeconds) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setBody("{}".getBytes(StandardCharsets.UTF_8));
        exchange.getMessage().setHeader(IotConstants.TOPIC, "mmi/v1/lab-7/command");
        exchange.getMessage().setHeader(IotConstants.RECEIVED_AT, NOW);
        if (responseTopic != null) {
            exchange.getMessage().setHeader(IotConstants.RESPONSE_TOPIC, responseTopic);
        }
        if (expirySeconds != null) {
            exchange.getMessage().setHeader(IotConstants.EXPIRES_AT, NOW.plusSeconds(expirySeconds));
        }
        return exchange;
    }

    @Test
    void dropsARequestOnlyOnceItsExpiryHasPassed() {
        Exchange expiring = request(null, 5L);
        Exchange forever = request(null, null);

        assertThat(commandsAt(NOW.plusSeconds(4)).expired(expiring)).isFalse();
        assertThat(commandsAt(NOW.plusSeconds(5)).expired(expiring)).isTrue();
        assertThat(commandsAt(NOW.plusSeconds(86_400)).expired(forever)).isFalse();
    }

    @Test
    void answersOnTheFallbackTopicWhenTheRequestedOneIsRefused() throws Exception {
        Exchange writesStatus = request("mmi/v1/lab-7/status", null);
        Exchange none = request(null, null);

        assertThatThrownBy(() -> commands.checkResponseTopic(writesStatus))
                .isInstanceOf(BadCommandRequestException.class)
                .hasMessageContaining("status topic");
        commands.checkResponseTopic(none);

        assertThat(writesStatus.getMessage().getHeader(CommandHeaders.RESPONSE_TOPIC))
                .isEqualTo("mmi/v1/lab-7/response");
        assertThat(none.getMessage().getHeader(CommandHeaders.RESPONSE_TOPIC)).isEqualTo("mmi/v1/lab-7/response");
        assertThat(none.getMessage().getHeader(CommandHeaders.REQUEST_TOPIC)).isEqualTo("mmi/v1/lab-7/command");
    }

    @Test
    void answersWithTheRequestsCorrelationDataOnTheCheckedTopic() throws Exception {
        Exchange exchange = request("mmi/v1/lab-7/response/ops-1", null);
        exchange.getMessage().setHeader(IotConstants.CORRELATION_DATA, "req-1".getBytes(StandardCharsets.UTF_8));
        commands.checkResponseTopic(exchange);

        commands.prepareResponse(exchange);

        assertThat(exchange.getMessage().getHeader(IotConstants.TOPIC)).isEqualTo("mmi/v1/lab-7/response/ops-1");
        assertThat(exchange.getMessage().getHeader(IotConstants.CORRELATION_DATA, String.class)).isEqualTo("req-1");
        assertThat(exchange.getMessage().getHeader(IotConstants.MESSAGE_ID, String.class)).hasSize(36);
    }

    @Test
    void refusesACommandForADeviceThatIsNotAttached() {
        Exchange exchange = request(null, null);

        assertThatThrownBy(() -> commands.selectDevice(exchange))
                .isInstanceOf(org.openjii.mmi.device.DeviceAbsentException.class)
                .hasMessageContaining("No MultispeQ is attached");
    }
}
