package org.openjii.mmi.cli;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.test.TestResources;

import static org.assertj.core.api.Assertions.assertThat;

/** What republish hands the ingest route from a dead letter of the device route: the reply without its checksum. */
class DeadLettersRepublishTest {

    private static final String SERIAL = "/fixtures/multispeq/synthetic/serial/";

    private static byte[] fixture(String name) {
        return TestResources.text(SERIAL + name).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void stripsAChecksumThatMatchesTheText() {
        String frame = TestResources.text(SERIAL + "measurement-par-v2.raw");
        String json = frame.strip().substring(0, frame.strip().length() - 8);

        byte[] input = DeadLettersRepublish.withoutChecksum(fixture("measurement-par-v2.raw"));

        assertThat(new String(input, StandardCharsets.UTF_8)).isEqualTo(json).endsWith("}");
    }

    @Test
    void refusesAChecksumThatDoesNotMatch() {
        assertThat(DeadLettersRepublish.withoutChecksum(fixture("measurement-par-v2.checksum-mismatch.raw")))
                .isNull();
    }

    @Test
    void leavesInputWithoutChecksumAsItIs() {
        byte[] truncated = fixture("measurement-par-v2.truncated.raw");
        assertThat(DeadLettersRepublish.withoutChecksum(truncated)).isSameAs(truncated);
        byte[] json = "{\"device_id\":\"00:00:12:34\",\"sample\":[]}".getBytes(StandardCharsets.UTF_8);
        assertThat(DeadLettersRepublish.withoutChecksum(json)).isSameAs(json);
    }
}
