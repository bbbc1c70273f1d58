package org.openjii.mmi.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 * <li>{@code mmi.mqtt.connected}: 1 while connected;</li>
 * <li>{@code mmi.outbox.depth}, {@code mmi.outbox.bytes}, {@code mmi.outbox.oldest.age} (seconds),
 * {@code mmi.outbox.dropped}, {@code mmi.outbox.refused.full} (of them measurements:
 * {@code mmi.outbox.refused.full.data}), {@code mmi.outbox.quarantined};</li>
 * <li>{@code mmi.outbox.store.failures} (tag {@code cause}: {@code disk-full}, {@code read-only}, {@code io-error},
 * {@code corrupt}, {@code other}): outbox operations that failed; {@code mmi.outbox.raw.inputs.not.kept}: dead letters
 * stored without their complete raw input, for want of room ({@link OutboxSpill} adds {@code mmi.outbox.held} and
 * {@code mmi.outbox.held.lost});</li>
 * <li>{@code mmi.mqtt.publish.latency}: publish call to PUBACK; {@code mmi.delivery.latency}: the device's last byte
 * to PUBACK (percentile histograms; p50 and p99 precomputed for the delivery latency, which the shutdown summary
 * reports).</li>
 * </ul>
 * Client-side percentiles (an HdrHistogram per time window) cost several times the bucket histogram per recording, so
 * only the delivery latency has them; Prometheus computes any quantile of either from the buckets.
 */
public final class DeliveryMetrics {

    private final MeterRegistry registry;
    private final Counter published;
    private final Counter retried;
    private final Timer publishLatency;
    private final Timer deliveryLatency;

    public DeliveryMetrics(MeterRegistry registry, Outbox outbox, MqttConnection connection, Clock clock) {
        this.registry = registry;
        published = Counter.builder("mmi.mqtt.published")
                .description("Messages the broker acknowledged")
                .register(registry);
        retried = Counter.builder("mmi.mqtt.retried")
                .description("Publishes tried again after a lost connection or a quota refusal")
                .register(registry);
        publishLatency = latency("mmi.mqtt.publish.latency", "From the publish call to its PUBACK").register(registry);
        deliveryLatency = latency("mmi.delivery.latency", "From the device's last byte to the PUBACK")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        Gauge.builder("mmi.mqtt.connected", connection, c -> c.isConnected() ? 1 : 0)
                .description("1 while the MQTT connection is up")
                .register(registry);
        Gauge.builder("mmi.outbox.depth", outbox, Outbox::depth)
                .description("Messages waiting")
                .register(registry);
        Gauge.builder("mmi.outbox.bytes", outbox, Outbox::bytes)
                .description("Payload bytes waiting")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("mmi.outbox.oldest.age", outbox,
                o -> o.oldest().map(at -> Duration.between(at, clock.instant()).toMillis() / 1000.0).orElse(0.0))
                .description("Age of the oldest waiting message")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("mmi.outbox.dropped", outbox, Outbox::dropped)
                .description("Messages dropped because the outbox was full (full-policy drop-oldest)")
                .register(registry);
        Gauge.builder("mmi.outbox.refused.full", outbox, Outbox::refusedFull)
                .description("Messages refused because the outbox was full (full-policy reject)")
                .register(registry);
        Gauge.builder("mmi.outbox.quarantined", outbox, Outbox::quarantined)
                .description("Refused dead letters kept in the local quarantine")
                .register(registry);
        Gauge.builder("mmi.outbox.refused.full.data", outbox, Outbox::refusedFullData)
                .description("Measurements refused because their budget (mmi.outbox.max-mb) was full")
                .register(registry);
        for (OutboxFault fault : OutboxFault.values()) {
            FunctionCounter.builder("mmi.outbox.store.failures", outbox.faults(), faults -> faults.count(fault))
                    .description("Outbox operations that failed, by cause (corrupt also counts a file moved aside at"
                            + " start)")
                    .tag("cause", fault.label())
                    .register(registry);
        }
        FunctionCounter.builder("mmi.outbox.raw.inputs.not.kept", outbox, Outbox::rawInputsNotKept)
                .description("Dead letters stored without their complete raw input, for want of room")
                .register(registry);
    }

    private static Timer.Builder latency(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram();
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
                .register(registry)
                .increment();
    }

    void retried() {
        retried.increment();
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
