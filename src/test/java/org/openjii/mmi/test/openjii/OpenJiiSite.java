package org.openjii.mmi.test.openjii;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;

/**
 * openJII as the bridge's tests meet it, in {@code dir}: the broker that enforces openJII's IoT policy, trusting a
 * test "Amazon Root CA 1", and a downloads folder ({@code dir/downloads}) whose bundles carry that CA and a second
 * one, as openJII's do. Skips the test on a laptop without socat or Mosquitto (fails under CI).
 */
public record OpenJiiSite(OpenJiiPolicyBroker broker, OpenJiiDownloadsFixture downloads) {

    public static OpenJiiSite start(Path dir) throws IOException {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        TestPki.Authority amazon = TestPki.Authority.create("Test Amazon Root CA 1");
        OpenJiiPolicyBroker broker = OpenJiiPolicyBroker.start(dir.resolve("broker"), amazon);
        return new OpenJiiSite(broker, new OpenJiiDownloadsFixture(Files.createDirectories(dir.resolve("downloads")),
                OpenJiiPolicyBroker.HOST, amazon, TestPki.Authority.create("Test Amazon Root CA 3")));
    }
}
