package org.openjii.mmi.delivery;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.camel.support.service.ServiceSupport;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.HttpProxy;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

/**
 * Delivery for one identity (client id and credentials): its {@link Outbox}, its {@link MqttConnection}, the
 * {@link OutboxPublisher} between them, their health check and meters. {@link #store} returns once the message is on
 * disk; the publisher sends it and deletes it after its PUBACK. The {@code iot:} component owns one per identity.
 */
public final class Delivery extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    /**
     * Everything read from the configuration, checked before anything starts.
     *
     * @param brokerUrl where to connect ({@code ssl://}, {@code tcp://}, ...)
     * @param messageExpiry MQTT 5 message expiry of every publish, or {@code null}
     * @param maxAge readiness is DOWN while the oldest waiting message is older
     * @param deadLetters published, or kept in the outbox's quarantine ({@code mmi.dead-letters})
     * @param proxy the HTTP proxy to tunnel through, or {@code null}
     * @param pubackTimeout a publish without PUBACK for this long has the connection dropped and made again
     */
    public record Settings(String brokerUrl, Path certFile, Path keyFile, Path caFile, boolean allowPlaintext,
            String alpn, MqttConnection.Settings connection, FlowControl flowControl, Duration messageExpiry,
            Path outboxDir, OutboxBudget outboxBudget, Outbox.FullPolicy fullPolicy, Duration maxAge,
            DeadLetterMode deadLetters, HttpProxy proxy, Duration pubackTimeout) {

        /** The default PUBACK timeout: far beyond a PUBACK's round trip, also from a throttled IoT Core. */
        public static final Duration DEFAULT_PUBACK_TIMEOUT = Duration.ofSeconds(60);

        public Settings {
            deadLetters = deadLetters == null ? DeadLetterMode.PUBLISH : deadLetters;
            pubackTimeout = pubackTimeout == null ? DEFAULT_PUBACK_TIMEOUT : pubackTimeout;
        }

        /** Settings whose dead letters are published, without a proxy, with the default PUBACK timeout. */
        public Settings(String brokerUrl, Path certFile, Path keyFile, Path caFile, boolean allowPlaintext,
                String alpn, MqttConnection.Settings connection, FlowControl flowControl, Duration messageExpiry,
                Path outboxDir, OutboxBudget outboxBudget, Outbox.FullPolicy fullPolicy, Duration maxAge) {
            this(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn, connection, flowControl, messageExpiry,
                    outboxDir, outboxBudget, fullPolicy, maxAge, DeadLetterMode.PUBLISH, null, DEFAULT_PUBACK_TIMEOUT);
        }

        /** These settings with another outbox folder (one per identity). */
        public Settings withOutboxDir(Path dir) {
            return new Settings(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn, connection, flowControl,
                    messageExpiry, dir, outboxBudget, fullPolicy, maxAge, deadLetters, proxy, pubackTimeout);
        }

        /** These settings with dead letters published or kept locally. */
        public Settings withDeadLetters(DeadLetterMode mode) {
            return new Settings(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn, connection, flowControl,
                    messageExpiry, outboxDir, outboxBudget, fullPolicy, maxAge, mode, proxy, pubackTimeout);
        }

        /**
         * These settings for another identity: its own client id (without status topic or Will), key material and
         * outbox folder (an openJII Thing); the broker, protocol version, proxy and the rest stay.
         */
        public Settings withIdentity(String clientId, Path certFile, Path keyFile, Path caFile, Path outboxDir) {
            return new Settings(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn, connection.withClientId(
                    clientId), flowControl, messageExpiry, outboxDir, outboxBudget, fullPolicy, maxAge, deadLetters,
                    proxy, pubackTimeout);
        }
    }

    /**
     * What the delivery needs from its owner: threads (the connection's two, one that moves held messages into the
     * outbox once it stores again, and where the publisher makes its own two), meters and the dead letters of refused
     * messages.
     */
    public record Resources(ExecutorService network, ExecutorService callbacks, ScheduledExecutorService ticks,
            DeliveryThreads threads, MeterRegistry meters, OutboxPublisher.DeadLetters deadLetters) {
    }

    private final String identity;
    private final Settings settings;
    private final Resources resources;
    private final Clock clock;
    private Supplier<String> brokerUrl;
    private Outbox outbox;
    private MqttConnection connection;
    private OutboxPublisher publisher;
    private DeliveryMetrics metrics;
    private DeliveryHealthCheck healthCheck;
    private OutboxSpill spill;
    private OutboxHealthCheck outboxCheck;
    private ScheduledFuture<?> flushHeld;

    /**
     * @param identity the identity's name, as its health check and meters are tagged
     */
    public Delivery(String identity, Settings settings, Resources resources, Clock clock) {
        this.identity = identity;
        this.settings = settings;
        this.resources = resources;
        this.clock = clock;
        this.brokerUrl = settings::brokerUrl;
    }

    /**
     * Connects to the URL this supplies when the delivery starts instead of {@link Settings#brokerUrl()}: the
     * embedded broker's, whose port is known only once it is up.
     */
    public void connectTo(Supplier<String> url) {
        this.brokerUrl = url;
    }

    @Override
    protected void doStart() throws MqttConfigurationException {
        BrokerTransport transport = BrokerTransport.create(brokerUrl.get(), settings.certFile(),
                settings.keyFile(), settings.caFile(), settings.allowPlaintext(), settings.alpn())
                .withProxy(settings.proxy());
        outbox = Outbox.open(settings.outboxDir(), settings.outboxBudget(), settings.fullPolicy(),
                settings.deadLetters(), clock);
        spill = new OutboxSpill(outbox, identity, clock);
        connection = new MqttConnection(transport, settings.connection(), clock, resources.network(),
                resources.callbacks());
        metrics = new DeliveryMetrics(resources.meters(), identity, outbox, connection, clock);
        spill.bindTo(metrics.registry());
        publisher = new OutboxPublisher(outbox, connection, settings.flowControl(), metrics, resources.deadLetters(),
                clock, settings.messageExpiry(), resources.threads(), identity);
        LOG.info("Outbox {}: {} message(s) waiting; publishing {}", outbox.file(), outbox.depth(),
                settings.flowControl());
        if (settings.deadLetters() == DeadLetterMode.LOCAL) {
            LOG.info("Dead letters{} are kept in the quarantine of {} and never published ({}=local); {} message(s)"
                    + " there now, listed by mmi dead-letters", "default".equals(identity) ? "" : " of " + identity,
                    outbox.file(), DeadLetterMode.SETTING, outbox.quarantined());
        }
        // The publisher first: it reads the head of the backlog while the connection is made.
        publisher.start();
        connection.start();
        healthCheck = new DeliveryHealthCheck(identity, connection.describe(), connection::state, outbox,
                publisher::health, settings.maxAge(), clock);
        outboxCheck = new OutboxHealthCheck(identity, outbox, spill);
        // Held messages move into the outbox as soon as it stores again, also when no new message comes; and the
        // publish watchdog looks for publishes without PUBACK.
        flushHeld = resources.ticks().scheduleWithFixedDelay(() -> {
            try {
                if (spill.held() > 0 && spill.flush() > 0) {
                    publisher.wakeUp();
                }
                if (!settings.pubackTimeout().isZero()) {
                    publisher.checkAcknowledgements(settings.pubackTimeout());
                }
            } catch (RuntimeException e) {
                // Thrown out of here, it would end the schedule: held messages and the watchdog would stop.
                LOG.warn("The outbox's timer: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Reads the certificate, key and CA files again and reconnects with them (their content changed: rotated key
     * material); the outbox and the session carry over. Files that do not work are refused here, and the connection
     * goes on with the ones it has.
     *
     * @throws MqttConfigurationException naming the file and the problem
     */
    public void reloadKeyMaterial() throws MqttConfigurationException {
        BrokerTransport transport = BrokerTransport.create(brokerUrl.get(), settings.certFile(), settings.keyFile(),
                settings.caFile(), settings.allowPlaintext(), settings.alpn()).withProxy(settings.proxy());
        connection.replaceTransport(transport);
    }

    /**
     * Stores a message; on return it is on disk, and the publisher has been told.
     *
     * @param originAt when its data came into being (the device's last byte), for the delivery latency; may be null
     * @param rawInput the complete raw input of a dead letter whose envelope carries only its start; may be null
     * @param correlationData MQTT 5 correlation data to publish with (a command response); may be null
     * @throws OutboxException when the outbox is full for measurements (policy reject); a dead letter or response
     *     beyond its own budget is refused without failing the route (counted and logged by the outbox). While the
     *     outbox cannot store, the message is held in memory ({@link OutboxSpill}) and this returns.
     */
    public void store(String messageId, String topic, byte[] payload, OutboxEntry.Kind kind, Instant originAt,
            byte[] rawInput, byte[] correlationData) {
        long seq;
        try {
            seq = spill.store(new OutboxSpill.Message(messageId, topic, payload, kind, originAt, rawInput,
                    correlationData));
        } catch (OutboxException e) {
            if (kind == OutboxEntry.Kind.DATA || !OutboxException.OUTBOX_FULL.equals(e.reason())) {
                throw e;
            }
            // A dead letter or response beyond its budget (a flood): the outbox logged it (once per 10 s at most)
            // and counted it; failing the route as well would log a stack trace per message.
            return;
        }
        LOG.debug("Outbox #{}: message {} for {} ({} bytes)", seq, messageId, topic, payload.length);
        publisher.wakeUp();
    }

    public String identity() {
        return identity;
    }

    public Settings settings() {
        return settings;
    }

    public Outbox outbox() {
        return outbox;
    }

    public MqttConnection connection() {
        return connection;
    }

    public OutboxPublisher publisher() {
        return publisher;
    }

    public DeliveryMetrics metrics() {
        return metrics;
    }

    /** Readiness of this identity's delivery, once started. */
    public DeliveryHealthCheck healthCheck() {
        return healthCheck;
    }

    /** Readiness of this identity's outbox (it stores, nothing held in memory), once started. */
    public OutboxHealthCheck outboxHealthCheck() {
        return outboxCheck;
    }

    /** Where messages wait while the outbox cannot store them ({@link OutboxSpill#holdInMemory}). */
    public OutboxSpill spill() {
        return spill;
    }

    @Override
    protected void doStop() {
        if (flushHeld != null) {
            flushHeld.cancel(false);
        }
        if (spill != null && spill.held() > 0) {
            spill.flush();
            spill.giveUp();
        }
        if (publisher != null) {
            publisher.stop(Duration.ofSeconds(5));
        }
        if (connection != null) {
            connection.close();
        }
        if (metrics != null) {
            LOG.info("Delivery{}: {} published, {} retried, {} waiting in the outbox; device to PUBACK latency {}",
                    "default".equals(identity) ? "" : " of " + identity, (long) metrics.publishedCount(),
                    (long) metrics.retriedCount(), outbox.depth(), percentiles(metrics));
        }
        if (outbox != null) {
            outbox.close();
        }
    }

    private static String percentiles(DeliveryMetrics metrics) {
        HistogramSnapshot snapshot = metrics.deliveryLatency().takeSnapshot();
        if (snapshot.count() == 0) {
            // Percentiles of no recordings read 0.0 ms: nothing published carried the time of a device output.
            return "not measured";
        }
        StringBuilder text = new StringBuilder();
        for (ValueAtPercentile value : snapshot.percentileValues()) {
            text.append(text.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "p%.0f %.1f ms", value.percentile() * 100,
                            value.value(TimeUnit.MILLISECONDS)));
        }
        return text.length() == 0 ? "not measured" : text.toString();
    }
}
