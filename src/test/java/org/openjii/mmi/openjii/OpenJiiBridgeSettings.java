package org.openjii.mmi.openjii;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture;
import org.openjii.mmi.test.openjii.OpenJiiPolicyBroker;

/** {@code mmi run} settings of the openJII tests: the downloads, the test broker's port, these ports, a short plan. */
final class OpenJiiBridgeSettings {

    private OpenJiiBridgeSettings() {
    }

    static Map<String, String> of(OpenJiiDownloadsFixture downloads, OpenJiiPolicyBroker broker, Path outbox,
            Duration interval, PtySimulator... ports) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("mmi.openjii.dir", downloads.dir().toString());
        settings.put("mmi.openjii.port", Integer.toString(broker.port()));
        settings.put("mmi.openjii.poll-interval", "500ms");
        settings.put("mmi.openjii.release-delay", "5s");
        settings.put("mmi.device.port", String.join(",", Arrays.stream(ports)
                .map(port -> port.hostLink().toString())
                .toList()));
        settings.put("mmi.device.interval", interval.toMillis() + "ms");
        settings.put("mmi.outbox.dir", outbox.toString());
        return settings;
    }
}
