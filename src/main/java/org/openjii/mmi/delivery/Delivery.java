package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.TimeUtils;
import org.openjii.mmi.Durations;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.ingest.InvalidTopicException;
import org.openjii.mmi.ingest.ParseMeasurement;
import org.openjii.mmi.ingest.TopicTemplate;
import org.openjii.mmi.observe.Observability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

/**
 * Delivery to the broker as one Camel service: the {@link Outbox}, the {@link MqttConnection}, the
 * {@link OutboxPublisher} between them, their health check and meters. Routes hand messages over with
 * {@link #append(Exchange)} ({@code direct:publish} in {@code PublishRoutes}); when that returns, the message is on
 * disk.
 * <p>
 * Settings ({@code application.properties}): {@code mmi.mqtt.broker-url}, {@code client-id}, {@code cert-file},
 * {@code key-file}, {@code ca-file}, {@code allow-plaintext}, {@code alpn}, {@code qos} (only 1), {@code keep-alive},
 * {@code session-expiry}, {@code connect-timeout}, {@code max-reconnect-delay}, {@code status-topic},
 * {@code message-expiry}, {@code flow-control}, {@code max-in-flight}; {@code mmi.outbox.dir}, {@code max-mb},
 * {@code dead-letter-max-mb}, {@code raw-input-max-age}, {@code full-policy}, {@code max-age}.
 */
public final class Delivery extends ServiceSupport {

    /** The registry name routes call: {@code bean:mmiDelivery?method=append}. */
    public static final String BEAN_NAME = "mmiDelivery";
    /** Header marking a dead letter ({@code true}): if the broker refuses it, it is quarantined, not dead-lettered. */
    public static final String DEAD_LETTER_HEADER = "MmiDeadLetter";
    /** Header: true when the message is the response to a remote command (refused → quarantined only). */
    public static final String RESPONSE_HEADER = "MmiResponse";
    /** Header: the MQTT 5 correlation data ({@code byte[]}) to publish the message with. */
    public static final String CORRELATION_DATA_HEADER = "MmiCorrelationData";
    /** camel-micrometer's registry name; a registry bound there is used, else one is created and bound. */
    public static final String METER_REGISTRY_NAME = Observability.METER_REGISTRY_NAME;

    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    private final CamelContext context;
    private final Settings settings;
    private final Clock clock;
    private Supplier<String> brokerUrl;
    private Outbox outbox;
    private MqttConnection connection;
    private OutboxPublisher publisher;
    private DeliveryMetrics metrics;
    private DeliveryHealthCheck healthCheck;
    private OutboxSpill spill;
    private OutboxHealthCheck outboxCheck;
    private ScheduledExecutorService retry;

    /** Everything read from the properties, checked before anything starts. */
    public record Settings(String brokerUrl, Path certFile, Path keyFile, Path caFile, boolean allowPlaintext,
            String alpn,
            MqttConnection.Settings connection, FlowControl flowControl, Duration messageExpiry, Path outboxDir,
            OutboxBudget outboxBudget, Outbox.FullPolicy fullPolicy, Duration maxAge) {
    }

    public Delivery(CamelContext context, Settings settings, Clock clock) {
        this.context = context;
        this.settings = settings;
        this.clock = clock;
        this.brokerUrl = settings::brokerUrl;
    }

    /**
     * Connects to the URL this supplies when the delivery starts instead of {@link Settings#brokerUrl()}: the
     * embedded broker's, whose port is known only once it is up (it is started before the delivery).
     */
    public void connectTo(Supplier<String> url) {
        this.brokerUrl = url;
    }

    /**
     * The delivery configured by {@code mmi.mqtt.*} and {@code mmi.outbox.*}.
     *
     * @throws IllegalArgumentException naming the key, for a value that cannot work
     */
    public static Delivery fromProperties(CamelContext context) {
        return fromProperties(context,
                context.getPropertiesComponent().resolveProperty(BrokerTransport.BROKER_URL_SETTING).orElseThrow());
    }

    /**
     * The delivery configured by {@code mmi.mqtt.*} and {@code mmi.outbox.*}, to this broker URL instead of
     * {@code mmi.mqtt.broker-url} (the embedded broker's {@code tcp://127.0.0.1:<port>}).
     *
     * @throws IllegalArgumentException naming the key, for a value that cannot work
     */
    public static Delivery fromProperties(CamelContext context, String brokerUrl) {
        PropertiesComponent properties = context.getPropertiesComponent();
        String qos = properties.resolveProperty("mmi.mqtt.qos").orElse("1").trim();
        if (!"1".equals(qos)) {
            throw new IllegalArgumentException("mmi.mqtt.qos must be 1, was " + qos + ": AWS IoT Core never"
                    + " acknowledges QoS 2, and QoS 0 gives no PUBACK to delete a message from the outbox after");
        }
        String clientId = properties.resolveProperty("mmi.mqtt.client-id").orElse("mmi");
        String statusTopic = properties.resolveProperty("mmi.mqtt.status-topic")
                .map(String::trim)
                .filter(topic -> !topic.isEmpty())
                .map(topic -> statusTopic(topic, clientId))
                .orElse(null);
        MqttConnection.Settings connection = new MqttConnection.Settings(clientId,
                (int) seconds(properties, "mmi.mqtt.keep-alive", "60s"),
                seconds(properties, "mmi.mqtt.session-expiry", "1h"), statusTopic,
                (int) seconds(properties, "mmi.mqtt.connect-timeout", "30s"),
                Duration.ofSeconds(seconds(properties, "mmi.mqtt.max-reconnect-delay", "60s")));
        int maxInFlight = integer(properties, "mmi.mqtt.max-in-flight", "100");
        FlowControl flow = FlowControl.forProfile(properties.resolveProperty("mmi.mqtt.flow-control").orElse("auto"),
                brokerUrl, maxInFlight);
        Duration messageExpiry = properties.resolveProperty("mmi.mqtt.message-expiry")
                .filter(text -> !text.isBlank())
                .map(text -> Duration.ofSeconds(seconds(properties, "mmi.mqtt.message-expiry", text)))
                .orElse(null);
        if (messageExpiry != null && (messageExpiry.toSeconds() < 1 || messageExpiry.toSeconds() > 604_800)) {
            throw new IllegalArgumentException("mmi.mqtt.message-expiry must be 1 s to 7 days (AWS IoT Core), was "
                    + messageExpiry.toSeconds() + " s");
        }
        OutboxBudget budget = new OutboxBudget(integer(properties, "mmi.outbox.max-mb", "512") * 1024L * 1024,
                integer(properties, "mmi.outbox.dead-letter-max-mb", "64") * 1024L * 1024,
                Duration.ofMillis(Durations.millis(properties, "mmi.outbox.raw-input-max-age", "7d")));
        Settings settings = new Settings(brokerUrl, path(properties, BrokerTransport.CERT_FILE_SETTING),
                path(properties, BrokerTransport.KEY_FILE_SETTING), path(properties, BrokerTransport.CA_FILE_SETTING),
                Boolean.parseBoolean(properties.resolveProperty(BrokerTransport.ALLOW_PLAINTEXT_SETTING)
                        .orElse("false")
                        .trim()),
                alpn(properties.resolveProperty(BrokerTransport.ALPN_SETTING).orElse("auto")),
                connection, flow, messageExpiry, Path.of(properties.resolveProperty("mmi.outbox.dir").orElse("outbox")),
                budget,
                Outbox.FullPolicy.parse(properties.resolveProperty("mmi.outbox.full-policy").orElse("reject")),
                Duration.ofSeconds(seconds(properties, "mmi.outbox.max-age", "15m")));
        return new Delivery(context, settings, Clock.systemUTC());
    }

    /** The status topic for this client id; the id must be a valid topic segment. */
    private static String statusTopic(String template, String clientId) {
        try {
            return TopicTemplate.parse(template)
                    .requireKnown("mmi.mqtt.status-topic", List.of("clientId"))
                    .render(Map.of("clientId", clientId));
        } catch (InvalidTopicException | IllegalArgumentException e) {
            throw new IllegalArgumentException("mmi.mqtt.status-topic '" + template + "' with mmi.mqtt.client-id '"
                    + clientId + "' is not a valid topic: " + e.getMessage(), e);
        }
    }

    /** {@code auto} → {@code null} (the transport decides by port), {@code none} → no ALPN, else the list. */
    private static String alpn(String setting) {
        String alpn = setting.trim();
        return "auto".equals(alpn) ? null : "none".equals(alpn) ? "" : alpn;
    }

    private static long seconds(PropertiesComponent properties, String key, String defaultValue) {
        String text = properties.resolveProperty(key).orElse(defaultValue).trim();
        try {
            // A bare number is seconds; otherwise Camel's duration syntax (30s, 1h, 7d).
            return text.matches("\\d+") ? Long.parseLong(text)
                    : TimeUnit.MILLISECONDS.toSeconds(TimeUtils.toMilliSeconds(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " must be a duration such as 30s, 10m or 1h, was '" + text + "'",
                    e);
        }
    }

    private static int integer(PropertiesComponent properties, String key, String defaultValue) {
        String text = properties.resolveProperty(key).orElse(defaultValue).trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + text + "'", e);
        }
    }

    private static Path path(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key).map(String::trim).filter(p -> !p.isEmpty()).map(Path::of).orElse(null);
    }

    @Override
    protected void doStart() throws MqttConfigurationException {
        BrokerTransport transport = BrokerTransport.create(brokerUrl.get(), settings.certFile(),
                settings.keyFile(), settings.caFile(), settings.allowPlaintext(), settings.alpn());
        outbox = Outbox.open(settings.outboxDir(), settings.outboxBudget(), settings.fullPolicy(), clock);
        spill = new OutboxSpill(outbox, clock);
        connection = new MqttConnection(transport, settings.connection(), clock);
        metrics = new DeliveryMetrics(Observability.meterRegistry(context), outbox, connection, clock);
        spill.bindTo(metrics.registry());
        DeadLetterEnvelope envelope = DeadLetterEnvelope.fromProperties(context.getPropertiesComponent());
        publisher = new OutboxPublisher(outbox, connection, settings.flowControl(), metrics,
                (refused, refusal) -> deadLetter(envelope, refused, refusal), clock, settings.messageExpiry());
        LOG.info("Outbox {}: {} message(s) waiting; publishing {}", outbox.file(), outbox.depth(),
                settings.flowControl());
        // The publisher first: it reads the head of the backlog while the connection is made (a TLS handshake with
        // IoT Core takes a few hundred milliseconds), and sends once connected.
        publisher.start();
        try {
            connection.start();
        } catch (MqttConfigurationException | RuntimeException e) {
            publisher.stop(Duration.ZERO);
            outbox.close();
            throw e;
        }
        healthCheck = new DeliveryHealthCheck(connection.describe(), connection::state, outbox, publisher::inFlight,
                settings.maxAge(), clock);
        healthCheck.setCamelContext(context);
        outboxCheck = new OutboxHealthCheck(outbox, spill);
        outboxCheck.setCamelContext(context);
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null) {
            health.register(healthCheck);
            health.register(outboxCheck);
        }
        // Held messages move into the outbox as soon as it stores again, also when no new message comes.
        retry = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "mmi-outbox-retry");
        retry.scheduleWithFixedDelay(() -> {
            if (spill.held() > 0 && spill.flush() > 0) {
                publisher.wakeUp();
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * The refused message as the dead-letter route would envelope it, {@code raw} being the refused payload. Refused
     * for its size (or by a dropped connection), the payload would be refused in a dead letter too: {@code raw} is
     * then left out, and the envelope says where the intact copy is ({@code raw_quarantined}, {@code raw_bytes}).
     */
    private Outbox.DeadLetter deadLetter(DeadLetterEnvelope envelope, OutboxEntry refused,
            PublishRefusedException refusal) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, "outbox-publisher");
        exchange.setException(refusal);
        Message in = exchange.getMessage();
        in.setBody(refusal.payloadIsTheProblem() ? null : refused.payload());
        in.setHeader(IngestHeaders.TOPIC, refused.topic());
        envelope.process(exchange);
        Observability.deadLetters(metrics.registry(), in.getHeader(IngestHeaders.DEAD_LETTER_REASON, String.class))
                .increment();
        return new Outbox.DeadLetter(in.getHeader(IngestHeaders.MESSAGE_ID, String.class),
                in.getHeader(IngestHeaders.TOPIC, String.class),
                in.getBody(String.class).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Stores the exchange's message in the outbox: body (text or bytes) as payload, topic from
     * {@value IngestHeaders#TOPIC}, message id from {@value IngestHeaders#MESSAGE_ID} (a new one if absent), a dead
     * letter when {@value #DEAD_LETTER_HEADER} is true, a command response when {@value #RESPONSE_HEADER} is true,
     * with the correlation data in {@value #CORRELATION_DATA_HEADER}. On return the message is on disk.
     *
     * @throws OutboxException when the outbox is full for measurements (policy reject); a dead letter or response
     *     beyond its own budget is refused without failing the route (counted and logged by the outbox)
     */
    public void append(Exchange exchange) throws InvalidPayloadException {
        Message in = exchange.getMessage();
        String topic = in.getHeader(IngestHeaders.TOPIC, String.class);
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("No " + IngestHeaders.TOPIC + " header: the ingest route must choose"
                    + " the topic before publishing");
        }
        Object body = in.getBody();
        byte[] payload = body instanceof byte[] bytes ? bytes
                : body instanceof String text ? text.getBytes(StandardCharsets.UTF_8)
                        : in.getMandatoryBody(String.class).getBytes(StandardCharsets.UTF_8);
        String messageId = Optional.ofNullable(in.getHeader(IngestHeaders.MESSAGE_ID, String.class))
                .orElseGet(() -> UUID.randomUUID().toString());
        OutboxEntry.Kind kind = Boolean.TRUE.equals(in.getHeader(RESPONSE_HEADER, Boolean.class))
                ? OutboxEntry.Kind.RESPONSE
                : Boolean.TRUE.equals(in.getHeader(DEAD_LETTER_HEADER, Boolean.class)) ? OutboxEntry.Kind.DEAD_LETTER
                        : OutboxEntry.Kind.DATA;
        long seq;
        try {
            // Held in memory while the outbox cannot store (OutboxSpill): measuring goes on through a full disk.
            seq = spill.store(new OutboxSpill.Message(messageId, topic, payload, kind,
                    ParseMeasurement.instant(in.getHeader(MultispeqConstants.LAST_BYTE_AT)),
                    in.getHeader(IngestHeaders.RAW_INPUT, byte[].class), in.getHeader(CORRELATION_DATA_HEADER,
                            byte[].class)));
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

    /** Where messages wait while the outbox cannot store them ({@link OutboxSpill#holdInMemory}). */
    public OutboxSpill spill() {
        return spill;
    }

    @Override
    protected void doStop() {
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        if (health != null && healthCheck != null) {
            health.unregister(healthCheck);
            health.unregister(outboxCheck);
        }
        if (retry != null) {
            context.getExecutorServiceManager().shutdown(retry);
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
            LOG.info("Delivery: {} published, {} retried, {} waiting in the outbox; device to PUBACK latency {}",
                    (long) metrics.publishedCount(), (long) metrics.retriedCount(), outbox.depth(),
                    percentiles(metrics));
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
