package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.util.MqttTopicValidator;
import org.openjii.mmi.MmiVersion;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.device.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The process's one MQTT 5 connection: publishing (data, dead letters, status) and subscribing (commands) all go
 * through it. A second client with the same client id would take the session over, and AWS IoT Core then disconnects
 * the two
 * in turn; so there is exactly one {@link MqttAsyncClient}, and camel-paho-mqtt5 endpoints are not used to publish.
 * <p>
 * Session: clean start off with a session expiry (default 1 h, at most IoT Core's 7 days), keep-alive clamped to
 * IoT Core's 30–1200 s, QoS 1. A Last Will publishes a retained {@code offline} on the status topic, and every
 * (re)connect publishes a retained {@code online}: the {@link StatusSource}'s payload (the bridge's full status) when
 * one is set, else a bare {@code {"status":"online",...}}.
 * <p>
 * Connecting: the first attempt runs in {@link #start()}. A configuration problem that retrying cannot fix (an
 * untrusted broker certificate, a refused client id or certificate) fails the start with a message naming the
 * setting; an unreachable broker does not: the process starts, {@link #isConnected()} stays false, and attempts
 * continue with exponential backoff (1 s to {@code maxReconnectDelay}, with jitter; never more than one CONNECT per
 * second, IoT Core's limit per client id). Paho's own automatic reconnect is off: every connect goes through
 * {@link #connect()}, which reads the broker's limits from each CONNACK (Receive Maximum, Maximum Packet Size).
 */
public final class MqttConnection implements AutoCloseable {

    /** IoT Core clamps a requested keep-alive into 30..1200 s. */
    public static final int MIN_KEEP_ALIVE_SECONDS = 30;
    public static final int MAX_KEEP_ALIVE_SECONDS = 1200;
    /** IoT Core's longest session expiry: 7 days. */
    public static final long MAX_SESSION_EXPIRY_SECONDS = 604_800;

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

    static {
        // Paho logs through SLF4J (Log4j2 layouts), not java.util.logging, for every client this class makes.
        PahoLogger.install();
    }
    private static final Duration MIN_RECONNECT_DELAY = Duration.ofSeconds(1);

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

        /** The keep-alive IoT Core will grant: clamped into 30..1200 s. */
        public int effectiveKeepAliveSeconds() {
            return Math.max(MIN_KEEP_ALIVE_SECONDS, Math.min(MAX_KEEP_ALIVE_SECONDS, keepAliveSeconds));
        }
    }

    /** What the publisher and the health check need to know about the link. */
    public record State(boolean connected, Instant since, String detail, int receiveMaximum,
            long maximumPacketSize) {
    }

    /**
     * Receives the messages of a subscription. Called on Paho's callback thread, which also delivers PUBACKs: hand
     * the work off (a queue, a route) instead of blocking. Paho acknowledges a QoS 1 message when this returns.
     */
    @FunctionalInterface
    public interface MessageHandler {

        void arrived(String topic, MqttMessage message);
    }

    private record Subscription(int qos, MessageHandler handler) {
    }

    /**
     * Where the retained {@code online} status comes from (the bridge's status service): published on every
     * (re)connect and whenever {@link #publishStatus()} is called. The Last Will stays the bare {@code offline}.
     */
    public interface StatusSource {

        /**
         * The payload (JSON, {@code "status":"online"}) of the status about to be published. Called right before each
         * status publish, also on Paho's callback thread after a reconnect: it must not block.
         */
        byte[] statusPayload();

        /** How that publish went: {@code error} is {@code null} once the broker acknowledged it. */
        default void statusPublished(byte[] payload, Throwable error) {
        }
    }

    /** Told when the connection comes up or goes down (publisher wake-up, metrics). */
    public interface Listener {

        void connected(State state);

        void disconnected(State state);
    }

    private final BrokerTransport transport;
    private final Settings settings;
    private final Clock clock;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "mmi-mqtt-connect");
        thread.setDaemon(true);
        return thread;
    });
    private volatile MqttAsyncClient client;
    private volatile StatusSource statusSource;
    private volatile State state;
    private volatile boolean stopping;
    private int failedAttempts;

    public MqttConnection(BrokerTransport transport, Settings settings, Clock clock) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
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
     * Creates the client and makes the first connection attempt.
     *
     * @throws MqttConfigurationException when the attempt fails for a reason retrying cannot fix
     */
    public void start() throws MqttConfigurationException {
        if (settings.effectiveKeepAliveSeconds() != settings.keepAliveSeconds()) {
            LOG.warn("mmi.mqtt.keep-alive={} s is outside AWS IoT Core's 30..1200 s; using {} s",
                    settings.keepAliveSeconds(), settings.effectiveKeepAliveSeconds());
        }
        newClient();
        LOG.info("MQTT: {} as client id '{}'", transport.describe(), settings.clientId());
        try {
            IMqttToken token = client.connect(options());
            token.waitForCompletion((settings.connectTimeoutSeconds() + 5) * 1000L);
            connected(token);
        } catch (MqttException e) {
            Optional<MqttConfigurationException> fatal = fatal(e);
            if (fatal.isPresent()) {
                close();
                throw fatal.get();
            }
            attemptFailed(e);
        }
    }

    /**
     * A new Paho client for each connection attempt. Paho keeps the publishes in flight of a dropped connection and
     * sends them again after a reconnect in the same session, outside the publisher's control: a message the broker
     * answers by disconnecting would be sent forever. A fresh client forgets them; the outbox still has them, and the
     * publisher decides what to send again. The broker-side session (subscriptions, queued messages) is kept: clean
     * start stays off.
     */
    private void newClient() throws MqttConfigurationException {
        MqttAsyncClient old = client;
        if (old != null) {
            try {
                old.close(true);
            } catch (MqttException e) {
                LOG.debug("Closing the previous MQTT client: {}", e.getMessage());
            }
        }
        try {
            MqttAsyncClient fresh = new MqttAsyncClient(transport.pahoServerUri(), settings.clientId(),
                    new MemoryPersistence());
            fresh.setCallback(new Callbacks(fresh));
            client = fresh;
        } catch (MqttException e) {
            throw new MqttConfigurationException("Cannot create an MQTT client for " + transport.describe()
                    + " with client id '" + settings.clientId() + "' (mmi.mqtt.broker-url, mmi.mqtt.client-id): "
                    + e.getMessage(), e);
        }
    }

    private MqttConnectionOptions options() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(settings.sessionExpirySeconds());
        options.setKeepAliveInterval(settings.effectiveKeepAliveSeconds());
        options.setConnectionTimeout(settings.connectTimeoutSeconds());
        options.setAutomaticReconnect(false);
        options.setSocketFactory(transport.socketFactory());
        options.setHttpsHostnameVerificationEnabled(transport.pahoHostnameVerification());
        if (settings.statusTopic() != null) {
            MqttMessage will = new MqttMessage(status("offline"));
            will.setQos(1);
            will.setRetained(true);
            options.setWill(settings.statusTopic(), will);
            MqttProperties willProperties = new MqttProperties();
            willProperties.setContentType("application/json");
            willProperties.setPayloadFormat(true);
            options.setWillMessageProperties(willProperties);
        }
        return options;
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

    /** A failure retrying will not fix: the transport's diagnosis, or a CONNACK refusal of who we are. */
    private Optional<MqttConfigurationException> fatal(MqttException e) {
        Optional<MqttConfigurationException> explained = transport.explainConnectFailure(e);
        if (explained.isPresent()) {
            return explained;
        }
        String refusal = switch (e.getReasonCode()) {
            case 0x84 -> "does not support MQTT 5";
            case 0x85 -> "refused the client id '" + settings.clientId() + "' (mmi.mqtt.client-id)";
            case 0x86 -> "refused the credentials";
            case 0x87 -> "refused the connection as not authorized (check the certificate and its policy;"
                    + " mmi.mqtt.client-id must be the Thing name the policy allows)";
            case 0x8C -> "refused the authentication method";
            default -> null;
        };
        return refusal == null ? Optional.empty()
                : Optional.of(new MqttConfigurationException("The MQTT broker " + transport.describe() + " "
                        + refusal + " (MQTT reason code 0x" + Integer.toHexString(e.getReasonCode()) + ")", e));
    }

    private void connect() {
        if (stopping || state.connected()) {
            return;
        }
        try {
            newClient();
            client.connect(options(), null, new MqttActionListener() {

                @Override
                public void onSuccess(IMqttToken token) {
                    connected(token);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable error) {
                    attemptFailed(error);
                }
            });
        } catch (MqttException | MqttConfigurationException e) {
            attemptFailed(e);
        }
    }

    private void connected(IMqttToken token) {
        MqttProperties connack = token.getResponseProperties();
        int receiveMaximum = connack != null && connack.getReceiveMaximum() != null ? connack.getReceiveMaximum()
                : 65_535;
        long maximumPacketSize = connack != null && connack.getMaximumPacketSize() != null
                ? connack.getMaximumPacketSize()
                : 0;
        synchronized (this) {
            failedAttempts = 0;
        }
        state = new State(true, clock.instant(), "connected to " + transport.describe() + (token.getSessionPresent()
                ? ", session resumed"
                : ", new session"), receiveMaximum, maximumPacketSize);
        LOG.info("MQTT connected to {} as '{}' (session {}, broker receive maximum {}{})", transport.describe(),
                settings.clientId(), token.getSessionPresent() ? "resumed" : "new", receiveMaximum,
                maximumPacketSize > 0 ? ", maximum packet size " + maximumPacketSize : "");
        publishStatus();
        subscribeAll();
        for (Listener listener : listeners) {
            listener.connected(state);
        }
    }

    /**
     * Publishes the status (retained, QoS 1) now: the {@link StatusSource}'s payload, or a bare {@code online}. Does
     * not
     * wait for the PUBACK (the source hears of it). Called on every connect, and by the status service when the status
     * changed; the publisher's window leaves a slot of the broker's Receive Maximum for it.
     *
     * @return false when there is no status topic or no connection (the next connect publishes the status anyway), or
     * the client refused the publish
     */
    public boolean publishStatus() {
        MqttAsyncClient current = client;
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
        MqttMessage online = new MqttMessage(payload);
        online.setQos(1);
        online.setRetained(true);
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/json");
        properties.setPayloadFormat(true);
        online.setProperties(properties);
        StatusSource told = source;
        byte[] sent = payload;
        try {
            current.publish(settings.statusTopic(), online, null, new MqttActionListener() {

                @Override
                public void onSuccess(IMqttToken token) {
                    LOG.debug("Status published to {}", settings.statusTopic());
                    if (told != null) {
                        told.statusPublished(sent, null);
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable error) {
                    LOG.warn("Publishing the status to {} failed: {}", settings.statusTopic(), error.getMessage());
                    if (told != null) {
                        told.statusPublished(sent, error);
                    }
                }
            });
            return true;
        } catch (MqttException e) {
            LOG.warn("Publishing the status to {} failed: {}", settings.statusTopic(), e.getMessage());
            if (told != null) {
                told.statusPublished(sent, e);
            }
            return false;
        }
    }

    /**
     * Subscribes on this connection, now if connected and again after every reconnect (each connection has a new
     * Paho client, and the broker may not have kept the session).
     */
    public void subscribe(String filter, int qos, MessageHandler handler) {
        subscriptions.put(filter, new Subscription(qos, handler));
        if (isConnected()) {
            subscribeAll();
        }
    }

    private void subscribeAll() {
        if (subscriptions.isEmpty()) {
            return;
        }
        MqttSubscription[] filters = subscriptions.entrySet()
                .stream()
                .map(entry -> new MqttSubscription(entry.getKey(), entry.getValue().qos()))
                .toArray(MqttSubscription[]::new);
        try {
            // Without per-subscription listeners: Paho 1.2.5's listener overloads are broken (stack-notes trap 9), and
            // messages of a resumed session arrive before any listener could be registered on a new client.
            client.subscribe(filters, null, new MqttActionListener() {

                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    for (int i = 0; i < filters.length; i++) {
                        int code = codes != null && i < codes.length ? codes[i] : 0;
                        if (MqttReasonCodes.isFailure(code)) {
                            LOG.error("The broker refused the subscription to {}: {}", filters[i].getTopic(),
                                    MqttReasonCodes.describe(code));
                        } else {
                            LOG.info("Subscribed to {} (QoS {})", filters[i].getTopic(), code);
                        }
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable error) {
                    LOG.warn("Subscribing to {} failed: {}; trying again on the next connection",
                            subscriptions.keySet(), describe(error));
                }
            }, new MqttProperties());
        } catch (MqttException e) {
            LOG.warn("Subscribing to {} failed: {}; trying again on the next connection", subscriptions.keySet(),
                    describe(e));
        }
    }

    /** Hands a message to every subscription whose filter matches its topic. */
    private void dispatch(String topic, MqttMessage message) {
        boolean handled = false;
        for (Map.Entry<String, Subscription> subscription : subscriptions.entrySet()) {
            if (MqttTopicValidator.isMatched(subscription.getKey(), topic)) {
                handled = true;
                try {
                    subscription.getValue().handler().arrived(topic, message);
                } catch (RuntimeException e) {
                    LOG.error("Handling a message on {} failed: {}", topic, e.getMessage(), e);
                }
            }
        }
        if (!handled) {
            LOG.warn("Ignoring a message on {}: no subscription matches it", topic);
        }
    }

    private void attemptFailed(Throwable error) {
        if (stopping) {
            return;
        }
        int attempts;
        synchronized (this) {
            attempts = ++failedAttempts;
        }
        Duration delay = reconnectDelay(attempts);
        state = new State(false, state.connected() ? clock.instant() : state.since(), describe(error), 0, 0);
        Optional<MqttConfigurationException> fatal = error instanceof MqttException e ? fatal(e) : Optional.empty();
        if (fatal.isPresent()) {
            LOG.error("MQTT connect attempt {} failed: {}; retrying in {} s", attempts, fatal.get().getMessage(),
                    delay.toSeconds());
        } else if (attempts == 1 || Long.bitCount(attempts) == 1) {
            // 1st, 2nd, 4th, 8th ... attempt: enough to see it is still down without flooding the log.
            LOG.warn("MQTT broker {} not reachable (attempt {}: {}); retrying in {} s, messages wait in the outbox",
                    transport.describe(), attempts, describe(error), delay.toSeconds());
        }
        schedule(delay);
    }

    private void schedule(Duration delay) {
        if (stopping) {
            return;
        }
        reconnects.schedule(this::connect, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** 1, 2, 4, ... s up to the maximum, each with up to 20 % jitter so a fleet does not reconnect in step. */
    Duration reconnectDelay(int attempts) {
        long base = MIN_RECONNECT_DELAY.toMillis() << Math.min(attempts - 1, 20);
        long capped = Math.min(base, settings.maxReconnectDelay().toMillis());
        long jitter = (long) (capped * 0.2 * ThreadLocalRandom.current().nextDouble());
        return Duration.ofMillis(Math.max(MIN_RECONNECT_DELAY.toMillis(), capped - jitter));
    }

    private static String describe(Throwable error) {
        if (error instanceof MqttException e && e.getCause() != null) {
            return e.getMessage() + " (" + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage()
                    + ")";
        }
        return error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
    }

    private void disconnected(MqttDisconnectResponse response) {
        String reason = response.getException() != null ? describe(response.getException())
                : response.getReasonString() != null ? response.getReasonString()
                        : "reason code 0x" + Integer.toHexString(response.getReturnCode());
        state = new State(false, clock.instant(), "disconnected: " + reason, 0, 0);
        if (stopping) {
            return;
        }
        LOG.warn("MQTT connection to {} lost: {}; reconnecting, messages wait in the outbox", transport.describe(),
                reason);
        for (Listener listener : listeners) {
            listener.disconnected(state);
        }
        // The first retry after a second: IoT Core allows one CONNECT per second per client id.
        schedule(MIN_RECONNECT_DELAY);
    }

    /**
     * Paho's callbacks for one client. A client replaced after a failed connection may still report on its way out;
     * only the current client's reports count.
     */
    private final class Callbacks implements MqttCallback {

        private final MqttAsyncClient owner;

        Callbacks(MqttAsyncClient owner) {
            this.owner = owner;
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (owner == client) {
                MqttConnection.this.disconnected(response);
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            LOG.warn("MQTT protocol error: {}", describe(exception));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            if (owner == client) {
                dispatch(topic, message);
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // Each publish has its own listener.
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            // Handled in the connect listener, which also sees the CONNACK properties.
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            LOG.warn("Ignoring an MQTT AUTH packet (reason code 0x{}): enhanced authentication is not used",
                    Integer.toHexString(reasonCode));
        }
    }

    /**
     * Publishes on the connection; see
     * {@link MqttAsyncClient#publish(String, MqttMessage, Object, MqttActionListener)}.
     */
    public IMqttToken publish(String topic, MqttMessage message, MqttActionListener listener) throws MqttException {
        return client.publish(topic, message, null, listener);
    }

    public boolean isConnected() {
        return state.connected() && client != null && client.isConnected();
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
        reconnects.shutdownNow();
        if (client == null) {
            return;
        }
        try {
            if (client.isConnected()) {
                if (settings.statusTopic() != null) {
                    MqttMessage offline = new MqttMessage(status("offline"));
                    offline.setQos(1);
                    offline.setRetained(true);
                    client.publish(settings.statusTopic(), offline).waitForCompletion(2000);
                }
                client.disconnect(2000).waitForCompletion(3000);
            }
        } catch (MqttException e) {
            LOG.debug("Disconnecting from MQTT: {}", e.getMessage());
        } finally {
            try {
                client.close(true);
            } catch (MqttException e) {
                LOG.debug("Closing the MQTT client: {}", e.getMessage());
            }
        }
        state = new State(false, clock.instant(), "stopped", 0, 0);
    }
}
