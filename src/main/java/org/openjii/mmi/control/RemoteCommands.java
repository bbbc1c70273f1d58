package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.CommandCancelledException;
import org.openjii.mmi.device.DeviceAbsentException;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.ingest.ParseMeasurement;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.observe.RateLimitedLog;
import org.openjii.mmi.routes.DeviceRouteManager;
import org.openjii.mmi.support.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;

/**
 * The steps of the command route ({@code routes/commands.camel.yaml}, bean {@value #BEAN_NAME}) that need Java: the
 * response topic check, the device choice, the expiry check, the status, and the preparation of the response. The
 * requests arrive from the {@code iot:command} endpoint with only the headers it sets (its
 * {@link org.openjii.mmi.component.iot.IotConstants}); answers leave through {@code iot:response}.
 */
public final class RemoteCommands {

    public static final String BEAN_NAME = "mmiCommands";
    /** The status bean (a snapshot of devices, connection and outbox), when present. */
    public static final String STATUS_BEAN = "mmiStatus";
    /** Requests per second answered {@code busy} beyond, by default. */
    public static final int DEFAULT_RATE_LIMIT = 10;
    private static final Logger LOG = LoggerFactory.getLogger(RemoteCommands.class);
    /** Lines a flood of requests would repeat: at most one per this. */
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final CamelContext context;
    private final CommandTopics topics;
    private final int queueSize;
    private final DeviceRouteManager devices;
    private final Clock clock;
    private final int rateLimit;
    private final RateLimitedLog answers;
    private final RateLimitedLog duplicates;
    private Counter duplicateCount;

    public RemoteCommands(CamelContext context, CommandTopics topics, int queueSize, DeviceRouteManager devices,
            Clock clock) {
        this(context, topics, queueSize, DEFAULT_RATE_LIMIT, devices, clock);
    }

    /** @param rateLimit requests per second taken; more are answered {@code busy} */
    public RemoteCommands(CamelContext context, CommandTopics topics, int queueSize, int rateLimit,
            DeviceRouteManager devices, Clock clock) {
        this.context = Objects.requireNonNull(context, "context");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.queueSize = queueSize;
        this.rateLimit = rateLimit;
        this.devices = Objects.requireNonNull(devices, "devices");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.answers = new RateLimitedLog(LOG, LOG_INTERVAL, clock);
        this.duplicates = new RateLimitedLog(LOG, LOG_INTERVAL, clock);
    }

    /**
     * The steps configured by {@code mmi.commands.*} and {@code mmi.mqtt.client-id}.
     *
     * @throws IllegalArgumentException naming the key, for a topic that cannot work
     */
    public static RemoteCommands fromProperties(CamelContext context, DeviceRouteManager devices) {
        PropertiesComponent properties = context.getPropertiesComponent();
        CommandTopics topics = CommandTopics.fromProperties(properties);
        String queue = properties.resolveProperty("mmi.commands.queue-size").orElse("10").trim();
        int queueSize;
        try {
            queueSize = Integer.parseInt(queue);
        } catch (NumberFormatException e) {
            queueSize = 0;
        }
        if (queueSize < 1) {
            throw new IllegalArgumentException("mmi.commands.queue-size must be a whole number of at least 1, was '"
                    + queue + "'");
        }
        String rate = properties.resolveProperty("mmi.commands.rate-limit")
                .orElse(String.valueOf(DEFAULT_RATE_LIMIT))
                .trim();
        int rateLimit;
        try {
            rateLimit = Integer.parseInt(rate);
        } catch (NumberFormatException e) {
            rateLimit = 0;
        }
        if (rateLimit < 1) {
            throw new IllegalArgumentException("mmi.commands.rate-limit must be a whole number of requests per second,"
                    + " at least 1, was '" + rate + "'");
        }
        // Read here so that a typo stops startup with the key, not the route with Camel's words.
        Durations.millis(properties, "mmi.commands.duplicate-window", "10m");
        return new RemoteCommands(context, topics, queueSize, rateLimit, devices, Clock.systemUTC());
    }

    public CommandTopics topics() {
        return topics;
    }

    /**
     * First step: where to answer. A response topic the request names must be one the bridge may publish to; if not,
     * the answer (a {@code bad-request}) goes to the fallback topic.
     */
    public void checkResponseTopic(Exchange exchange) throws BadCommandRequestException {
        Message in = exchange.getMessage();
        // Kept as they came: the dead letter of a malformed request carries the request, the log names its topic.
        in.setHeader(CommandHeaders.REQUEST_TOPIC, in.getHeader(IotConstants.TOPIC));
        in.setHeader(CommandHeaders.REQUEST_PAYLOAD, in.getBody());
        String requested = in.getHeader(CommandHeaders.RESPONSE_TOPIC, String.class);
        // The fallback first: if the requested topic is refused, the bad-request answer goes there.
        in.setHeader(CommandHeaders.RESPONSE_TOPIC, topics.response());
        in.setHeader(CommandHeaders.RESPONSE_TOPIC, topics.responseTopicFor(requested));
    }

    /**
     * The queue in front of the device is full: the request is answered {@code busy} at once instead of long after
     * anyone waits for it. Called in a {@code doCatch}, where the route's error handler does not apply: the failure
     * becomes the caught exception, which the answer ({@link BuildCommandResponse}) reports.
     */
    public void busy(Exchange exchange) {
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new CommandBusyException(queueSize));
    }

    /**
     * More requests came in the last second than {@code mmi.commands.rate-limit} allows: answered {@code busy}, as
     * {@link #busy} does.
     */
    public void tooManyRequests(Exchange exchange) {
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new CommandBusyException("The bridge takes at most "
                + rateLimit + " request(s) per second (mmi.commands.rate-limit); try again later"));
    }

    /**
     * What makes a request the same request again, for the route's idempotent consumer: a digest of its correlation
     * data, response topic and payload. A sender that repeats a request repeats all three (a QoS 1 redelivery does);
     * one that reuses its correlation data for another request does not.
     */
    public String requestKey(Exchange exchange) {
        Message in = exchange.getMessage();
        MessageDigest digest = sha256();
        byte[] correlation = in.getHeader(CommandHeaders.CORRELATION_DATA, byte[].class);
        digest.update(correlation == null ? new byte[0] : correlation);
        digest.update((byte) 0);
        String responseTopic = in.getHeader(IotConstants.RESPONSE_TOPIC, String.class);
        digest.update((responseTopic == null ? "" : responseTopic).getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        Object body = in.getBody();
        digest.update(body instanceof byte[] bytes ? bytes
                : String.valueOf(in.getBody(String.class)).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }

    /**
     * A request taken already within {@code mmi.commands.duplicate-window} came again: acknowledged, not run, not
     * answered again (its answer went out, or is on its way, through the outbox). Counted in
     * {@code mmi_commands_duplicates_total}.
     */
    public void duplicate(Exchange exchange) {
        if (duplicateCount == null) {
            duplicateCount = Counter.builder("mmi.commands.duplicates")
                    .description("Requests taken already (same correlation data, response topic and payload) that"
                            + " came again within mmi.commands.duplicate-window: not run again")
                    .register(Observability.meterRegistry(context));
        }
        duplicateCount.increment();
        duplicates.warn("Ignored a request on {} that was taken already (same correlation data and payload): not run"
                + " or answered twice", exchange.getMessage().getHeader(IotConstants.TOPIC));
    }

    /**
     * Chooses the device: the one the request names (device name or device id), or the only one attached. Sets
     * {@value CommandHeaders#DEVICE} to its name and {@value CommandHeaders#PORT} to its port.
     *
     * @throws DeviceAbsentException ({@code device-absent}) when no such device is attached
     * @throws BadCommandRequestException when several are attached and the request names none
     */
    public void selectDevice(Exchange exchange) throws MultispeqException, BadCommandRequestException {
        Message in = exchange.getMessage();
        String wanted = in.getHeader(CommandHeaders.DEVICE, String.class);
        Map<String, String> attached = devices.devices();
        if (wanted == null) {
            if (attached.isEmpty()) {
                throw new DeviceAbsentException("No MultispeQ is attached to the bridge", null);
            }
            if (attached.size() > 1) {
                throw new BadCommandRequestException("Several devices are attached (" + String.join(", ", attached
                        .keySet()) + "); name one in \"device\"");
            }
            wanted = attached.keySet().iterator().next();
        }
        Optional<Map.Entry<String, String>> found = find(attached, wanted);
        if (found.isEmpty()) {
            throw new DeviceAbsentException("No device '" + wanted + "' is attached (attached: "
                    + (attached.isEmpty() ? "none" : String.join(", ", attached.keySet())) + ")", null);
        }
        in.setHeader(CommandHeaders.DEVICE, found.get().getKey());
        in.setHeader(CommandHeaders.PORT, found.get().getValue());
    }

    /** By device name, else by the device id of the session on its port. */
    private Optional<Map.Entry<String, String>> find(Map<String, String> attached, String wanted) {
        if (attached.containsKey(wanted)) {
            return Optional.of(Map.entry(wanted, attached.get(wanted)));
        }
        MultispeqComponent component = context.getComponent("multispeq", MultispeqComponent.class);
        return attached.entrySet().stream().filter(device -> {
            DeviceSession session = component.session(device.getValue());
            DeviceInfo info = session == null ? null : session.deviceInfo();
            return info != null && wanted.equalsIgnoreCase(info.id());
        }).findFirst();
    }

    /**
     * Whether the request's MQTT 5 message expiry passed while it waited; logs the drop. An expired request gets no
     * answer: whoever sent it has stopped waiting.
     */
    public boolean expired(Exchange exchange) {
        Message in = exchange.getMessage();
        Instant expiresAt = in.getHeader(CommandHeaders.EXPIRES_AT, Instant.class);
        Instant now = clock.instant();
        if (expiresAt == null || now.isBefore(expiresAt)) {
            return false;
        }
        Instant receivedAt = in.getHeader(CommandHeaders.RECEIVED_AT, Instant.class);
        LOG.warn("Dropped the {} request from {} without running it: its message expiry passed {} ms ago, after {} ms"
                + " waiting for the device", in.getHeader(CommandHeaders.KIND),
                in.getHeader(
                        CommandHeaders.REQUEST_TOPIC),
                Duration.between(expiresAt, now).toMillis(),
                receivedAt == null ? "?" : Duration.between(receivedAt, now).toMillis());
        return true;
    }

    /**
     * The answer to {@code {"action": "status"}}: the retained status's content ({@link BridgeStatus#snapshot()}), or
     * the attached devices when there is no status bean (no broker configured).
     */
    public Object status() {
        BridgeStatus status = context.getRegistry().lookupByNameAndType(STATUS_BEAN, BridgeStatus.class);
        return status != null ? status.snapshot() : Map.of("devices", List.copyOf(devices.devices().keySet()));
    }

    /** Before a requested run enters the ingest route: the {@code iot:data} producer collects its message ids. */
    public void collectMessageIds(Exchange exchange) {
        exchange.setProperty(IotConstants.COLLECTED_MESSAGE_IDS, Collections.synchronizedList(new ArrayList<>()));
    }

    /**
     * The result of a requested run, once the ingest route has published it: which device measured, and when. The
     * measurement itself went to the data topic ({@code message_ids}); repeating it here could exceed the broker's
     * message size for nothing.
     */
    public void runResult(Exchange exchange) {
        Message in = exchange.getMessage();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("device", in.getHeader(CommandHeaders.DEVICE));
        result.put("device_id", in.getHeader(MultispeqConstants.DEVICE_ID));
        result.put("device_firmware", in.getHeader(MultispeqConstants.DEVICE_FIRMWARE));
        result.put("device_battery", in.getHeader(MultispeqConstants.DEVICE_BATTERY));
        Instant measuredAt = ParseMeasurement.instant(in.getHeader(MultispeqConstants.LAST_BYTE_AT));
        result.put("measured_at", measuredAt == null ? null : measuredAt.toString());
        List<?> ids = exchange.getProperty(IotConstants.COLLECTED_MESSAGE_IDS, List.class);
        result.put("messages", ids == null ? 0 : ids.size());
        result.values().removeIf(Objects::isNull);
        in.setBody(result);
    }

    /**
     * Whether a failed request becomes a dead letter as well as an error response: a malformed request (someone sent
     * something the bridge could not read), and a failed run whose device output would otherwise be lost. A denied,
     * cancelled or busy request is answered, nothing more: nothing was lost.
     */
    public boolean needsDeadLetter(Exchange exchange) {
        Throwable failure = Optional.ofNullable(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class))
                .orElse(exchange.getException());
        if (failure instanceof BadCommandRequestException) {
            return true;
        }
        return failure instanceof MultispeqException e && !(e instanceof CommandCancelledException)
                && e.rawBytes() != null && e.rawBytes().length > 0;
    }

    /**
     * Before a dead letter for a failed request: the body becomes what was received. For a failure at the device
     * that is the device's raw output (so nothing it sent is lost); otherwise the request as it came.
     */
    public void deadLetterBody(Exchange exchange) {
        Message in = exchange.getMessage();
        Throwable failure = Optional.ofNullable(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class))
                .orElse(exchange.getException());
        if (failure instanceof MultispeqException e && e.rawBytes() != null && e.rawBytes().length > 0) {
            in.setBody(e.rawBytes());
        } else if (in.getHeader(CommandHeaders.REQUEST_PAYLOAD) != null) {
            in.setBody(in.getHeader(CommandHeaders.REQUEST_PAYLOAD));
        }
    }

    /**
     * Last step before {@code iot:response}: the response (the body, from {@link BuildCommandResponse}) goes to the
     * response topic with the request's correlation data (its {@value IotConstants#CORRELATION_DATA} header, kept),
     * as a message of its own.
     */
    public void prepareResponse(Exchange exchange) {
        Message in = exchange.getMessage();
        String topic = Optional.ofNullable(in.getHeader(CommandHeaders.RESPONSE_TOPIC, String.class))
                .orElse(topics.response());
        in.setHeader(IotConstants.TOPIC, topic);
        in.setHeader(IotConstants.MESSAGE_ID, UUID.randomUUID().toString());
        in.removeHeader(IotConstants.RAW_INPUT);
        in.removeHeader(IotConstants.ORIGIN_TIME);
        in.setHeader(IotConstants.CORRELATION_DATA, in.getHeader(CommandHeaders.CORRELATION_DATA));
        String code = in.getHeader(CommandHeaders.ERROR_CODE, String.class);
        // At most one line per 10 s: a flood of requests is answered (busy, bad-request) one by one.
        answers.info("Answered the {} request{} on {}: {}", Optional.ofNullable(in.getHeader(CommandHeaders.KIND))
                .orElse("unparsed"),
                Optional.ofNullable(in.getHeader(CommandHeaders.DEVICE, String.class))
                        .map(device -> " for " + device)
                        .orElse(""),
                topic, code == null ? "ok" : code);
    }
}
