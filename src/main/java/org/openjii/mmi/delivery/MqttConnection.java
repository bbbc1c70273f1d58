package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjii.mmi.MmiVersion;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.device.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientReconnector;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;

import io.reactivex.disposables.Disposable;
import io.reactivex.schedulers.Schedulers;

/**
 * One MQTT 5 connection of one identity (client id and credentials): publishing (data, dead letters, responses,
 * status) and subscribing (commands) all go through it. A second client with the same client id would take the
 * session over, and AWS IoT Core then disconnects the two in turn: so there is one client per identity, made here.
 * <p>
 * The client is the HiveMQ MQTT client. Session: clean start off with a session expiry (default 1 h, at most IoT
 * Core's 7 days), keep-alive clamped to IoT Core's 30–1200 s, QoS 1. With a status topic, a Last Will publishes a
 * retained {@code offline} there, and every (re)connect publishes a retained {@code online}: the
 * {@link StatusSource}'s payload when one is set, else a bare {@code {"status":"online",...}}.
 * <p>
 * Connecting never blocks: {@link #start()} begins the first attempt and returns. A failed attempt or a lost
 * connection is retried with exponential backoff (1 s to {@code maxReconnectDelay}, with jitter; never more than one
 * CONNECT per second, IoT Core's limit per client id), also when the broker refused the CONNECT or the TLS handshake
 * found a configuration problem: such a refusal is logged as an error naming the setting, and readiness says why
 * (an IoT policy can take minutes to propagate, a certificate can be activated later). Publishes in flight when the
 * connection drops are sent again by the client in the resumed session; if the broker did not keep the session they
 * fail, and the publisher sends them again.
 * <p>
 * Threads: the client's network threads and its callbacks run on the executors given at construction (Camel's,
 * named); messages of subscriptions are handed to their {@link MessageHandler} on the callback executor in the order
 * they arrived, and acknowledged when the handler says so.
 */
public final class MqttConnection implements AutoCloseable {

    /** IoT Core clamps a requested keep-alive into 30..1200 s. */
    public static final int MIN_KEEP_ALIVE_SECONDS = 30;
    public static final int MAX_KEEP_ALIVE_SECONDS = 1200;
    /** IoT Core's longest session expiry: 7 days. */
    public static final long MAX_SESSION_EXPIRY_SECONDS = 604_800;

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final Duration MIN_RECONNECT_DELAY = Duration.ofSeconds(1);
    /** A connection that lasted this long resets the backoff when it drops. */
    private static final Duration STABLE_CONNECTION = Duration.ofSeconds(10);
    /** The client's TLS settings are ours ({@link BrokerTransport#sslContext()}); this only switches TLS on. */
    private static final MqttClientSslConfig TLS_ON = MqttClientSslConfig.builder().build();

    /**
     * Connection settings.
     *
     * @param clientId the client id: on AWS IoT Core the Thing name
     * @param keepAliveSeconds requested keep-alive, clamped into 30..1200
     * @param sessionExpirySeconds how long the broker keeps the session after a disconnect, 0..604800
     * @param statusTopic where {@code online} (retained) and the Last Will {@code offline} go; {@code null} for none
     * @param connectTimeoutSeconds how long one CONNECT may take
     * @param maxReconnectDelay the longest wait between two attempts
     */
    public record Settings(String clientId, int keepAliveSeconds, long sessionExpirySeconds, String statusTopic,
            int connectTimeoutSeconds, Duration maxReconnectDelay) {

        public Settings {
            Objects.requireNonNull(clientId, "clientId");
            if (clientId.isBlank() || clientId.startsWith("$")
                    || clientId.getBytes(StandardCharsets.UTF_8).length > 128) {
                throw new IllegalArgumentException("mmi.mqtt.client-id must be 1 to 128 bytes and not start with $"
                        + " (AWS IoT Core), was '" + clientId + "'");
            }
            if (sessionExpirySeconds < 0 || sessionExpirySeconds > MAX_SESSION_EXPIRY_SECONDS) {
                throw new IllegalArgumentException("mmi.mqtt.session-expiry must be 0 to 7 days, was "
                        + sessionExpirySeconds + " s");
            }
            if (connectTimeoutSeconds < 1) {
                throw new IllegalArgumentException("mmi.mqtt.connect-timeout must be at least 1 s");
            }
            if (maxReconnectDelay.compareTo(MIN_RECONNECT_DELAY) < 0) {
                throw new IllegalArgumentException("mmi.mqtt.max-reconnect-delay must be at least 1 s");
            }
        }

        /** These settings for another client id, without status topic and Last Will. */
        public Settings withClientId(String otherClientId) {
            return new Settings(otherClientId, keepAliveSeconds, sessionExpirySeconds, null, connectTimeoutSeconds,
                    maxReconnectDelay);
        }

        /** The keep-alive IoT Core will grant: clamped into 30..1200 s. */
        public int effectiveKeepAliveSeconds() {
            return Math.max(MIN_KEEP_ALIVE_SECONDS, Math.min(MAX_KEEP_ALIVE_SECONDS, keepAliveSeconds));
        }
    }

    /**
     * What the publisher and the health check need to know about the link.
     *
     * @param maximumPacketSize the broker's Maximum Packet Size, 0 when it set none
     */
    public record State(boolean connected, Instant since, String detail, int receiveMaximum,
            long maximumPacketSize) {
    }

    /** A message of a subscription, with what the command route needs of its MQTT 5 properties. */
    public record ReceivedMessage(String topic, byte[] payload, boolean retained, String responseTopic,
            byte[] correlationData, Long messageExpirySeconds, Runnable acknowledgement) {

        /** Sends the PUBACK (QoS 1): the message is the handler's now, and the broker will not send it again. */
        public void acknowledge() {
            acknowledgement.run();
        }
    }

    /**
     * Receives the messages of a subscription, one at a time in arrival order, on the callback executor. It must
     * {@link ReceivedMessage#acknowledge() acknowledge} each message once it has taken it (the next ones wait for
     * nothing: acknowledgements may come later, from another thread).
     */
    @FunctionalInterface
    public interface MessageHandler {

        void arrived(ReceivedMessage message);
    }

    /** How a subscription treats retained messages. */
    public record Subscription(int qos, boolean retainedWanted, MessageHandler handler) {
    }

    /**
     * Where the retained {@code online} status comes from (the bridge's status service): published on every
     * (re)connect and whenever {@link #publishStatus()} is called. The Last Will stays the bare {@code offline}.
     */
    public interface StatusSource {

        /**
         * The payload (JSON, {@code "status":"online"}) of the status about to be published. Called right before each
         * status publish, also on the client's threads after a reconnect: it must not block.
         */
        byte[] statusPayload();

        /** How that publish went: {@code error} is {@code null} once the broker acknowledged it. */
        default void statusPublished(byte[] payload, Throwable error) {
        }
    }

    /** Told when the connection comes up or goes down (publisher wake-up, metrics). */
    public interface Listener {

        void connected(State state);

        /** @param cause why, as the client reported it ({@link #closedOnARefusal} tells one kind apart) */
        void disconnected(State state, Throwable cause);
    }

    /** The properties of one publish. */
    public record Outgoing(String topic, byte[] payload, boolean retain, List<Map.Entry<String, String>> userProperties,
            byte[] correlationData, Long messageExpirySeconds) {
    }

    private volatile BrokerTransport transport;
    private final Settings settings;
    private final Clock clock;
    private final ExecutorService network;
    private final ExecutorService callbacks;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private volatile Mqtt5AsyncClient client;
    private volatile StatusSource statusSource;
    private volatile State state;
    private volatile boolean stopping;
    private volatile boolean forgetSession;
    /** The flow of received messages: it holds on to the client's network thread until disposed. */
    private volatile Disposable received;
    private int failedAttempts;
    private Instant connectedAt;

    /**
     * @param network the threads of the client's network I/O (Netty's event loop)
     * @param callbacks where the client completes publishes and hands over messages of subscriptions
     */
    public MqttConnection(BrokerTransport transport, Settings settings, Clock clock, ExecutorService network,
            ExecutorService callbacks) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.network = Objects.requireNonNull(network, "network");
        this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
        this.state = new State(false, clock.instant(), "not started", 0, 0);
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** The payload of the retained {@code online} status from now on; {@code null}: the bare one. */
    public void setStatusSource(StatusSource source) {
        this.statusSource = source;
    }

    /**
     * Creates the client and begins the first connection attempt, without waiting for it: a broker that is down or
     * slow to answer holds up nothing; messages wait in the outbox.
     */
    public void start() {
        if (settings.effectiveKeepAliveSeconds() != settings.keepAliveSeconds()) {
            LOG.warn("mmi.mqtt.keep-alive={} s is outside AWS IoT Core's 30..1200 s; using {} s",
                    settings.keepAliveSeconds(), settings.effectiveKeepAliveSeconds());
        }
        Mqtt5ClientBuilder builder = Mqtt5Client.builder()
                .identifier(settings.clientId())
                .serverHost(transport.host())
                .serverPort(transport.port())
                .executorConfig(MqttClientExecutorConfig.builder()
                        .nettyExecutor(network)
                        .nettyThreads(1)
                        .applicationScheduler(Schedulers.from(callbacks, true))
                        .build())
                .transportConfig()
                .serverHost(transport.host())
                .serverPort(transport.port())
                .sslConfig(transport.tls() ? TLS_ON : null)
                .socketConnectTimeout(settings.connectTimeoutSeconds(), TimeUnit.SECONDS)
                .mqttConnectTimeout(settings.connectTimeoutSeconds(), TimeUnit.SECONDS)
                .applyTransportConfig()
                .addConnectedListener(context -> connected((Mqtt5ClientConnectedContext) context))
                .addDisconnectedListener(context -> disconnected((Mqtt5ClientDisconnectedContext) context));
        Mqtt5AsyncClient created = builder.buildAsync();
        transport.applyTlsTo(created);
        client = created;
        // Registered before connecting: a resumed session may deliver messages before any SUBSCRIBE is sent.
        receiveMessages(created);
        LOG.info("MQTT: {} as client id '{}'", transport.describe(), settings.clientId());
        state = new State(false, clock.instant(), "connecting to " + transport.describe(), 0, 0);
        connect(created);
    }

    /**
     * Hands every message the client receives to {@link #dispatch} on the callback executor, in arrival order. The
     * client ends this flow when its session ends (the broker did not keep it, or it expired); a new flow then takes
     * over at once, before any message of the next session can arrive (the client registers it on its own thread).
     */
    private void receiveMessages(Mqtt5AsyncClient target) {
        received = target.toRx()
                .publishes(MqttGlobalPublishFilter.ALL, true)
                // On the client's thread as the session ends: the new flow is in place before the next read.
                .doOnError(error -> {
                    if (!stopping && client == target) {
                        receiveMessages(target);
                    }
                })
                .observeOn(Schedulers.from(callbacks), true)
                .subscribe(this::dispatch, error -> LOG.debug("MQTT session ended ({}); receiving on a new flow",
                        error.getMessage()));
    }

    private void connect(Mqtt5AsyncClient target) {
        // Failures are handled by the disconnected listener, which the client calls for a failed attempt too.
        target.connect(connectPacket(false));
    }

    private Mqtt5Connect connectPacket(boolean cleanStart) {
        Mqtt5ConnectBuilder connect = Mqtt5Connect.builder()
                .cleanStart(cleanStart)
                .sessionExpiryInterval(settings.sessionExpirySeconds())
                .keepAlive(settings.effectiveKeepAliveSeconds());
        if (settings.statusTopic() != null) {
            connect.willPublish()
                    .topic(settings.statusTopic())
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .retain(true)
                    .payload(status("offline"))
                    .contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .applyWillPublish();
        }
        return connect.build();
    }

    /**
     * Connects again with another TLS set-up for the same broker (rotated key material): the current connection is
     * closed and the next one uses {@code next}; the session, and with it what waits in the outbox, carries over.
     */
    public void replaceTransport(BrokerTransport next) {
        if (!next.host().equals(transport.host()) || next.port() != transport.port()) {
            throw new IllegalArgumentException("replaceTransport keeps the broker: " + transport.describe()
                    + " is not " + next.describe());
        }
        transport = next;
        Mqtt5AsyncClient current = client;
        if (current == null) {
            return;
        }
        next.applyTlsTo(current);
        LOG.info("MQTT: reconnecting to {} as client id '{}' with new key material", next.describe(),
                settings.clientId());
        if (current.getState().isConnected()) {
            current.disconnect().whenComplete((done, error) -> {
                if (!stopping) {
                    connect(current);
                }
            });
        }
    }

    /**
     * The next connect starts a clean session: the client forgets the publishes it holds for the session (they fail,
     * and the publisher decides what to send again) and the broker forgets the session too. For a message the broker
     * refuses in a way that closes the connection, which the client would otherwise send again at every reconnect.
     */
    public void forgetSessionOnReconnect() {
        forgetSession = true;
    }

    /**
     * Whether a lost connection was the client's answer to a broker refusing a publish with a reason code a PUBACK may
     * not carry (Mosquitto answers a message over its {@code message_size_limit} with PUBACK 0x95), rather than a
     * network failure: the refusal is explicit, only its encoding is wrong.
     */
    public static boolean closedOnARefusal(Throwable cause) {
        for (Throwable c = cause; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String message = c.getMessage();
            if (message != null && message.contains("PUBACK") && message.contains("reason code")) {
                return true;
            }
        }
        return false;
    }

    private byte[] status(String status) {
        ObjectNode node = DeviceJson.mapper().createObjectNode();
        node.put("status", status);
        node.put("client_id", settings.clientId());
        node.put("mmi_version", MmiVersion.get());
        if (!"offline".equals(status)) {
            node.put("since", clock.instant().toString());
        }
        return DeviceJson.write(node).getBytes(StandardCharsets.UTF_8);
    }

    private void connected(Mqtt5ClientConnectedContext context) {
        Mqtt5ConnAck connAck = context.getConnAck();
        Mqtt5ConnAckRestrictions restrictions = connAck.getRestrictions();
        long maximumPacketSize = restrictions
                .getMaximumPacketSize() >= Mqtt5ConnAckRestrictions.DEFAULT_MAXIMUM_PACKET_SIZE_NO_LIMIT ? 0
                        : restrictions.getMaximumPacketSize();
        synchronized (this) {
            connectedAt = clock.instant();
        }
        boolean resumed = connAck.isSessionPresent();
        state = new State(true, clock.instant(), "connected to " + transport.describe() + (resumed
                ? ", session resumed"
                : ", new session"), restrictions.getReceiveMaximum(), maximumPacketSize);
        LOG.info("MQTT connected to {} as '{}' (session {}, broker receive maximum {}{})", transport.describe(),
                settings.clientId(), resumed ? "resumed" : "new", restrictions.getReceiveMaximum(),
                maximumPacketSize > 0 ? ", maximum packet size " + maximumPacketSize : "");
        publishStatus();
        subscribeAll();
        for (Listener listener : listeners) {
            listener.connected(state);
        }
    }

    private void disconnected(Mqtt5ClientDisconnectedContext context) {
        boolean wasConnected = state.connected();
        Throwable cause = context.getCause();
        if (stopping || context.getSource() == MqttDisconnectSource.USER) {
            state = new State(false, clock.instant(), "stopped", 0, 0);
            return;
        }
        int attempts;
        synchronized (this) {
            // A connection that lasted is a fresh start; one dropped soon after it came up counts as a failed attempt,
            // so a broker that keeps closing it right away is not hammered once a second.
            boolean lasted = wasConnected && connectedAt != null
                    && Duration.between(connectedAt, clock.instant()).compareTo(STABLE_CONNECTION) >= 0;
            failedAttempts = lasted ? 0 : failedAttempts + 1;
            attempts = failedAttempts;
        }
        // The first retry after a lost connection comes after a second: IoT Core allows one CONNECT per second.
        Duration delay = attempts == 0 ? MIN_RECONNECT_DELAY : reconnectDelay(attempts);
        String reason = describe(cause);
        Optional<MqttConfigurationException> refusal = refusal(cause);
        state = new State(false, wasConnected ? clock.instant() : state.since(), refusal.map(Throwable::getMessage)
                .orElse(wasConnected ? "disconnected: " + reason : reason), 0, 0);
        if (wasConnected) {
            LOG.warn("MQTT connection to {} lost: {}; reconnecting in {} s, messages wait in the outbox",
                    transport.describe(), reason, delay.toSeconds());
            for (Listener listener : listeners) {
                listener.disconnected(state, cause);
            }
        } else if (Long.bitCount(attempts) != 1) {
            // Logged at the 1st, 2nd, 4th, 8th ... attempt: enough to see it goes on, without flooding the log.
            LOG.debug("MQTT connect attempt {} failed: {}", attempts,
                    refusal.map(Throwable::getMessage).orElse(reason));
        } else if (refusal.isPresent()) {
            LOG.error("MQTT connect attempt {} failed: {}; retrying in {} s", attempts, refusal.get().getMessage(),
                    delay.toSeconds());
        } else {
            LOG.warn("MQTT broker {} not reachable (attempt {}: {}); retrying in {} s, messages wait in the outbox",
                    transport.describe(), attempts, reason, delay.toSeconds());
        }
        Mqtt5ClientReconnector reconnector = context.getReconnector();
        if (forgetSession) {
            forgetSession = false;
            reconnector.connect(connectPacket(true));
        }
        // Subscriptions are made again by connected(), whatever the broker kept.
        reconnector.reconnect(true)
                .resubscribeIfSessionExpired(false)
                .delay(delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A failure the broker or the TLS handshake explained: a refused CONNECT or a configuration problem. */
    private Optional<MqttConfigurationException> refusal(Throwable cause) {
        Optional<MqttConfigurationException> explained = transport.explainConnectFailure(cause);
        if (explained.isPresent() || !(cause instanceof Mqtt5ConnAckException refused)) {
            return explained;
        }
        int code = refused.getMqttMessage().getReasonCode().getCode();
        String why = switch (code) {
            case 0x84 -> "does not support MQTT 5";
            case 0x85 -> "refused the client id '" + settings.clientId() + "' (mmi.mqtt.client-id)";
            case 0x86 -> "refused the credentials";
            case 0x87 -> "refused the connection as not authorized (check the certificate and its policy;"
                    + " mmi.mqtt.client-id must be the Thing name the policy allows)";
            case 0x8A -> "refused the connection as banned";
            case 0x8C -> "refused the authentication method";
            default -> "refused the connection: " + MqttReasonCodes.describe(code);
        };
        return Optional.of(new MqttConfigurationException("The MQTT broker " + transport.describe() + " " + why
                + " (MQTT reason code 0x" + Integer.toHexString(code) + ")", cause));
    }

    /** 1, 2, 4, ... s up to the maximum, each with up to 20 % jitter so a fleet does not reconnect in step. */
    Duration reconnectDelay(int attempts) {
        long base = MIN_RECONNECT_DELAY.toMillis() << Math.min(attempts - 1, 20);
        long capped = Math.min(base, settings.maxReconnectDelay().toMillis());
        long jitter = (long) (capped * 0.2 * ThreadLocalRandom.current().nextDouble());
        return Duration.ofMillis(Math.max(MIN_RECONNECT_DELAY.toMillis(), capped - jitter));
    }

    static String describe(Throwable error) {
        if (error == null) {
            return "closed";
        }
        Throwable shown = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (shown instanceof Mqtt5DisconnectException disconnect) {
            var message = disconnect.getMqttMessage();
            return "the broker disconnected: " + MqttReasonCodes.describe(message.getReasonCode().getCode())
                    + message.getReasonString().map(reason -> " (" + reason + ")").orElse("");
        }
        String text = shown.getMessage() != null ? shown.getMessage() : shown.getClass().getSimpleName();
        Throwable cause = shown.getCause();
        if (cause != null && cause != shown && cause.getMessage() != null && !text.contains(cause.getMessage())) {
            return text + " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        }
        return text;
    }

    /**
     * Publishes the status (retained, QoS 1) now: the {@link StatusSource}'s payload, or a bare {@code online}. Does
     * not wait for the PUBACK (the source hears of it). Called on every connect, and by the status service when the
     * status changed; the publisher's window leaves a slot of the broker's Receive Maximum for it.
     *
     * @return false when there is no status topic or no connection (the next connect publishes the status anyway)
     */
    public boolean publishStatus() {
        Mqtt5AsyncClient current = client;
        if (settings.statusTopic() == null || current == null || !isConnected()) {
            return false;
        }
        StatusSource source = statusSource;
        byte[] payload;
        try {
            payload = source == null ? status("online") : source.statusPayload();
        } catch (RuntimeException e) {
            LOG.warn("The bridge status could not be made ({}); publishing a bare online", e.toString());
            source = null;
            payload = status("online");
        }
        StatusSource told = source;
        byte[] sent = payload;
        publish(new Outgoing(settings.statusTopic(), payload, true, List.of(), null, null)).whenComplete(
                (code, error) -> {
                    Throwable failure = error != null ? error
                            : MqttReasonCodes.isFailure(code) ? new IllegalStateException(MqttReasonCodes.describe(
                                    code)) : null;
                    if (failure == null) {
                        LOG.debug("Status published to {}", settings.statusTopic());
                    } else {
                        LOG.warn("Publishing the status to {} failed: {}", settings.statusTopic(), describe(failure));
                    }
                    if (told != null) {
                        told.statusPublished(sent, failure);
                    }
                });
        return true;
    }

    /**
     * Subscribes on this connection, now if connected and again after every reconnect (the broker may not have kept
     * the session). Retained messages are not sent by the broker (Retain Handling 2) and ignored if they come anyway,
     * unless the subscription wants them.
     */
    public void subscribe(String filter, Subscription subscription) {
        subscriptions.put(filter, subscription);
        if (isConnected()) {
            subscribe(filter);
        }
    }

    /**
     * Stops handing messages of {@code filter} to its handler. The broker keeps the subscription in the session;
     * messages that still arrive for it are acknowledged and logged.
     */
    public void removeSubscription(String filter) {
        subscriptions.remove(filter);
    }

    private void subscribeAll() {
        subscriptions.keySet().forEach(this::subscribe);
    }

    private void subscribe(String filter) {
        Subscription subscription = subscriptions.get(filter);
        Mqtt5AsyncClient current = client;
        if (subscription == null || current == null) {
            return;
        }
        current.subscribeWith()
                .topicFilter(filter)
                .qos(subscription.qos() == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE)
                .retainHandling(subscription.retainedWanted() ? Mqtt5RetainHandling.SEND
                        : Mqtt5RetainHandling.DO_NOT_SEND)
                .send()
                .whenComplete((Mqtt5SubAck subAck, Throwable error) -> {
                    if (error != null) {
                        LOG.warn("Subscribing to {} failed: {}; trying again on the next connection", filter,
                                describe(error));
                        return;
                    }
                    Mqtt5SubAckReasonCode code = subAck.getReasonCodes().get(0);
                    if (code.isError()) {
                        LOG.error("The broker refused the subscription to {}: {}", filter, MqttReasonCodes.describe(
                                code.getCode()));
                    } else {
                        LOG.info("Subscribed to {} (QoS {})", filter, code.getCode());
                    }
                });
    }

    /** Hands a message to the subscription whose filter matches its topic (callback executor, arrival order). */
    private void dispatch(Mqtt5Publish publish) {
        String topic = publish.getTopic().toString();
        MqttTopic parsed = publish.getTopic();
        Subscription match = null;
        for (Map.Entry<String, Subscription> subscription : subscriptions.entrySet()) {
            if (MqttTopicFilter.of(subscription.getKey()).matches(parsed)) {
                match = subscription.getValue();
                break;
            }
        }
        if (match == null) {
            LOG.warn("Ignoring a message on {}: no subscription matches it", topic);
            publish.acknowledge();
            return;
        }
        if (publish.isRetain() && !match.retainedWanted()) {
            LOG.warn("Ignoring a retained message on {}: requests are taken only as they are sent, never replayed",
                    topic);
            publish.acknowledge();
            return;
        }
        byte[] correlation = publish.getCorrelationData().map(MqttConnection::bytes).orElse(null);
        ReceivedMessage message = new ReceivedMessage(topic, publish.getPayloadAsBytes(), publish.isRetain(),
                publish.getResponseTopic().map(MqttTopic::toString).orElse(null), correlation,
                publish.getMessageExpiryInterval().isPresent() ? publish.getMessageExpiryInterval().getAsLong()
                        : null,
                publish::acknowledge);
        try {
            match.handler().arrived(message);
        } catch (RuntimeException e) {
            LOG.error("Handling a message on {} failed: {}", topic, e.getMessage(), e);
            publish.acknowledge();
        }
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /**
     * Publishes at QoS 1. The future completes with the PUBACK's reason code (below 0x80: accepted; 0x80 and above:
     * refused), or exceptionally when the message was not acknowledged (not connected, connection lost and the session
     * not resumed, or the client refused it).
     */
    public CompletableFuture<Integer> publish(Outgoing message) {
        Mqtt5AsyncClient current = client;
        if (current == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not started"));
        }
        Mqtt5PublishBuilder.Complete builder;
        try {
            builder = Mqtt5Publish.builder().topic(message.topic());
        } catch (IllegalArgumentException e) {
            // The client checks the topic as the broker would (wildcards, empty levels, length): a refusal.
            LOG.warn("Not publishing to '{}': {}", message.topic(), e.getMessage());
            return CompletableFuture.completedFuture(MqttReasonCodes.TOPIC_NAME_INVALID);
        }
        builder.qos(MqttQos.AT_LEAST_ONCE)
                .retain(message.retain())
                .payload(message.payload())
                .contentType("application/json")
                .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8);
        if (!message.userProperties().isEmpty()) {
            var properties = com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties.builder();
            message.userProperties().forEach(property -> properties.add(property.getKey(), property.getValue()));
            builder.userProperties(properties.build());
        }
        if (message.correlationData() != null) {
            builder.correlationData(message.correlationData());
        }
        if (message.messageExpirySeconds() != null) {
            builder.messageExpiryInterval(message.messageExpirySeconds());
        }
        return current.publish(builder.build()).handle((Mqtt5PublishResult result, Throwable error) -> {
            if (error == null) {
                return result instanceof Mqtt5PublishResult.Mqtt5Qos1Result acknowledged
                        ? acknowledged.getPubAck().getReasonCode().getCode()
                        : 0;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof Mqtt5PubAckException refused) {
                Mqtt5PubAck pubAck = refused.getMqttMessage();
                return pubAck.getReasonCode().getCode();
            }
            throw error instanceof CompletionException completion ? completion : new CompletionException(cause);
        });
    }

    public boolean isConnected() {
        Mqtt5AsyncClient current = client;
        return state.connected() && current != null && current.getState().isConnected();
    }

    public State state() {
        return state;
    }

    public Settings settings() {
        return settings;
    }

    public String describe() {
        return transport.describe();
    }

    /**
     * Publishes a retained {@code offline} (a clean disconnect does not send the Last Will) and disconnects.
     */
    @Override
    public void close() {
        stopping = true;
        Mqtt5AsyncClient current = client;
        if (current == null) {
            return;
        }
        try {
            if (current.getState().isConnected()) {
                if (settings.statusTopic() != null) {
                    publish(new Outgoing(settings.statusTopic(), status("offline"), true, List.of(), null, null))
                            .get(2, TimeUnit.SECONDS);
                }
                current.disconnect().get(3, TimeUnit.SECONDS);
            } else {
                current.disconnect();
            }
        } catch (Exception e) {
            LOG.debug("Disconnecting from MQTT: {}", describe(e));
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            // After the disconnect, so that no message arrives without a handler; then the network thread is free.
            Disposable flow = received;
            if (flow != null) {
                flow.dispose();
            }
        }
        state = new State(false, clock.instant(), "stopped", 0, 0);
    }
}
