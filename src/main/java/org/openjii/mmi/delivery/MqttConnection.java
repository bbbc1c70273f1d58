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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;

import io.reactivex.disposables.Disposable;
import io.reactivex.schedulers.Schedulers;

/**
 * Over ~400 lines because its nested types ({@link Settings}, {@link State}, {@link Outgoing}, {@link Listener}, ...)
 * are the API its callers name; the reconnect policy and the packets it sends of itself are in {@link ReconnectPolicy}
 * and {@link SessionPackets}.
 * <p>
 * One MQTT connection of one identity (client id and credentials): publishing (data, dead letters, responses, status)
 * and subscribing (commands) all go through it. A second client with the same client id would take the session over,
 * and AWS IoT Core then disconnects the two in turn: so there is one client per identity, made here.
 * <p>
 * The client is the HiveMQ MQTT client, speaking MQTT 5 or 3.1.1 ({@link MqttWire}). Session: clean start off with a
 * session expiry (default 1 h, at most IoT Core's 7 days), keep-alive clamped to IoT Core's 30–1200 s, QoS 1. With a
 * status topic, a Last Will publishes a retained {@code offline} there, and every (re)connect publishes a retained
 * {@code online}: the {@link StatusSource}'s payload when one is set, else a bare {@code {"status":"online",...}}.
 * A user name and password go with every CONNECT; a password file is read again before each.
 * <p>
 * Connecting never blocks: {@link #start()} begins the first attempt and returns. A failed attempt or a lost
 * connection is retried with exponential backoff (1 s to {@code maxReconnectDelay}, with jitter; never more than one
 * CONNECT per second, IoT Core's limit per client id), also when the broker refused the CONNECT or the TLS handshake
 * found a configuration problem: such a refusal is logged as an error naming the setting, and readiness says why
 * (an IoT policy can take minutes to propagate, a certificate can be activated later). Publishes in flight when the
 * connection drops are sent again by the client in the resumed session; if the broker did not keep the session they
 * fail, and the publisher sends them again. {@link #reconnectNow} drops a connection that has stopped answering.
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

    /**
     * Connection settings.
     *
     * @param clientId the client id: on AWS IoT Core the Thing name
     * @param keepAliveSeconds requested keep-alive, clamped into 30..1200
     * @param sessionExpirySeconds how long the broker keeps the session after a disconnect, 0..604800
     * @param statusTopic where {@code online} (retained) and the Last Will {@code offline} go; {@code null} for none
     * @param connectTimeoutSeconds how long one CONNECT may take
     * @param maxReconnectDelay the longest wait between two attempts
     * @param version MQTT 5 or 3.1.1
     * @param credentials the user name and password of CONNECT ({@link BrokerCredentials#NONE}: none)
     */
    public record Settings(String clientId, int keepAliveSeconds, long sessionExpirySeconds, String statusTopic,
            int connectTimeoutSeconds, Duration maxReconnectDelay, MqttVersion version,
            BrokerCredentials credentials) {

        public Settings {
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(credentials, "credentials");
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
            if (maxReconnectDelay.compareTo(ReconnectPolicy.MIN_DELAY) < 0) {
                throw new IllegalArgumentException("mmi.mqtt.max-reconnect-delay must be at least 1 s");
            }
        }

        /** MQTT 5 without user name and password. */
        public Settings(String clientId, int keepAliveSeconds, long sessionExpirySeconds, String statusTopic,
                int connectTimeoutSeconds, Duration maxReconnectDelay) {
            this(clientId, keepAliveSeconds, sessionExpirySeconds, statusTopic, connectTimeoutSeconds,
                    maxReconnectDelay, MqttVersion.V5, BrokerCredentials.NONE);
        }

        /** These settings for another client id, without status topic and Last Will (version and credentials stay). */
        public Settings withClientId(String otherClientId) {
            return new Settings(otherClientId, keepAliveSeconds, sessionExpirySeconds, null, connectTimeoutSeconds,
                    maxReconnectDelay, version, credentials);
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

    /**
     * A message of a subscription, with what the command route needs of its MQTT 5 properties (all null with MQTT
     * 3.1.1).
     */
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

        /** @param cause why, as the client reported it ({@link #mayBeRefusal} tells one kind apart) */
        void disconnected(State state, Throwable cause);
    }

    /**
     * The properties of one publish. With MQTT 3.1.1 only the topic, payload and retain flag are sent.
     */
    public record Outgoing(String topic, byte[] payload, boolean retain, List<Map.Entry<String, String>> userProperties,
            byte[] correlationData, Long messageExpirySeconds) {
    }

    private volatile BrokerTransport transport;
    private final Settings settings;
    private final Clock clock;
    private final ExecutorService network;
    private final ExecutorService callbacks;
    private final ConnectRefusals refusals;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Subscriptions subscriptions = new Subscriptions();
    private volatile MqttWire wire;
    private volatile StatusSource statusSource;
    private volatile State state;
    private volatile boolean stopping;
    private volatile boolean forgetSession;
    /** Why {@link #reconnectNow} dropped the connection, until the disconnect it caused is handled. */
    private volatile String reconnectReason;
    /** The flow of received messages: it holds on to the client's network thread until disposed. */
    private volatile Disposable received;
    private final SessionPackets packets;
    private final ReconnectPolicy reconnects;

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
        this.refusals = new ConnectRefusals(settings);
        this.reconnects = new ReconnectPolicy(settings.maxReconnectDelay(), clock);
        this.packets = new SessionPackets(settings, clock);
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
        MqttClientBuilder builder = MqttClient.builder()
                .identifier(settings.clientId())
                .executorConfig(MqttClientExecutorConfig.builder()
                        .nettyExecutor(network)
                        .nettyThreads(1)
                        .applicationScheduler(Schedulers.from(callbacks, true))
                        .build())
                .transportConfig(transport.clientTransportConfig(Duration.ofSeconds(settings.connectTimeoutSeconds())))
                .addConnectedListener(this::connected)
                .addDisconnectedListener(this::disconnected);
        MqttWire created = MqttWire.create(settings.version(), builder);
        transport.applyTlsTo(created.client());
        wire = created;
        // Registered before connecting: a resumed session may deliver messages before any SUBSCRIBE is sent.
        receiveMessages(created);
        LOG.info("MQTT: {} as client id '{}', {}{}", transport.describe(), settings.clientId(), settings.version(),
                settings.credentials().none() ? "" : ", " + settings.credentials().describe());
        state = new State(false, clock.instant(), "connecting to " + transport.describe(), 0, 0);
        // Failures are handled by the disconnected listener, which the client calls for a failed attempt too.
        created.connect(packets.connect(false));
    }

    /**
     * Hands every message the client receives to the subscriptions on the callback executor, in arrival order. The
     * client ends this flow when its session ends (the broker did not keep it, or it expired); a new flow then takes
     * over at once, before any message of the next session can arrive (the client registers it on its own thread).
     */
    private void receiveMessages(MqttWire target) {
        received = target.received()
                // On the client's thread as the session ends: the new flow is in place before the next read.
                .doOnError(error -> {
                    if (!stopping && wire == target) {
                        receiveMessages(target);
                    }
                })
                .observeOn(Schedulers.from(callbacks), true)
                .subscribe(subscriptions::dispatch, error -> LOG.debug("MQTT session ended ({}); receiving on a new"
                        + " flow", error.getMessage()));
    }

    /**
     * Connects again with another TLS set-up for the same broker (rotated key material): the current connection is
     * closed and the next one uses {@code next}; the session, and with it what waits in the outbox, carries over. Not
     * connected, the next attempt uses it.
     */
    public void replaceTransport(BrokerTransport next) {
        if (!next.host().equals(transport.host()) || next.port() != transport.port()) {
            throw new IllegalArgumentException("replaceTransport keeps the broker: " + transport.describe()
                    + " is not " + next.describe());
        }
        transport = next;
        MqttWire current = wire;
        if (current == null) {
            return;
        }
        next.applyTlsTo(current.client());
        if (dropAndReconnect("new key material")) {
            LOG.info("MQTT: reconnecting to {} as client id '{}' with new key material", next.describe(),
                    settings.clientId());
        } else {
            LOG.info("MQTT: the next connect to {} as client id '{}' uses the new key material", next.describe(),
                    settings.clientId());
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
     * Drops the connection and connects again at once, keeping the session: publishes in flight are sent again on
     * the new connection. For a connection that takes publishes and never acknowledges them (a proxy or broker that
     * stopped forwarding), which keep-alive alone does not notice.
     *
     * @param reason why, for the log and readiness
     * @return false when there is no connection to drop
     */
    public boolean reconnectNow(String reason) {
        if (!isConnected() || stopping) {
            return false;
        }
        LOG.warn("MQTT: dropping the connection to {} and connecting again: {}", transport.describe(), reason);
        return dropAndReconnect(reason);
    }

    /** Disconnects, so that the disconnected listener connects again at once with the session kept. */
    private boolean dropAndReconnect(String reason) {
        MqttWire current = wire;
        if (current == null || stopping || !isConnected()) {
            return false;
        }
        reconnectReason = reason;
        state = new State(false, clock.instant(), "reconnecting: " + reason, 0, 0);
        current.disconnect();
        return true;
    }

    /**
     * Whether a lost connection may be the broker refusing a publish, the only way its version lets it
     * ({@link MqttWire#mayBeRefusal}), rather than a network failure.
     */
    public boolean mayBeRefusal(Throwable cause) {
        MqttWire current = wire;
        return current != null && current.mayBeRefusal(cause);
    }

    private void connected(MqttClientConnectedContext context) {
        MqttWire.Granted granted = wire.granted(context);
        reconnects.connected();
        state = new State(true, clock.instant(), "connected to " + transport.describe() + ", " + settings.version()
                + (granted.sessionPresent() ? ", session resumed" : ", new session"), granted.receiveMaximum(),
                granted.maximumPacketSize());
        LOG.info("MQTT connected to {} as '{}' ({}, session {}{}{})", transport.describe(), settings.clientId(),
                settings.version(), granted.sessionPresent() ? "resumed" : "new",
                settings.version().hasProperties() ? ", broker receive maximum " + granted.receiveMaximum() : "",
                granted.maximumPacketSize() > 0 ? ", maximum packet size " + granted.maximumPacketSize() : "");
        publishStatus();
        subscriptions.connected(wire);
        for (Listener listener : listeners) {
            listener.connected(state);
        }
    }

    private void disconnected(MqttClientDisconnectedContext context) {
        subscriptions.disconnected();
        String requested = reconnectReason;
        reconnectReason = null;
        boolean wasConnected = state.connected() || requested != null;
        Throwable cause = context.getCause();
        if (stopping || (context.getSource() == MqttDisconnectSource.USER && requested == null)) {
            state = new State(false, clock.instant(), "stopped", 0, 0);
            return;
        }
        int attempts = reconnects.disconnected(wasConnected, requested != null);
        Duration delay = reconnects.delay(attempts);
        String reason = requested != null ? requested : describe(cause);
        Optional<MqttConfigurationException> refusal = requested != null ? Optional.empty()
                : refusals.explain(transport, wire, cause);
        state = new State(false, wasConnected ? clock.instant() : state.since(), refusal.map(Throwable::getMessage)
                .orElse(wasConnected ? "disconnected: " + reason : reason), 0, 0);
        if (wasConnected) {
            LOG.warn("MQTT connection to {} lost: {}; reconnecting in {} s, messages wait in the outbox",
                    transport.describe(), reason, delay.toSeconds());
            for (Listener listener : listeners) {
                listener.disconnected(state, cause);
            }
        } else if (refusal.isPresent()) {
            logRefusal(attempts, refusal.get().getMessage(), delay);
        } else if (!ReconnectPolicy.worthWarning(attempts)) {
            // Logged at the 1st, 2nd, 4th, 8th ... attempt: enough to see it goes on, without flooding the log.
            LOG.debug("MQTT connect attempt {} failed: {}", attempts, reason);
        } else {
            LOG.warn("MQTT broker {} not reachable (attempt {}: {}); retrying in {} s, messages wait in the outbox",
                    transport.describe(), attempts, reason, delay.toSeconds());
        }
        boolean cleanStart = forgetSession;
        forgetSession = false;
        // A fresh CONNECT each time: the password file may hold a new token. Subscriptions are made again by
        // connected(), whatever the broker kept.
        wire.reconnect(context.getReconnector(), packets.connect(cleanStart), delay);
    }

    /** A refused connect, as loudly as {@link ReconnectPolicy#refusalLevel} says. */
    private void logRefusal(int attempts, String explanation, Duration delay) {
        switch (reconnects.refusalLevel(attempts, explanation)) {
            case ERROR -> LOG.error("MQTT connect attempt {} failed: {}; retrying with backoff (next in {} s),"
                    + " measurements wait in the outbox", attempts, explanation, delay.toSeconds());
            case WARN -> LOG.warn("MQTT connect attempt {} failed the same way: {}", attempts, explanation);
            default -> LOG.debug("MQTT connect attempt {} failed: {}", attempts, explanation);
        }
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
        if (settings.statusTopic() == null || wire == null || !isConnected()) {
            return false;
        }
        StatusSource source = statusSource;
        byte[] payload;
        try {
            payload = source == null ? packets.status("online") : source.statusPayload();
        } catch (RuntimeException e) {
            LOG.warn("The bridge status could not be made ({}); publishing a bare online", e.toString());
            source = null;
            payload = packets.status("online");
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
     * the session). Retained messages are not sent by the broker (MQTT 5's Retain Handling 2) and ignored if they
     * come anyway (always, with MQTT 3.1.1), unless the subscription wants them.
     */
    public void subscribe(String filter, Subscription subscription) {
        subscriptions.add(filter, subscription);
    }

    /**
     * Stops handing messages of {@code filter} to its handler. The broker keeps the subscription in the session;
     * messages that still arrive for it are acknowledged and logged.
     */
    public void removeSubscription(String filter) {
        subscriptions.remove(filter);
    }

    /**
     * Publishes at QoS 1. The future completes with the PUBACK's reason code (below 0x80: accepted; 0x80 and above:
     * refused; always 0 with MQTT 3.1.1), or exceptionally when the message was not acknowledged (not connected,
     * connection lost and the session not resumed, or the client refused it).
     */
    public CompletableFuture<Integer> publish(Outgoing message) {
        MqttWire current = wire;
        if (current == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not started"));
        }
        try {
            return current.publish(message);
        } catch (IllegalArgumentException e) {
            // The client checks the topic as the broker would (wildcards, empty levels, length): a refusal.
            LOG.warn("Not publishing to '{}': {}", message.topic(), e.getMessage());
            return CompletableFuture.completedFuture(MqttReasonCodes.TOPIC_NAME_INVALID);
        }
    }

    public boolean isConnected() {
        MqttWire current = wire;
        return state.connected() && current != null && current.client().getState().isConnected();
    }

    public State state() {
        return state;
    }

    public Settings settings() {
        return settings;
    }

    /** The protocol version this connection speaks. */
    public MqttVersion version() {
        return settings.version();
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
        MqttWire current = wire;
        if (current == null) {
            return;
        }
        try {
            if (current.client().getState().isConnected()) {
                if (settings.statusTopic() != null) {
                    publish(new Outgoing(settings.statusTopic(), packets.status("offline"), true, List.of(), null,
                            null))
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
