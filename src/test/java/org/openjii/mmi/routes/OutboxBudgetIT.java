package org.openjii.mmi.routes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.support.DefaultExchange;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The flood, through the command route (fed directly, not from the broker: it is away): 10,000 requests that
 * cannot be
 * read, each answered and filed as a dead letter, while measurements arrive, with mmi.outbox.max-mb=5 and the broker
 * away so that nothing drains. Dead letters and responses fill their own budget and are refused beyond it, counted and
 * logged a few times, without a stack trace; every measurement is stored and, once the broker is back, delivered.
 */
class OutboxBudgetIT extends MmiRouteTestSupport {

    private static final int REQUESTS = 10_000;
    private static final int MEASUREMENT_EVERY = 100;
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";

    static {
        // The recorder's session and subscriptions survive the broker's restart.
        brokerConfig = dir -> List.of("persistence true", "persistence_location " + dir + "/",
                "max_queued_messages 10000");
    }

    private final String par = TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json");

    @BeforeAll
    static void smallBudgets() {
        override("mmi.outbox.max-mb", "5");
        override("mmi.outbox.dead-letter-max-mb", "1");
    }

    /** Every log event of the flood, as the console would print it. */
    private static final class Capture extends AbstractAppender {

        final List<LogEvent> events = new CopyOnWriteArrayList<>();

        Capture() {
            super("flood-capture", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
                events.add(event.toImmutable());
            }
        }
    }

    @Test
    void shouldStoreAndDeliverEveryMeasurementThroughAFloodOfBadRequests() throws Exception {
        Outbox outbox = delivery().outbox();
        // The requests come straight into the command route: the broker they would come from is away.
        AdviceWith.adviceWith(context, "command-request", route -> route.replaceFromWith("direct:command-request"));
        byte[] unreadable = ("{\"command\": \"battery\", \"padding\": \"" + "x".repeat(4000))
                .getBytes(StandardCharsets.UTF_8);
        Capture capture = new Capture();
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(capture, Level.WARN, null);
        int measurements = 0;
        recorder.leave(broker);
        broker.stop();
        try {
            for (int i = 0; i < REQUESTS; i++) {
                Exchange request = new DefaultExchange(context);
                request.getMessage().setBody(unreadable);
                // The headers the iot:command consumer sets.
                request.getMessage().setHeader(IotConstants.RECEIVED_AT, Instant.now());
                request.getMessage().setHeader(IotConstants.TOPIC, "mmi/v1/" + CLIENT_ID + "/command");
                template.send("direct:command-request", request);
                if (i % MEASUREMENT_EVERY == 0) {
                    template.sendBodyAndHeaders("direct:ingest", par, Map.of(MultispeqConstants.LAST_BYTE_AT,
                            Instant.parse("2026-03-09T00:00:00Z").plusSeconds(measurements++),
                            MultispeqConstants.PORT, "/dev/ttyTEST0"));
                }
            }
            assertThat(outbox.refusedFullData()).as("measurements refused").isZero();
            assertThat(outbox.refusedFull()).as("dead letters and responses refused beyond their budget")
                    .isPositive();
            assertThat(outbox.otherBytes()).isLessThanOrEqualTo(1024 * 1024);
            assertThat(outbox.rawInputBytes()).as("unreadable requests are kept as a prefix only").isZero();
        } finally {
            logging.getConfiguration().getRootLogger().removeAppender(capture.getName());
            capture.stop();
            broker.restart();
            recorder.reconnect();
        }

        List<LogEvent> withStackTraces = capture.events.stream().filter(e -> e.getThrown() != null).toList();
        assertThat(withStackTraces).as("log events with a stack trace").isEmpty();
        long refusalLines = capture.events.stream()
                .filter(e -> e.getMessage().getFormattedMessage().contains("is full for dead letters"))
                .count();
        System.out.printf("flood: %d requests, %d refused by the outbox, %d refusal log line(s), %d WARN+ lines%n",
                REQUESTS, outbox.refusedFull(), refusalLines, capture.events.size());
        assertThat(refusalLines).isBetween(1L, 20L);

        int stored = measurements;
        await().atMost(Duration.ofSeconds(120)).until(() -> timestamps().size() == stored);
        JsonNode deadLetter = DeviceJson.parse(recorder.on("mmi/dlq/" + CLIENT_ID + "/bad-request").get(0).payload());
        assertThat(deadLetter.get("raw").asText()).hasSizeLessThanOrEqualTo(1024).startsWith("{\"command\"");
        assertThat(deadLetter.get("raw_truncated").asBoolean()).isTrue();
        assertThat(deadLetter.get("raw_bytes").asInt()).isEqualTo(unreadable.length);
    }

    private Set<String> timestamps() {
        return recorder.on(DATA)
                .stream()
                .map(m -> {
                    try {
                        return DeviceJson.parse(m.payload()).path("timestamp").asText();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                })
                .collect(Collectors.toSet());
    }
}
