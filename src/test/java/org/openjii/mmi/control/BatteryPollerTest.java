package org.openjii.mmi.control;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The battery poll on a device of the in-process simulator, whose battery is taken from the public PAR measurement.
 * The poller runs on the test's thread (a direct executor), so each round has ended when the call returns.
 */
class BatteryPollerTest {

    private static final String PAR = "/fixtures/multispeq/public/measurements/par_fw2.3465.json";

    private CamelContext context;
    private MultispeqComponent component;
    private DeviceSession session;
    private int battery;
    private final List<DeviceReply> replies = new ArrayList<>();
    private final BatteryPoller poller = new BatteryPoller(() -> component.sessions(),
            (device, reply) -> replies.add(reply));

    @BeforeEach
    void openADevice() throws Exception {
        JsonNode par = DeviceJson.mapper().readTree(TestResources.text(PAR));
        battery = par.path("device_battery").asInt();
        String simulator = "RAW(id=" + par.path("device_id").asText() + ",battery=" + battery + ",pause=0ms)";
        context = new DefaultCamelContext();
        context.start();
        component = context.getComponent("multispeq", MultispeqComponent.class);
        // The producer opens the session and waits for the handshake.
        Exchange hello = context.createProducerTemplate()
                .request("multispeq:lab?port=sim:lab&simulator=" + simulator, e -> e.getIn().setBody("hello"));
        assertThat(hello.getException()).isNull();
        session = component.session("sim:lab");
        assertThat(session.isReady()).isTrue();
    }

    @AfterEach
    void stop() {
        poller.stop();
        context.stop();
    }

    @Test
    void shouldAskEveryConnectedDeviceItsBatteryInARound() {
        poller.start(Runnable::run);

        poller.refreshAll();

        assertThat(replies).hasSize(1);
        assertThat(replies.get(0).battery()).isEqualTo(battery);
        assertThat(replies.get(0).request().isMeasurement()).isFalse();
    }

    @Test
    void shouldAskADeviceThatHasJustConnectedOnThePollersExecutor() {
        List<Runnable> queued = new ArrayList<>();
        poller.start(queued::add);

        poller.deviceReady(session);
        assertThat(replies).isEmpty();
        queued.forEach(Runnable::run);

        assertThat(replies).extracting(DeviceReply::battery).containsExactly(battery);
    }

    @Test
    void shouldAskNothingBeforeItStartsOrAfterItStopped() {
        long sent = component.getSimulatedDevice("sim:lab").simulator().repliesSent();
        poller.refreshAll();
        poller.deviceReady(session);

        poller.start(Runnable::run);
        poller.stop();
        poller.refreshAll();
        poller.deviceReady(session);

        assertThat(replies).isEmpty();
        assertThat(component.getSimulatedDevice("sim:lab").simulator().repliesSent()).isEqualTo(sent);
    }
}
