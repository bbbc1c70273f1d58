package org.openjii.mmi;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.BridgeProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmi run} as an operator starts it, with a value that cannot work: it stops at once, with one
 * {@code mmi run:} line that names the key, instead of running in a way nobody asked for.
 */
class StartupRefusalsIT {

    @TempDir
    Path dir;

    /** Camel reads "-1s" as 0, which for the device route means "measure once": the bridge would stop measuring. */
    @Test
    void shouldRefuseANegativeMeasuringInterval() throws Exception {
        String line = startupFailure("negative-interval", Map.of("mmi.device.interval", "-1s",
                "mmi.mqtt.broker-url", "log"));

        assertThat(line).isEqualTo("mmi run: mmi.device.interval must not be negative, was '-1s'");
    }

    @Test
    void shouldRefuseAMeasuringIntervalThatIsNoDuration() throws Exception {
        String line = startupFailure("garbled-interval", Map.of("mmi.device.interval", "10x",
                "mmi.mqtt.broker-url", "log"));

        assertThat(line).startsWith("mmi run: mmi.device.interval must be a duration such as").endsWith("'10x'");
    }

    /** Camel's HTTP server only logs a port it cannot bind, and the bridge would run without health or metrics. */
    @Test
    void shouldStopWhenTheHttpPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            String line = startupFailure("http-taken", Map.of("mmi.http.port", String.valueOf(port),
                    "mmi.mqtt.broker-url", "log"));

            assertThat(line).startsWith("mmi run: mmi.http.port " + port + " on mmi.http.host 127.0.0.1: cannot listen"
                    + " there (").contains("in use").endsWith("or mmi.http.port=off");
        }
    }

    /** The process ends with a failure and says why in one {@code mmi run:} line, which is returned. */
    private String startupFailure(String name, Map<String, String> settings) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("mmi.outbox.dir", dir.resolve(name + "-outbox").toString());
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve(name + ".log"), all)) {
            assertThat(bridge.process().waitFor(60, TimeUnit.SECONDS)).as("the bridge stops").isTrue();
            String output = bridge.output();
            assertThat(bridge.process().exitValue()).as(output).isNotZero();
            String line = output.lines()
                    .filter(l -> l.startsWith("mmi run: "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("No 'mmi run:' line in:\n" + output));
            assertThat(output).as("one line").doesNotContain("  caused by: ");
            return line;
        }
    }
}
