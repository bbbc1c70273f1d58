package org.openjii.mmi.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.support.MmiVersion;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;

/**
 * {@link BarePahoPublisher}'s twin on the HiveMQ MQTT client: the same outbox, packets, window and output line, for
 * choosing the client (bench/clients.sh). Arguments: broker URL ({@code tcp://host:port}), outbox folder, window,
 * optionally milliseconds to idle before connecting, and {@code sync} to wait for each PUBACK before the next publish
 * (what camel-paho-mqtt5's producer does).
 */
public final class BareHiveMqPublisher {

    private BareHiveMqPublisher() {
    }

    public static void main(String[] args) throws Exception {
        URI broker = URI.create(args[0]);
        Path outboxDir = Path.of(args[1]);
        int window = Integer.parseInt(args[2]);
        long idleMillis = args.length > 3 ? Long.parseLong(args[3]) : 0;
        List<OutboxEntry> entries;
        try (Outbox outbox = Outbox.open(outboxDir, 1L << 40, Outbox.FullPolicy.REJECT, Clock.systemUTC())) {
            entries = outbox.after(0, Integer.MAX_VALUE);
        }
        // A deliberate idle period of the scenario, as in BarePahoPublisher.
        TimeUnit.MILLISECONDS.sleep(idleMillis);
        Mqtt5AsyncClient client = Mqtt5Client.builder()
                .identifier("bare-hivemq-bench")
                .serverHost(broker.getHost())
                .serverPort(broker.getPort())
                .buildAsync();
        Mqtt5ConnAck connAck = client.connectWith().cleanStart(true).send().get(10, TimeUnit.SECONDS);
        int slots = Math.min(window, connAck.getRestrictions().getReceiveMaximum());

        Semaphore inFlight = new Semaphore(slots);
        CountDownLatch done = new CountDownLatch(entries.size());
        AtomicInteger failures = new AtomicInteger();
        String version = MmiVersion.get();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStarted = threads.getCurrentThreadCpuTime();
        long started = System.nanoTime();
        for (OutboxEntry entry : entries) {
            inFlight.acquire();
            Mqtt5Publish publish = Mqtt5Publish.builder()
                    .topic(entry.topic())
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(entry.payload())
                    .contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .userProperties()
                    .add("message-id", entry.messageId())
                    .add("mmi-version", version)
                    .applyUserProperties()
                    .build();
            client.publish(publish).whenComplete((Mqtt5PublishResult result, Throwable error) -> {
                if (error != null || result.getError().isPresent()) {
                    failures.incrementAndGet();
                }
                inFlight.release();
                done.countDown();
            });
        }
        long cpuMicros = (threads.getCurrentThreadCpuTime() - cpuStarted) / 1000;
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Not every PUBACK arrived within 5 minutes");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf("bare-hivemq: %d messages, %d ms first publish to last PUBACK, window %d, %d failed,"
                + " publishing thread %d µs CPU per message%n", entries.size(), millis, slots, failures.get(),
                cpuMicros / Math.max(1, entries.size()));
        client.disconnect().get(5, TimeUnit.SECONDS);
        System.out.flush();
        // Netty's event loop threads would keep the JVM alive for their quiet period.
        System.exit(0);
    }
}
