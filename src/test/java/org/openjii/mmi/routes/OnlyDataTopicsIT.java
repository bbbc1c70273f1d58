package org.openjii.mmi.routes;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.delivery.OutboxQuarantine;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.simulator.MultispeqSimulator;
import org.openjii.mmi.simulator.SimulatorFault;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestResources;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bridge under a policy like openJII's IoT policy (publish on the data topics only, receive only a device's own
 * scripts topic, no retained messages) with the switches that keep it there: {@code mmi.mqtt.status-topic} empty (no
 * retained status, no Last Will), {@code mmi.commands.enabled=false} (no subscription) and
 * {@code mmi.dead-letters=local}. Mosquitto's log ({@code log_type all}) is the witness: the flags of every CONNECT
 * and PUBLISH it received, every SUBSCRIBE, every denial.
 */
class OnlyDataTopicsIT extends MmiRouteTestSupport {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";
    /** An experiment the policy does not let this device publish to: its messages are refused (0x87). */
    private static final String FORBIDDEN = "6f1c0d2e-0000-4000-8000-00000000dead";
    private static final Pattern CONNECT = Pattern.compile("New client connected from \\S+ as "
            + Pattern.quote(CLIENT_ID) + " \\(p5[^)]*\\)\\.\\R\\d+: (.*)");
    private static final Pattern PUBLISH = Pattern.compile("Received PUBLISH from " + Pattern.quote(CLIENT_ID)
            + " \\(d\\d, q(\\d), r(\\d), m\\d+, '([^']*)'");

    static {
        brokerConfig = dir -> {
            try {
                // openJII's policy for a Thing (infrastructure/modules/iot-core/main.tf from asyncapi.yaml): publish
                // on the data channels, receive its own scripts topic. Here with one experiment, so that another is
                // refused; and read on everything for the test's recorder (the bridge subscribes to nothing, which
                // the log shows).
                Files.write(dir.resolve("acl"), List.of("topic read #",
                        "topic write experiment/data_ingest/v1/" + EXPERIMENT + "/#",
                        "pattern read device/scripts/v1/+/+/%c"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return List.of("acl_file " + dir.resolve("acl"));
        };
    }

    @BeforeAll
    static void onlyWhatThePolicyAllows() {
        override("mmi.mqtt.status-topic", "");
        override("mmi.commands.enabled", "false");
        override("mmi.dead-letters", "local");
        override("mmi.device.port", "sim");
        override("mmi.device.interval", "200ms");
        override("mmi.simulator.options", "run-time=0s,pause=0ms");
    }

    private MultispeqSimulator simulator() {
        return context.getComponent("multispeq", MultispeqComponent.class).getSimulatedDevice("sim").simulator();
    }

    private List<OutboxQuarantine.Entry> kept() {
        return delivery().outbox().quarantine().list();
    }

    private static long count(List<OutboxQuarantine.Entry> entries, OutboxEntry.Kind kind, String reason) {
        return entries.stream()
                .filter(e -> e.kind() == kind)
                .filter(e -> reason == null || reason.equals(reason(e)))
                .count();
    }

    private static String reason(OutboxQuarantine.Entry entry) {
        try {
            return DeviceJson.parse(entry.payload(), 0, entry.payload().length).path("reason").asText();
        } catch (IOException e) {
            throw new AssertionError("A dead letter that is not JSON: " + entry, e);
        }
    }

    private double deadLettersCounted() {
        MeterRegistry meters = context.getRegistry()
                .lookupByNameAndType(Observability.METER_REGISTRY_NAME, MeterRegistry.class);
        return meters.find("mmi.dead.letters").counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void shouldConnectWithoutAWillAndPublishOnlyDataNeverRetained() throws Exception {
        await().atMost(WAIT).until(() -> recorder.on(DATA).size() >= 3);

        String log = broker.logText();
        Matcher connects = CONNECT.matcher(log);
        List<String> willLines = new ArrayList<>();
        while (connects.find()) {
            willLines.add(connects.group(1));
        }
        assertThat(willLines).as("every CONNECT of the bridge, as Mosquitto logged it")
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).isEqualTo("No will message specified."));

        Matcher publishes = PUBLISH.matcher(log);
        List<String> topics = new ArrayList<>();
        while (publishes.find()) {
            assertThat(publishes.group(2)).as("retain flag of a PUBLISH to " + publishes.group(3)).isEqualTo("0");
            assertThat(publishes.group(1)).as("QoS").isEqualTo("1");
            topics.add(publishes.group(3));
        }
        assertThat(topics).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(topic -> assertThat(topic).startsWith("experiment/data_ingest/v1/"));
        assertThat(log).doesNotContain("Received SUBSCRIBE from " + CLIENT_ID)
                .doesNotContainPattern("Denied PUBLISH from " + Pattern.quote(CLIENT_ID) + " .*'mmi/");
    }

    @Test
    void shouldKeepEveryDeadLetterInTheQuarantineAndCountEachOnce() throws Exception {
        await().atMost(WAIT).until(() -> !recorder.on(DATA).isEmpty());
        simulator().injectNext(SimulatorFault.CRC_ERROR);
        await().atMost(WAIT).until(() -> count(kept(), OutboxEntry.Kind.DEAD_LETTER, "crc-mismatch") >= 1);
        simulator().injectNext(SimulatorFault.CRC_ERROR);
        await().atMost(WAIT).until(() -> count(kept(), OutboxEntry.Kind.DEAD_LETTER, "crc-mismatch") >= 2);
        // A data message the policy refuses: kept intact, and its dead letter kept next to it.
        String par = TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json");
        template.sendBodyAndHeaders("direct:ingest", par, Map.of(IngestHeaders.EXPERIMENT_ID, FORBIDDEN,
                MultispeqConstants.LAST_BYTE_AT, Instant.parse("2026-12-07T09:00:00Z")));
        await().atMost(WAIT).until(() -> count(kept(), OutboxEntry.Kind.DEAD_LETTER, "rejected-by-broker") == 1);

        List<OutboxQuarantine.Entry> entries = kept();
        assertThat(entries).filteredOn(e -> e.kind() == OutboxEntry.Kind.DATA).singleElement().satisfies(refused -> {
            assertThat(refused.reasonCode()).isEqualTo(0x87);
            assertThat(refused.topic()).startsWith("experiment/data_ingest/v1/" + FORBIDDEN + "/");
        });
        List<OutboxQuarantine.Entry> letters = entries.stream()
                .filter(e -> e.kind() == OutboxEntry.Kind.DEAD_LETTER)
                .toList();
        assertThat(letters).allSatisfy(letter -> assertThat(letter.keptLocally()).isTrue());
        // One count per dead letter made, as in publish mode: the count and the letters kept agree.
        await().atMost(WAIT).until(() -> deadLettersCounted() == count(kept(), OutboxEntry.Kind.DEAD_LETTER, null));
        assertThat(delivery().outbox().otherBytes()).as("under mmi.outbox.dead-letter-max-mb")
                .isEqualTo(kept().stream()
                        .filter(e -> e.kind() == OutboxEntry.Kind.DEAD_LETTER)
                        .mapToLong(e -> e.payload().length)
                        .sum() + delivery().outbox().rawInputBytes());
        // Never published: nothing on a dead-letter topic, and the broker saw no PUBLISH there.
        assertThat(recorder.on("mmi/")).isEmpty();
        assertThat(broker.logText())
                .doesNotContainPattern("Received PUBLISH from " + Pattern.quote(CLIENT_ID) + " \\(.*'mmi/")
                .as("the refused message was sent once")
                .containsOnlyOnce("Denied PUBLISH from " + CLIENT_ID);
    }
}
