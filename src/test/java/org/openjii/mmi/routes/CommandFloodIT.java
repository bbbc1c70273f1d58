package org.openjii.mmi.routes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The flood, over MQTT this time: 10,000 requests that cannot be read, published as fast as the broker takes
 * them to the bridge's command topic, each with its own correlation data, while measurements arrive and with
 * {@code mmi.outbox.max-mb=5}. Every measurement is delivered; every request is either answered (most of them
 * {@code busy}, beyond {@code mmi.commands.rate-limit}) or counted as dropped ({@code mmi.mqtt.received.dropped});
 * no log line carries a stack trace and the lines a flood repeats are rate-limited.
 */
class CommandFloodIT extends MmiRouteTestSupport {

    private static final int REQUESTS = 10_000;
    private static final int MEASUREMENT_EVERY = 100;
    private static final String COMMANDS = "mmi/v1/" + CLIENT_ID + "/command";
    private static final String REPLIES = "mmi/v1/" + CLIENT_ID + "/response/flood";
    private static final String DATA = "experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/";

    static {
        // The broker must not be what loses requests: it queues all of them for the bridge's session.
        brokerConfig = dir -> List.of("max_queued_messages 20000", "max_inflight_messages 100");
    }

    private static Mqtt5AsyncClient flooder;
    private static final Map<ByteBuffer, String> answers = new ConcurrentHashMap<>();

    private final String par = TestResources.text("/fixtures/multispeq/public/measurements/par_fw2.3465.json");

    @BeforeAll
    static void smallOutboxAndAFlooder() throws Exception {
        override("mmi.outbox.max-mb", "5");
        flooder = MqttClient.builder()
                .useMqttVersion5()
                .identifier("flooder")
                .serverHost("127.0.0.1")
                .serverPort(broker.port())
                .buildAsync();
        flooder.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        flooder.subscribeWith()
                .topicFilter(REPLIES)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(CommandFloodIT::answered)
                .send()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopFlooder() throws Exception {
        if (flooder != null) {
            flooder.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    private static void answered(Mqtt5Publish response) {
        response.getCorrelationData().ifPresent(correlation -> {
            String code;
            try {
                JsonNode answer = DeviceJson.parse(new String(response.getPayloadAsBytes(), StandardCharsets.UTF_8));
                code = answer.path("ok").asBoolean() ? "ok" : answer.at("/error/code").asText();
            } catch (IOException e) {
                code = "unreadable";
            }
            answers.put(copy(correlation), code);
        });
    }

    private static ByteBuffer copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** Every log event of WARN or above, as the console would print it. */
    private static final class Capture extends AbstractAppender {

        final List<LogEvent> events = new CopyOnWriteArrayList<>();

        Capture() {
            super("command-flood-capture", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
                events.add(event.toImmutable());
            }
        }
    }

    private double counter(String name) {
        MeterRegistry meters = context.getRegistry()
                .lookupByNameAndType(Observability.METER_REGISTRY_NAME, MeterRegistry.class);
        return meters.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void everyMeasurementArrivesAndEveryRequestIsAnsweredOrCountedAsDropped() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> delivery().connection().isConnected());
        Capture capture = new Capture();
        capture.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(capture, Level.WARN, null);
        byte[] unreadable = ("{\"command\": \"battery\", \"padding\": \"" + "x".repeat(1000))
                .getBytes(StandardCharsets.UTF_8);
        int measurements = 0;
        List<CompletableFuture<?>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < REQUESTS; i++) {
                sent.add(flooder.publishWith()
                        .topic(COMMANDS)
                        .payload(unreadable)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .responseTopic(REPLIES)
                        .correlationData(("flood-" + i).getBytes(StandardCharsets.US_ASCII))
                        .send());
                if (i % MEASUREMENT_EVERY == 0) {
                    template.sendBodyAndHeaders("direct:ingest", par, Map.of(MultispeqConstants.LAST_BYTE_AT,
                            Instant.parse("2026-03-09T00:00:00Z").plusSeconds(measurements++),
                            MultispeqConstants.PORT, "/dev/ttyTEST0"));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

            int stored = measurements;
            await().atMost(Duration.ofSeconds(180))
                    .until(() -> answers.size() + counter("mmi.mqtt.received.dropped") >= REQUESTS
                            && timestamps().size() == stored);
        } finally {
            logging.getConfiguration().getRootLogger().removeAppender(capture.getName());
            capture.stop();
        }

        Map<String, Long> byCode = answers.values()
                .stream()
                .collect(Collectors.groupingBy(code -> code, Collectors.counting()));
        double dropped = counter("mmi.mqtt.received.dropped");
        System.out.printf("command flood: %d requests, answered %s, %.0f dropped and counted; %d measurements"
                + " delivered; %d WARN+ log lines%n", REQUESTS, byCode, dropped, measurements, capture.events.size());
        assertThat(answers.size() + (long) dropped).as("answered or counted as dropped").isEqualTo(REQUESTS);
        assertThat(byCode.getOrDefault("busy", 0L)).as("beyond the rate limit: busy").isPositive();
        assertThat(delivery().outbox().refusedFullData()).as("measurements refused").isZero();
        assertThat(capture.events.stream().filter(e -> e.getThrown() != null)).as("log lines with a stack trace")
                .isEmpty();
        assertThat(capture.events).as("WARN+ lines, rate-limited").hasSizeLessThan(100);
    }

    private Set<String> timestamps() {
        return recorder.on(DATA).stream().map(m -> {
            try {
                return DeviceJson.parse(m.payload()).path("timestamp").asText();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.toSet());
    }
}
