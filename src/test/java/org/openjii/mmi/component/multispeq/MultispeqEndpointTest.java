package org.openjii.mmi.component.multispeq;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultispeqEndpointTest {

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void shouldReadOptionsFromTheUri() {
        MultispeqEndpoint endpoint = context.getEndpoint("multispeq:lab?port=/dev/ttyACM0&interval=30s&timeout=5s"
                + "&maxFrameSize=300000&answers=,0.22&acknowledgeAlerts=true"
                + "&allowCommands=usb_on,save",
                MultispeqEndpoint.class);

        MultispeqConfiguration c = endpoint.getConfiguration();
        assertThat(endpoint.getName()).isEqualTo("lab");
        assertThat(c.getPort()).isEqualTo("/dev/ttyACM0");
        assertThat(c.getInterval()).isEqualTo(30_000);
        assertThat(c.getTimeout()).isEqualTo(5_000);
        assertThat(c.getMaxFrameSize()).isEqualTo(300_000);
        assertThat(c.isAcknowledgeAlerts()).isTrue();
        assertThat(endpoint.commandPolicy().allowed()).contains("usb_on", "save", "battery");
    }

    @Test
    void shouldDefaultToAutoDiscoveryAtTheDeviceSettings() {
        MultispeqConfiguration c = context.getEndpoint("multispeq:lab", MultispeqEndpoint.class).getConfiguration();

        assertThat(c.getPort()).isEqualTo("auto");
        assertThat(c.getBaudRate()).isEqualTo(115200);
        assertThat(c.getMaxFrameSize()).isGreaterThanOrEqualTo(256 * 1024);
        assertThat(c.getInterval()).isZero();
        assertThat(c.getTimeout()).isZero();
        assertThat(c.isDtr()).isTrue();
        assertThat(c.isHandshake()).isTrue();
    }

    @Test
    void shouldRefuseAConsumerWithoutProtocolOrCommand() throws Exception {
        context.addRoutes(route("multispeq:lab?port=sim"));

        assertThatThrownBy(context::start)
                .hasStackTraceContaining("exactly one of the options protocol (a measurement) or command");
    }

    @Test
    void shouldNameTheProtocolFileThatCannotBeRead() throws Exception {
        context.addRoutes(route("multispeq:lab?port=sim&protocol=file:no/such/protocol.json"));

        assertThatThrownBy(context::start).hasStackTraceContaining("cannot read protocol 'file:no/such/protocol.json'");
    }

    @Test
    void shouldRejectAnInteractiveProtocolWithoutAnswersAtStartup() throws Exception {
        context.addRoutes(route("multispeq:lab?port=sim&protocol=classpath:"
                + "fixtures/multispeq/public/protocols/leaf-thickness-calibration-alert-prompt.json"));

        assertThatThrownBy(context::start).hasStackTraceContaining("question(s) no configured answer covers");
    }

    @Test
    void shouldRefuseADeniedConsoleCommandForAConsumer() throws Exception {
        context.addRoutes(route("multispeq:lab?port=sim&command=reboot"));

        assertThatThrownBy(context::start).hasStackTraceContaining("Command 'reboot' is not allowed");
    }

    private static RouteBuilder route(String uri) {
        return new RouteBuilder() {

            @Override
            public void configure() {
                from(uri).to("mock:out");
            }
        };
    }
}
