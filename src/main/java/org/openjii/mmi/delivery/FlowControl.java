package org.openjii.mmi.delivery;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BlockingBucket;
import io.github.bucket4j.Bucket;

/**
 * Keeps the publisher inside the broker's limits: a window of unacknowledged QoS 1 publishes and, with the AWS IoT
 * Core profile, at most {@code publishesPerSecond} publishes and {@code bytesPerSecond} bytes per second. IoT Core
 * discards publishes over 100/s per connection and delays traffic over 512 KiB/s; a client that stays under both
 * drains a backlog at the quota without being throttled.
 * <p>
 * The rates are token buckets (Bucket4j). The publish bucket holds a single token, so no one-second window ever sees
 * more than the rate (a larger burst would exceed it in the first second of a backlog). The byte bucket holds one
 * maximal message (128 KiB plus its topic), so any message can pass.
 * <p>
 * The window is the smaller of {@code maxInFlight} and the broker's Receive Maximum from the last CONNACK minus one
 * (the status message needs a slot too), so no publish goes beyond the broker's Receive Maximum.
 *
 * @param maxInFlight most unacknowledged publishes (IoT Core: 100)
 * @param publishesPerSecond most publishes per second, or 0 for no limit
 * @param bytesPerSecond most topic + payload bytes per second, or 0 for no limit
 */
public record FlowControl(int maxInFlight, int publishesPerSecond, long bytesPerSecond) {

    /** AWS IoT Core's per-connection limits. */
    public static final FlowControl IOT_CORE = new FlowControl(100, 100, 512 * 1024);
    /** Largest message plus a topic: the byte bucket must hold one whole message. */
    private static final long LARGEST_MESSAGE = 128 * 1024 + 512;

    public FlowControl {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("mmi.mqtt.max-in-flight must be at least 1, was " + maxInFlight);
        }
        if (publishesPerSecond < 0 || bytesPerSecond < 0) {
            throw new IllegalArgumentException("Publish and byte rates must be 0 (no limit) or positive");
        }
    }

    /** No rate limits, only the window: drain as fast as the broker allows. */
    public static FlowControl unlimited(int maxInFlight) {
        return new FlowControl(maxInFlight, 0, 0);
    }

    /**
     * The profile for a setting: {@code iot-core}, {@code off}, or {@code auto} (IoT Core when the broker's host ends
     * with {@code amazonaws.com}).
     */
    public static FlowControl forProfile(String profile, String brokerUrl, int maxInFlight) {
        String name = profile == null ? "auto" : profile.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "iot-core" -> IOT_CORE;
            case "off" -> unlimited(maxInFlight);
            case "auto" -> isAwsIotCore(brokerUrl) ? IOT_CORE : unlimited(maxInFlight);
            default -> throw new IllegalArgumentException("mmi.mqtt.flow-control must be auto, iot-core or off, was '"
                    + profile + "'");
        };
    }

    static boolean isAwsIotCore(String brokerUrl) {
        try {
            String host = URI.create(brokerUrl).getHost();
            return host != null && host.toLowerCase(Locale.ROOT).endsWith("amazonaws.com");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public boolean limitsRate() {
        return publishesPerSecond > 0 || bytesPerSecond > 0;
    }

    /** A fresh limiter for one publisher. */
    public Limiter limiter() {
        return new Limiter(this);
    }

    @Override
    public String toString() {
        return limitsRate() ? "at most " + maxInFlight + " in flight, " + publishesPerSecond + " publishes/s, "
                + bytesPerSecond / 1024 + " KiB/s" : "at most " + maxInFlight + " in flight, no rate limit";
    }

    /** The window and the buckets of one publisher. */
    public static final class Limiter {

        private final FlowControl limits;
        private final BlockingBucket publishes;
        private final BlockingBucket bytes;
        private int window;
        private boolean probing;
        private int inFlight;

        private Limiter(FlowControl limits) {
            this.limits = limits;
            this.window = limits.maxInFlight();
            this.publishes = limits.publishesPerSecond() == 0 ? null
                    : Bucket.builder()
                            .addLimit(Bandwidth.builder()
                                    .capacity(1)
                                    .refillGreedy(limits.publishesPerSecond(), Duration.ofSeconds(1))
                                    .build())
                            .build()
                            .asBlocking();
            this.bytes = limits.bytesPerSecond() == 0 ? null
                    : Bucket.builder()
                            .addLimit(Bandwidth.builder()
                                    .capacity(Math.max(LARGEST_MESSAGE, limits.bytesPerSecond() / 10))
                                    .refillGreedy(limits.bytesPerSecond(), Duration.ofSeconds(1))
                                    .build())
                            .build()
                            .asBlocking();
        }

        /** Adapts the window to the broker's Receive Maximum from the latest CONNACK. */
        public synchronized void brokerReceiveMaximum(int receiveMaximum) {
            window = Math.max(1, Math.min(limits.maxInFlight(), receiveMaximum - 1));
            notifyAll();
        }

        /** Probing: one publish at a time, to tell which message a broker drops the connection over. */
        public synchronized void probe(boolean on) {
            probing = on;
            notifyAll();
        }

        public synchronized int window() {
            return probing ? 1 : window;
        }

        public synchronized int inFlight() {
            return inFlight;
        }

        /** Waits for a free slot in the window, then for the rate buckets; the caller must {@link #release()}. */
        public void acquire(int wireBytes) throws InterruptedException {
            synchronized (this) {
                while (inFlight >= window()) {
                    wait();
                }
                inFlight++;
            }
            try {
                if (publishes != null) {
                    publishes.consume(1);
                }
                if (bytes != null) {
                    bytes.consume(Math.min(wireBytes, LARGEST_MESSAGE));
                }
            } catch (InterruptedException e) {
                release();
                throw e;
            }
        }

        /** Frees a slot: the publish was acknowledged, refused or failed. */
        public synchronized void release() {
            inFlight = Math.max(0, inFlight - 1);
            notifyAll();
        }

        /** Waits until nothing is in flight, at most {@code timeout}; true when the window drained. */
        public synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }
}
