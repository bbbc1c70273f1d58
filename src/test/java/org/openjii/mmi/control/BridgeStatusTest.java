package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.support.MmiVersion;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The status message: its JSON (snake_case keys, every key present, nulls for what is unknown), and what it says of a
 * device on the in-process simulator, whose identity is taken from the public PAR measurement.
 */
class BridgeStatusTest {

    private static final String PAR = "/fixtures/multispeq/public/measurements/par_fw2.3465.json";
    private static final String DEVICE_INFO = "/fixtures/multispeq/synthetic/serial/device-info-v2-assumed.raw";

    private CamelContext context;
    private BridgeStatus status;

    @AfterEach
    void stop() {
        if (status != null) {
            status.stop();
        }
        if (context != null) {
            context.stop();
        }
    }

    /** The device_info reply of the fixture: the JSON before its eight checksum digits. */
    private static DeviceInfo fixtureDeviceInfo() throws Exception {
        String raw = TestResources.text(DEVICE_INFO).strip();
        return DeviceInfo.fromJson(DeviceJson.parse(raw.substring(0, raw.length() - 8)));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> devices(Map<String, Object> snapshot) {
        return (List<Map<String, Object>>) snapshot.get("devices");
    }

    @Test
    void shouldWriteTheStatusAsSnakeCaseJsonWithEveryKeyAndNullsForWhatIsUnknown() throws Exception {
        DeviceInfo info = fixtureDeviceInfo();
        Instant since = Instant.parse("2026-11-22T06:10:03.120Z");
        Instant measured = Instant.parse("2026-11-22T06:12:40.873Z");
        List<StatusSnapshot.DeviceStatus> devices = List.of(
                new StatusSnapshot.DeviceStatus("multispeq", true, "/dev/ttyACM0", info.id(), info.firmware(),
                        info.battery(), measured),
                new StatusSnapshot.DeviceStatus("multispeq-2", false, "/dev/serial/by-id/usb-Teensyduino-if00", null,
                        null, null, null));

        Map<String, Object> content = StatusSnapshot.content("gw-7", since, 3L, devices);
        byte[] json = StatusSnapshot.render(StatusSnapshot.withUpdatedAt(content,
                Instant.parse("2026-11-22T06:12:41.007Z")));

        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"online\",\"client_id\":\"gw-7\","
                + "\"mmi_version\":\"" + MmiVersion.get() + "\",\"since\":\"2026-11-22T06:10:03.120Z\","
                + "\"updated_at\":\"2026-11-22T06:12:41.007Z\",\"outbox_depth\":3,\"devices\":["
                + "{\"name\":\"multispeq\",\"connected\":true,\"port\":\"/dev/ttyACM0\",\"device_id\":\"52:00:13:24\","
                + "\"firmware\":\"2.31\",\"battery\":92,\"last_measurement_at\":\"2026-11-22T06:12:40.873Z\"},"
                + "{\"name\":\"multispeq-2\",\"connected\":false,\"port\":\"/dev/serial/by-id/usb-Teensyduino-if00\","
                + "\"device_id\":null,\"firmware\":null,\"battery\":null,\"last_measurement_at\":null}]}");
        // What a change is looked for in leaves updated_at out; the published status has it right after since.
        assertThat(content).doesNotContainKey("updated_at");
    }

    @Test
    void shouldReportADeviceWithItsIdentityBatteryAndTheTimeOfItsLastMeasurement() throws Exception {
        JsonNode par = DeviceJson.mapper().readTree(TestResources.text(PAR));
        String simulator = "RAW(id=" + par.path("device_id").asText() + ",firmware=" + par.path("device_firmware")
                .asText() + ",battery=" + par.path("device_battery").asInt() + ",run-time=0s,pause=0ms)";
        context = new DefaultCamelContext();
        context.start();
        Map<String, String> routes = new LinkedHashMap<>();
        routes.put("lab", "sim:lab");
        routes.put("field", "/dev/ttyMMI-NOT-THERE");
        status = new BridgeStatus(context, "gw-7", () -> routes, null, Duration.ofMillis(100),
                Duration.ofMillis(200), Clock.systemUTC());
        status.start();
        MultispeqComponent component = context.getComponent("multispeq", MultispeqComponent.class);
        ProducerTemplate template = context.createProducerTemplate();

        // The producer opens the session; the device answers the handshake, then the protocol.
        Exchange run = template.request("multispeq:lab?port=sim:lab&simulator=" + simulator,
                e -> e.getIn().setBody("[{\"averages\":1,\"environmental\":[[\"light_intensity\"]]}]"));
        assertThat(run.getException()).isNull();
        Instant lastByte = run.getMessage().getHeader(MultispeqConstants.LAST_BYTE_AT, Instant.class);
        DeviceSession session = component.session("sim:lab");

        Map<String, Object> snapshot = status.snapshot();
        assertThat(snapshot).containsEntry("status", "online")
                .containsEntry("client_id", "gw-7")
                .containsEntry("since", null)
                .containsEntry("outbox_depth", null)
                .containsKey("updated_at");
        List<Map<String, Object>> devices = devices(snapshot);
        assertThat(devices).hasSize(2);
        assertThat(devices.get(0)).containsEntry("name", "lab")
                .containsEntry("connected", true)
                .containsEntry("port", session.systemPath())
                .containsEntry("device_id", par.path("device_id").asText())
                .containsEntry("firmware", par.path("device_firmware").asText())
                .containsEntry("battery", par.path("device_battery").asInt())
                .containsEntry("last_measurement_at", lastByte.toString());
        assertThat(devices.get(1)).containsEntry("name", "field")
                .containsEntry("connected", false)
                .containsEntry("port", "/dev/ttyMMI-NOT-THERE")
                .containsEntry("device_id", null)
                .containsEntry("last_measurement_at", null);

        // Every battery-interval the device is asked (a reply beyond the run's), with nothing else sent to it.
        long replies = component.getSimulatedDevice("sim:lab").simulator().repliesSent();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> component.getSimulatedDevice("sim:lab").simulator().repliesSent() >= replies + 2);
        assertThat(devices(status.snapshot()).get(0).get("battery"))
                .isEqualTo(par.path("device_battery").asInt());
    }

    @Test
    void shouldNameAStatusIntervalThatIsNotADurationInsteadOfReadingItAsZero() {
        context = new DefaultCamelContext();
        Properties settings = new Properties();
        settings.put("mmi.status.battery-interval", "5 min");
        context.getPropertiesComponent().setOverrideProperties(settings);

        assertThatThrownBy(() -> BridgeStatus.fromProperties(context, Map::of, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("mmi.status.battery-interval must be a duration")
                .hasMessageEndingWith("was '5 min'");
    }
}
