package org.openjii.mmi.routes;

import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MqttRecorder.Received;
import org.openjii.mmi.test.ScriptedPtyDevice;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.routes.RepliesWithoutChecksumIT.CHECKSUMMED;
import static org.openjii.mmi.routes.RepliesWithoutChecksumIT.WAIT;
import static org.openjii.mmi.routes.RepliesWithoutChecksumIT.WITHOUT_CHECKSUM;

/**
 * With {@code mmi.ingest.crc-absent=dead-letter} the reply without checksum is a dead letter; checksummed data goes on.
 */
class RepliesWithoutChecksumDeadLetteredIT extends MmiRouteTestSupport {

    static ScriptedPtyDevice device;

    @BeforeAll
    static void scriptedDevice() throws Exception {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        device = ScriptedPtyDevice.start(Files.createTempDirectory("mmi-pty").resolve("ttyFW117"), List.of(
                WITHOUT_CHECKSUM + "\r\n",
                CHECKSUMMED + Crc32Checksum.format(Crc32Checksum.compute(CHECKSUMMED)) + "\n"));
        override("mmi.device.port", device.link().toString());
        override("mmi.device.interval", "300ms");
        override("mmi.ingest.crc-absent", "dead-letter");
    }

    @AfterAll
    static void stopDevice() throws Exception {
        if (device != null) {
            device.close();
        }
    }

    @Test
    void shouldDeadLetterTheReplyWithoutChecksumWithItsBytes() throws Exception {
        await().atMost(WAIT).until(() -> !recorder.on("mmi/dlq/").isEmpty() && !recorder.on("experiment/").isEmpty());

        Received dead = recorder.on("mmi/dlq/").get(0);
        assertThat(dead.topic()).isEqualTo("mmi/dlq/" + CLIENT_ID + "/crc-absent");
        JsonNode envelope = DeviceJson.parse(dead.payload());
        assertThat(envelope.get("raw").asText()).isEqualTo(WITHOUT_CHECKSUM);
        assertThat(recorder.on("experiment/")).allSatisfy(m -> assertThat(new String(m.payload())).contains("99.5"));
    }
}
