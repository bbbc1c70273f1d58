package org.openjii.mmi.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxEntry;
import org.openjii.mmi.support.MmiVersion;

/**
 * The baseline for {@link DeliveryBenchmark}: a bare Paho {@link MqttAsyncClient} publishing the messages of an
 * outbox at QoS 1 with a window of publishes in flight, nothing else (no outbox writes, no rate limit). It sends the
 * same packets the bridge sends (payload, topic, content type, payload format, the {@code message-id} and
 * {@code mmi-version} user properties) over a socket with {@code TCP_NODELAY}. Runs as its own JVM, started cold like
 * the bridge.
 * <p>
 * Arguments: broker URL, outbox folder, window, and optionally milliseconds to idle after reading the outbox,
 * before connecting (as the bridge does during an outage). Prints one line: messages, publisher-side milliseconds
 * (first publish
 * to last PUBACK), failures.
 */
public final class BarePahoPublisher {

    private BarePahoPublisher() {
    }

    public static void main(String[] args) throws Exception {
        String brokerUrl = args[0];
        Path outboxDir = Path.of(args[1]);
        int window = Integer.parseInt(args[2]);
        long idleMillis = args.length > 3 ? Long.parseLong(args[3]) : 0;
        List<OutboxEntry> entries;
        try (Outbox outbox = Outbox.open(outboxDir, 1L << 40, Outbox.FullPolicy.REJECT, Clock.systemUTC())) {
            entries = outbox.after(0, Integer.MAX_VALUE);
        }
        // A deliberate idle period of the scenario (the bridge's drain also starts seconds after its JVM), not a wait
        // for something to happen.
        TimeUnit.MILLISECONDS.sleep(idleMillis);
        MqttAsyncClient client = new MqttAsyncClient(brokerUrl, "bare-paho-bench", new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        // The bridge's own plain-socket factory (TCP_NODELAY), so both sides use the same sockets.
        options.setSocketFactory(new NoDelaySocketFactory());
        IMqttToken connected = client.connect(options);
        connected.waitForCompletion(10_000);
        Integer receiveMaximum = connected.getResponseProperties() == null ? null
                : connected.getResponseProperties().getReceiveMaximum();
        int slots = receiveMaximum == null ? window : Math.min(window, receiveMaximum);

        Semaphore inFlight = new Semaphore(slots);
        CountDownLatch done = new CountDownLatch(entries.size());
        AtomicInteger failures = new AtomicInteger();
        MqttActionListener listener = new MqttActionListener() {

            @Override
            public void onSuccess(IMqttToken token) {
                inFlight.release();
                done.countDown();
            }

            @Override
            public void onFailure(IMqttToken token, Throwable error) {
                failures.incrementAndGet();
                inFlight.release();
                done.countDown();
            }
        };
        String version = MmiVersion.get();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStarted = threads.getCurrentThreadCpuTime();
        long started = System.nanoTime();
        for (OutboxEntry entry : entries) {
            inFlight.acquire();
            MqttMessage message = new MqttMessage(entry.payload());
            message.setQos(1);
            MqttProperties properties = new MqttProperties();
            properties.setContentType("application/json");
            properties.setPayloadFormat(true);
            properties.setUserProperties(List.of(new UserProperty("message-id", entry.messageId()),
                    new UserProperty("mmi-version", version)));
            message.setProperties(properties);
            client.publish(entry.topic(), message, null, listener);
        }
        long cpuMicros = (threads.getCurrentThreadCpuTime() - cpuStarted) / 1000;
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Not every PUBACK arrived within 5 minutes");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf("bare-paho: %d messages, %d ms first publish to last PUBACK, window %d, %d failed,"
                + " publishing thread %d µs CPU per message%n", entries.size(), millis, slots, failures.get(),
                cpuMicros / Math.max(1, entries.size()));
        client.disconnect().waitForCompletion(5000);
        client.close();
    }

}
