package org.openjii.mmi.simulator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.device.JsonSanitizer;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.simulator.SimulatorFixtures.TIMEOUT;
import static org.openjii.mmi.simulator.SimulatorFixtures.assertChecksummedJson;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitLines;
import static org.openjii.mmi.simulator.SimulatorFixtures.awaitQuiet;
import static org.openjii.mmi.simulator.SimulatorFixtures.fast;
import static org.openjii.mmi.simulator.SimulatorFixtures.fixtureText;
import static org.openjii.mmi.simulator.SimulatorFixtures.json;
import static org.openjii.mmi.simulator.SimulatorFixtures.send;
import static org.openjii.mmi.simulator.SimulatorFixtures.withoutChecksum;

class SimulatorFaultTest extends SimulatorTestSupport {

    private static final String PAR_RAW = fixtureText("synthetic/serial/measurement-par-v2.raw");
    private static final String HELLO_RAW = fixtureText("synthetic/serial/hello.raw");
    private static final Duration QUIET = Duration.ofMillis(150);

    private void measurePar() {
        send(simulator, MeasurementProtocol.parse(fixtureText("public/protocols/par.json")).compact() + "\r\n");
    }

    /** After a fault the device must be usable again: hello gets its reply. */
    private void assertHelloStillWorks(CollectingLink link) {
        String before = link.text();
        send(simulator, "\r\nhello\r\n");
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("Ready\n"));
        assertThat(link.text()).isEqualTo(before + HELLO_RAW);
    }

    @Test
    void crcErrorPrintsWrongChecksumDigitsOverIntactJson() {
        CollectingLink link = plugIn(fast().build());
        simulator.injectNext(SimulatorFault.CRC_ERROR);

        measurePar();

        String line = awaitLines(link, 1);
        assertThat(withoutChecksum(line)).isEqualTo(withoutChecksum(PAR_RAW));
        assertThat(line).matches("(?s).*\\}[0-9A-F]{8}\n").isNotEqualTo(PAR_RAW);
        assertThat(simulator.measurementsSent()).isEqualTo(1);
    }

    @Test
    void oneShotCrcErrorWaitsForAReplyWithAChecksum() {
        CollectingLink link = plugIn(fast().build());
        simulator.injectNext(SimulatorFault.CRC_ERROR);

        send(simulator, "hello\r\n");
        assertThat(awaitLines(link, 1)).isEqualTo(HELLO_RAW);
        measurePar();

        String text = awaitLines(link, 2);
        assertThat(text).startsWith(HELLO_RAW).isNotEqualTo(HELLO_RAW + PAR_RAW);
        assertThat(withoutChecksum(text.substring(HELLO_RAW.length()))).isEqualTo(withoutChecksum(PAR_RAW));
    }

    @Test
    void truncateStopsMidReplyWithoutChecksumOrLineFeed() {
        CollectingLink link = plugIn(fast().build());
        simulator.injectNext(SimulatorFault.TRUNCATE);

        measurePar();

        await().atMost(TIMEOUT).until(() -> link.size() > 0);
        awaitQuiet(link, QUIET);
        String cut = link.text();
        assertThat(PAR_RAW).startsWith(cut);
        assertThat(cut.length()).isBetween(1, withoutChecksum(PAR_RAW).length() - 1);
        assertThat(cut).doesNotContain("\n");
        assertThat(simulator.measurementsSent()).isZero();
        assertHelloStillWorks(link);
    }

    @Test
    void garbageComesBeforeAnIntactReply() {
        for (long seed = 1; seed <= 6; seed++) {
            CollectingLink link = plugIn(fast().seed(seed).build());
            simulator.injectNext(SimulatorFault.GARBAGE);

            measurePar();

            await().atMost(TIMEOUT).until(() -> link.latin1().endsWith(PAR_RAW));
            String noise = link.latin1().substring(0, link.size() - PAR_RAW.length());
            assertThat(noise).isNotEmpty().doesNotContain("\0");
            assertThat(noise.substring(0, noise.length() - 1)).doesNotContain("\n");
        }
    }

    @Test
    void garbageSometimesEndsWithItsOwnLineFeed() {
        CollectingLink link = plugIn(fast().build());
        int withLineFeed = 0;
        int without = 0;
        for (int i = 0; i < 12; i++) {
            link.clear();
            simulator.injectNext(SimulatorFault.GARBAGE);
            send(simulator, "hello\r\n");
            await().atMost(TIMEOUT).until(() -> link.latin1().endsWith(HELLO_RAW));
            String noise = link.latin1().substring(0, link.size() - HELLO_RAW.length());
            if (noise.endsWith("\n")) {
                withLineFeed++;
            } else {
                without++;
            }
        }
        assertThat(withLineFeed).isPositive();
        assertThat(without).isPositive();
    }

    @Test
    void nanTokensKeepAValidChecksumOverInvalidJson() {
        CollectingLink link = plugIn(fast().build());
        simulator.injectNext(SimulatorFault.NAN_TOKENS);

        measurePar();

        String line = awaitLines(link, 1);
        String json = withoutChecksum(line);
        assertThat(line.substring(json.length(), line.length() - 1))
                .isEqualTo(Crc32Checksum.format(Crc32Checksum.compute(json)));
        assertThat(json).containsPattern(":(nan|-nan|inf)[,}\\]]");
        assertThat(DeviceJson.validate(json.getBytes(StandardCharsets.UTF_8), 0, json.length())).isNotNull();
        JsonSanitizer.Result sanitized = JsonSanitizer.sanitize(json);
        assertThat(sanitized.replacements()).isPositive();
        JsonNode reply = json(sanitized.text());
        JsonNode recorded = json(withoutChecksum(PAR_RAW));
        assertThat(reply.get("device_id")).isEqualTo(recorded.get("device_id"));
        JsonNode sample = reply.get("sample").get(0);
        JsonNode recordedSample = recorded.get("sample").get(0);
        recordedSample.fieldNames().forEachRemaining(key -> {
            if (!sample.get(key).isNull()) {
                assertThat(sample.get(key)).as(key).isEqualTo(recordedSample.get(key));
            }
        });
    }

    @Test
    void nanTokensOnlyHitMeasurements() {
        CollectingLink link = plugIn(fast().firmware("1.17").build());
        simulator.injectNext(SimulatorFault.NAN_TOKENS);

        send(simulator, "device_info\r\n");
        assertChecksummedJson(awaitLines(link, 1));
        assertThat(link.text()).doesNotContain("nan");
        measurePar();

        assertThat(awaitLines(link, 2)).containsPattern(":(nan|-nan|inf)[,}\\]]");
    }

    @Test
    void slowWritesOneToEightBytesAtATime() {
        CollectingLink link = plugIn(fast().build());
        simulator.injectNext(SimulatorFault.SLOW);

        measurePar();

        assertThat(awaitLines(link, 1)).isEqualTo(PAR_RAW);
        assertThat(link.writeSizes()).allSatisfy(size -> assertThat(size).isBetween(1, 8));
        assertThat(link.writeSizes().size()).isGreaterThan(PAR_RAW.length() / 8);
    }

    @Test
    void silenceSwallowsTheReply() {
        CollectingLink link = plugIn(fast().build());
        simulator.injectNext(SimulatorFault.SILENCE);

        measurePar();
        awaitQuiet(link, QUIET);

        assertThat(link.text()).isEmpty();
        assertHelloStillWorks(link);
        assertThat(simulator.repliesSent()).isEqualTo(1);
    }

    @Test
    void unplugAfterACompleteReply() {
        CollectingLink link = plugIn(fast().replugAfter(Duration.ofSeconds(3)).build());
        simulator.injectNext(SimulatorFault.UNPLUG);

        send(simulator, "hello\r\n");

        await().atMost(TIMEOUT).until(() -> !link.unplugs().isEmpty());
        assertThat(link.text()).isEqualTo(HELLO_RAW);
        assertThat(link.unplugs()).containsExactly(Optional.of(Duration.ofSeconds(3)));
        assertThat(simulator.isConnected()).isFalse();

        send(simulator, "hello\r\n");
        awaitQuiet(link, QUIET);
        assertThat(link.text()).isEqualTo(HELLO_RAW);

        CollectingLink replugged = new CollectingLink();
        simulator.connect(replugged);
        send(simulator, "hello\r\n");
        assertThat(awaitLines(replugged, 1)).isEqualTo(HELLO_RAW);
    }

    @Test
    void unplugMidReplyWhenCombinedWithTruncate() {
        CollectingLink link = plugIn(fast().replugAfter(null).build());
        simulator.injectNext(SimulatorFault.TRUNCATE, SimulatorFault.UNPLUG);

        measurePar();

        await().atMost(TIMEOUT).until(() -> !link.unplugs().isEmpty());
        assertThat(link.unplugs()).containsExactly(Optional.empty());
        assertThat(PAR_RAW).startsWith(link.text());
        assertThat(link.text()).doesNotContain("\n");
        assertThat(simulator.measurementsSent()).isZero();
    }

    @Test
    void unplugInsteadOfTheReplyWhenCombinedWithSilence() {
        CollectingLink link = plugIn(fast().build());
        simulator.injectNext(SimulatorFault.SILENCE, SimulatorFault.UNPLUG);

        measurePar();

        await().atMost(TIMEOUT).until(() -> !link.unplugs().isEmpty());
        assertThat(link.text()).isEmpty();
    }

    @Test
    void unplugAfterEveryNRepliesSincePlugIn() {
        CollectingLink link = plugIn(SimulatorOptions.parse("pause=0,run-time=0,faults=unplug:after=3,replug=1s"));

        send(simulator, "hello\r\nhello\r\n");
        awaitLines(link, 2);
        assertThat(link.unplugs()).isEmpty();
        send(simulator, "hello\r\n");

        await().atMost(TIMEOUT).until(() -> link.unplugs().size() == 1);
        assertThat(link.text()).isEqualTo(HELLO_RAW.repeat(3));
        assertThat(link.unplugs()).containsExactly(Optional.of(Duration.ofSeconds(1)));
    }

    @Test
    void floodWritesAnEndlessLineUpToItsLimit() {
        CollectingLink link = plugIn(fast().floodBytes(256 * 1024).build());
        simulator.injectNext(SimulatorFault.FLOOD);

        measurePar();

        await().atMost(TIMEOUT).until(() -> link.size() >= 256 * 1024);
        awaitQuiet(link, QUIET);
        assertThat(link.size()).isEqualTo(256 * 1024);
        assertThat(link.text()).doesNotContain("\n");
        assertHelloStillWorks(link);
    }

    @Test
    void floodStopsOnCancel() {
        CollectingLink link = plugIn(SimulatorOptions.builder().floodBytes(1L << 40).build());
        simulator.injectNext(SimulatorFault.FLOOD);
        measurePar();
        await().atMost(TIMEOUT).until(() -> link.size() > 64 * 1024);

        send(simulator, "-1+");

        awaitQuiet(link, QUIET);
        assertThat(link.size()).isLessThan(16 << 20);
        assertHelloStillWorks(link);
    }

    @Test
    void floodStopsOnDisconnect() {
        CollectingLink link = plugIn(SimulatorOptions.builder().floodBytes(1L << 40).build());
        simulator.injectNext(SimulatorFault.FLOOD);
        measurePar();
        await().atMost(TIMEOUT).until(() -> link.size() > 64 * 1024);

        simulator.disconnect();
        int atDisconnect = link.size();

        awaitQuiet(link, QUIET);
        assertThat(link.size()).isEqualTo(atDisconnect);
    }

    @Test
    void disconnectAbandonsARunAndDiscardsItsOutput() {
        CollectingLink link = plugIn(SimulatorOptions.builder()
                .chunkPause(Duration.ZERO)
                .runTime(Duration.ofSeconds(30))
                .build());
        measurePar();
        await().atMost(TIMEOUT).until(() -> link.text().endsWith("\"sample\":["));

        simulator.disconnect();
        String before = link.text();
        CollectingLink next = new CollectingLink();
        simulator.connect(next);
        send(simulator, "hello\r\n");

        assertThat(awaitLines(next, 1)).isEqualTo(HELLO_RAW);
        assertThat(link.text()).isEqualTo(before);
    }

    @Test
    void probabilisticFaultsHitEveryReplyAtProbabilityOne() {
        CollectingLink link = plugIn(fast().fault(SimulatorFault.CRC_ERROR, 1.0).build());

        for (int i = 0; i < 3; i++) {
            send(simulator, "device_info\r\n");
        }

        String[] lines = awaitLines(link, 3).split("\n");
        for (String line : lines) {
            String json = SimulatorFixtures.withoutChecksumLine(line);
            assertThat(line.substring(json.length())).isNotEqualTo(Crc32Checksum.format(Crc32Checksum.compute(json)));
        }
    }

    @Test
    void sameSeedSameFaults() {
        SimulatorOptions options = fast()
                .seed(1234)
                .fault(SimulatorFault.GARBAGE, 0.5)
                .fault(SimulatorFault.CRC_ERROR, 0.5)
                .fault(SimulatorFault.NAN_TOKENS, 0.5)
                .build();
        CollectingLink first = plugIn(options);
        MultispeqSimulator a = simulator;
        CollectingLink second = plugIn(options);
        MultispeqSimulator b = simulator;

        for (int i = 0; i < 8; i++) {
            for (MultispeqSimulator s : List.of(a, b)) {
                simulator = s;
                measurePar();
            }
            int replies = i + 1;
            await().atMost(TIMEOUT).until(() -> a.repliesSent() == replies && b.repliesSent() == replies);
        }

        assertThat(second.bytes()).isEqualTo(first.bytes());
        assertThat(first.text()).isNotEqualTo(PAR_RAW.repeat(8));
    }
}
