package org.openjii.mmi.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The delivery's meters (Micrometer), named {@code mmi.*}:
 * <ul>
 * <li>{@code mmi.mqtt.published}: messages the broker acknowledged;</li>
 * <li>{@code mmi.mqtt.refused} (tag {@code reason_code}): messages the broker refused (PUBACK reason code ≥ 0x80,
 * quota excepted);</li>
 * <li>{@code mmi.mqtt.retried}: publishes tried again (connection lost, quota exceeded);</li>
 * <li>{@code mmi.mqtt.watchdog.reconnects}: connections dropped for want of a PUBACK
 * ({@code mmi.mqtt.puback-timeout});</li>
 * <li>{@code mmi.mqtt.connected}: 1 while connected;</li>
 * <li>{@code mmi.outbox.depth}, {@code mmi.outbox.bytes}, {@code mmi.outbox.oldest.age} (seconds),
 * {@code mmi.outbox.quarantined}: gauges; {@code mmi.outbox.dropped}, {@code mmi.outbox.refused.full} (of them
 * measurements: {@code mmi.outbox.refused.full.data}): counters since start;</li>
 * <li>{@code mmi.outbox.store.failures} (tag {@code cause}: {@code disk-full}, {@code read-only}, {@code io-error},
 * {@code corrupt}, {@code other}): outbox operations that failed; {@code mmi.outbox.raw.inputs.not.kept}: dead letters
 * stored without their complete raw input, for want of room ({@link OutboxSpill} adds {@code mmi.outbox.held} and
 * {@code mmi.outbox.held.lost});</li>
 * <li>{@code mmi.mqtt.publish.latency}: publish call to PUBACK; {@code mmi.delivery.latency}: the device's last byte
 * to PUBACK (percentile histograms; p50 and p99 precomputed for the delivery latency, which the shutdown summary
 * reports).</li>
 * </ul>
 * Every meter carries the tag {@code identity} (the connection's name: {@code default}, or a Thing name).
 * <p>
 * Client-side percentiles (an HdrHistogram per time window) cost several times the bucket histogram per recording, so
 * only the delivery latency has them; Prometheus computes any quantile of either from the buckets.
 */
public final class DeliveryMetrics {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter retried;
    private final Counter watchdogReconnects;
    private final Timer publishLatency;
    private final Timer deliveryLatency;

    private final String identity;

    public DeliveryMetrics(MeterRegistry registry, String identity, Outbox outbox, MqttConnection connection,
            Clock clock) {
        this.registry = registry;
        this.identity = identity;
        published = Counter.builder("mmi.mqtt.published")
                .description("Messages the broker acknowledged")
                .tag("identity", identity)
                .register(registry);
        retried = Counter.builder("mmi.mqtt.retried")
                .description("Publishes tried again after a lost connection or a quota refusal")
                .tag("identity", identity)
                .register(registry);
        watchdogReconnects = Counter.builder("mmi.mqtt.watchdog.reconnects")
                .description("Connections dropped and made again because publishes got no PUBACK in time")
                .tag("identity", identity)
                .register(registry);
        publishLatency = latency("mmi.mqtt.publish.latency", "From the publish call to its PUBACK").register(registry);
        deliveryLatency = latency("mmi.delivery.latency", "From the device's last byte to the PUBACK")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        gauge("mmi.mqtt.connected", "1 while the MQTT connection is up", connection, c -> c.isConnected() ? 1 : 0);
        gauge("mmi.outbox.depth", "Messages waiting", outbox, Outbox::depth);
        Gauge.builder("mmi.outbox.bytes", outbox, Outbox::bytes)
                .description("Payload bytes waiting")
                .tag("identity", identity)
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("mmi.outbox.oldest.age", outbox,
                o -> o.oldest().map(at -> Duration.between(at, clock.instant()).toMillis() / 1000.0).orElse(0.0))
                .description("Age of the oldest waiting message")
                .tag("identity", identity)
                .baseUnit("seconds")
                .register(registry);
        // Counts since start: counters (Prometheus: _total), so that rate() and increase() apply.
        counter("mmi.outbox.dropped", "Messages dropped because the outbox was full (full-policy drop-oldest)",
                outbox, Outbox::dropped);
        counter("mmi.outbox.refused.full", "Messages refused because the outbox was full (full-policy reject)",
                outbox, Outbox::refusedFull);
        gauge("mmi.outbox.quarantined", "Messages in the local quarantine: refused ones, and dead letters kept"
                + " (mmi.dead-letters=local)", outbox,
                Outbox::quarantined);
        counter("mmi.outbox.refused.full.data", "Measurements refused because their budget (mmi.outbox.max-mb) was"
                + " full", outbox, Outbox::refusedFullData);
        for (OutboxFault fault : OutboxFault.values()) {
            FunctionCounter.builder("mmi.outbox.store.failures", outbox.faults(), faults -> faults.count(fault))
                    .description("Outbox operations that failed, by cause (corrupt also counts a file moved aside at"
                            + " start)")
                    .tag("cause", fault.label())
                    .tag("identity", identity)
                    .register(registry);
        }
        FunctionCounter.builder("mmi.outbox.raw.inputs.not.kept", outbox, Outbox::rawInputsNotKept)
                .description("Dead letters stored without their complete raw input, for want of room")
                .tag("identity", identity)
                .register(registry);
    }

    private <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).tag("identity", identity).register(registry);
    }

    private <T> void counter(String name, String description, T source, ToDoubleFunction<T> count) {
        FunctionCounter.builder(name, source, count)
                .description(description)
                .tag("identity", identity)
                .register(
                        registry);
    }

    private Timer.Builder latency(String name, String description) {
        return Timer.builder(name).description(description).tag("identity", identity).publishPercentileHistogram();
    }

    /** A message was acknowledged (its latencies follow with its batch: {@link #latencies}). */
    void published() {
        published.increment();
    }

    /** The latencies of a batch of acknowledged messages. */
    void latencies(List<OutboxIo.Acknowledged> acknowledged) {
        for (OutboxIo.Acknowledged each : acknowledged) {
            publishLatency.record(each.publishNanos(), TimeUnit.NANOSECONDS);
            Duration sinceOrigin = each.sinceOrigin();
            if (sinceOrigin != null && !sinceOrigin.isNegative()) {
                deliveryLatency.record(sinceOrigin);
            }
        }
    }

    void refused(int reasonCode) {
        Counter.builder("mmi.mqtt.refused")
                .description("Messages the broker refused")
                .tag("reason_code", "0x" + Integer.toHexString(reasonCode))
                .tag("identity", identity)
                .register(registry)
                .increment();
    }

    void retried() {
        retried.increment();
    }

    void watchdogReconnected() {
        watchdogReconnects.increment();
    }

    /** The registry the meters are in. */
    public MeterRegistry registry() {
        return registry;
    }

    public double publishedCount() {
        return published.count();
    }

    public double retriedCount() {
        return retried.count();
    }

    public Timer deliveryLatency() {
        return deliveryLatency;
    }

    public Timer publishLatency() {
        return publishLatency;
    }
}
