package org.openjii.mmi.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.MqttConnection;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.support.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's live status (bean {@value #BEAN_NAME}): the retained message on the status topic and the answer to
 * {@code {"action":"status"}} ({@link #snapshot()}).
 *
 * <pre>
 * {"status":"online","client_id":"mmi","mmi_version":"0.1.0","since":"2026-11-22T06:10:03.120Z",
 * "updated_at":"2026-11-22T06:12:41.007Z","outbox_depth":0,
 * "devices":[{"name":"multispeq","connected":true,"port":"/dev/ttyACM0","device_id":"01:12:53:20",
 * "firmware":"2.3465","battery":82,"last_measurement_at":"2026-11-22T06:12:40.873Z"}]}
 * </pre>
 *
 * Every device the bridge has a route for (by its route name) and every other open device session (by its port), with
 * what its session knows: connected (handshake done), the device node (while connected, else the configured port),
 * {@code device_id} and firmware from the last handshake, the battery from the last {@code battery} reply or
 * measurement ({@code device_battery}), and when the last measurement reply arrived. Keys are always present; unknown
 * values are {@code null}. {@code since} is when the current MQTT connection came up.
 * <p>
 * A service of three parts: {@link StatusSnapshot} (the content), {@link StatusPublisher} (what the MQTT connection
 * publishes, retained and QoS 1, on every (re)connect and, coalesced, on a change; the Last Will {@code offline} is
 * the connection's) and {@link BatteryPoller} ({@code battery} every {@code mmi.status.battery-interval}, 5 min, 0 =
 * off, and when a device has connected; measurements report it too). Their threads come from the context's
 * {@link ExecutorServiceManager}: {@value #PUBLISH_THREAD} ticks every {@code mmi.status.min-interval} (1 s),
 * {@value #BATTERY_THREAD} asks the devices.
 */
public final class BridgeStatus extends ServiceSupport {

    /** The registry name; the command route calls {@code bean:mmiStatus?method=snapshot}. */
    public static final String BEAN_NAME = RemoteCommands.STATUS_BEAN;
    /** The thread that looks for changes and has them published. */
    static final String PUBLISH_THREAD = "MmiStatusPublish";
    /** The thread that asks the devices their battery. */
    static final String BATTERY_THREAD = "MmiStatusBatteryPoll";
    private static final Logger LOG = LoggerFactory.getLogger(BridgeStatus.class);

    private final CamelContext context;
    private final Delivery delivery;
    private final Duration minInterval;
    private final Duration batteryInterval;
    private final Clock clock;
    private final StatusSnapshot content;
    private final StatusPublisher publisher;
    private final BatteryPoller batteries;
    private final SessionListener sessionListener = new SessionListener();
    private MultispeqComponent component;
    private volatile MqttConnection connection;
    private ScheduledExecutorService publishTicks;
    private ScheduledExecutorService batteryRounds;

    /**
     * @param clientId the MQTT client id ({@code client_id})
     * @param devices the devices with a route: name → port as configured ({@link
     *     org.openjii.mmi.routes.DeviceRouteManager#devices()})
     * @param delivery the outbox and MQTT connection; {@code null} without a broker (nothing is published,
     *     {@code outbox_depth} and {@code since} are {@code null})
     * @param minInterval the shortest time between two status publishes, and how often changes are looked for
     * @param batteryInterval how often {@code battery} is asked; zero: never (measurements still report it)
     */
    public BridgeStatus(CamelContext context, String clientId, Supplier<Map<String, String>> devices,
            Delivery delivery, Duration minInterval, Duration batteryInterval, Clock clock) {
        this.context = Objects.requireNonNull(context, "context");
        this.delivery = delivery;
        this.minInterval = Objects.requireNonNull(minInterval, "minInterval");
        this.batteryInterval = Objects.requireNonNull(batteryInterval, "batteryInterval");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (minInterval.isNegative() || minInterval.isZero()) {
            throw new IllegalArgumentException("mmi.status.min-interval must be positive, was " + minInterval);
        }
        if (batteryInterval.isNegative()) {
            throw new IllegalArgumentException("mmi.status.battery-interval must be 0 (off) or positive, was "
                    + batteryInterval);
        }
        this.content = new StatusSnapshot(clientId, devices);
        this.publisher = new StatusPublisher(this::content, this::liveDepth, clock);
        this.batteries = new BatteryPoller(this::sessions, content::record);
    }

    /**
     * The status configured by {@code mmi.status.*} and {@code mmi.mqtt.client-id}.
     *
     * @throws IllegalArgumentException naming the key, for a value that cannot work
     */
    public static BridgeStatus fromProperties(CamelContext context, Supplier<Map<String, String>> devices,
            Delivery delivery) {
        PropertiesComponent properties = context.getPropertiesComponent();
        return new BridgeStatus(context, properties.resolveProperty("mmi.mqtt.client-id").orElse("mmi"), devices,
                delivery, duration(properties, "mmi.status.min-interval", "1s"),
                duration(properties, "mmi.status.battery-interval", "5m"), Clock.systemUTC());
    }

    /** The setting, strictly read ({@link Durations}: a typo is an error, not 0); empty: the default. */
    private static Duration duration(PropertiesComponent properties, String key, String defaultValue) {
        String text = properties.resolveProperty(key).map(String::strip).filter(t -> !t.isEmpty()).orElse(defaultValue);
        return Duration.ofMillis(Durations.millis(key, text));
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    protected void doStart() {
        component = context.getComponent("multispeq", MultispeqComponent.class);
        content.component(component);
        ExecutorServiceManager executors = context.getExecutorServiceManager();
        publishTicks = executors.newSingleThreadScheduledExecutor(this, PUBLISH_THREAD);
        if (delivery != null) {
            // Started here if the iot: component has not yet: the status needs its connection.
            ServiceHelper.startService(delivery);
            MqttConnection mqtt = delivery.connection();
            connection = mqtt;
            publisher.attach(mqtt::isConnected, mqtt::publishStatus);
            mqtt.addListener(publisher);
            mqtt.setStatusSource(publisher);
        }
        publishTicks.scheduleWithFixedDelay(publisher::tick, 0, minInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (!batteryInterval.isZero()) {
            batteryRounds = executors.newSingleThreadScheduledExecutor(this, BATTERY_THREAD);
            batteries.start(batteryRounds);
            batteryRounds.scheduleWithFixedDelay(batteries::refreshAll, batteryInterval.toMillis(),
                    batteryInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
        // Every session, also those opened later, from before it connects: no handshake or reply is missed.
        component.addSessionListener(sessionListener);
        for (DeviceSession session : component.sessions()) {
            if (session.isReady()) {
                deviceReady(session);
            }
        }
        LOG.info("Bridge status {}, on every change at most every {} ms; battery {}",
                connection == null ? "kept (no broker: not published)"
                        : connection.settings().statusTopic() == null
                                ? "kept (mmi.mqtt.status-topic is empty: not published, no Last Will)"
                                : "published to " + connection.settings().statusTopic(),
                minInterval.toMillis(), batteryInterval.isZero() ? "from measurements only"
                        : "asked every " + batteryInterval.toMillis() + " ms");
    }

    @Override
    protected void doStop() {
        publisher.detach();
        batteries.stop();
        if (connection != null) {
            // The connection's close publishes the offline status; a reconnect until then publishes the bare online.
            connection.setStatusSource(null);
        }
        if (publishTicks != null) {
            context.getExecutorServiceManager().shutdownNow(publishTicks);
            publishTicks = null;
        }
        if (batteryRounds != null) {
            context.getExecutorServiceManager().shutdownNow(batteryRounds);
            batteryRounds = null;
        }
        if (component != null) {
            component.removeSessionListener(sessionListener);
        }
    }

    // ------------------------------------------------------------------ the status

    /**
     * The status now, as the retained message has it (with the outbox depth of this moment): what
     * {@code {"action":"status"}} answers.
     */
    public Map<String, Object> snapshot() {
        return StatusSnapshot.withUpdatedAt(content(liveDepth()), clock.instant());
    }

    /** Everything but {@code updated_at}, with {@code since} from the connection. */
    private Map<String, Object> content(Long outboxDepth) {
        MqttConnection mqtt = connection;
        MqttConnection.State state = mqtt == null ? null : mqtt.state();
        Instant since = state != null && state.connected() ? state.since() : null;
        return content.content(since, outboxDepth);
    }

    private Long liveDepth() {
        Outbox outbox = delivery == null ? null : delivery.outbox();
        return outbox == null ? null : outbox.depth();
    }

    private List<DeviceSession> sessions() {
        MultispeqComponent sessions = component;
        return sessions == null ? List.of() : sessions.sessions();
    }

    /** A device answered the handshake: its entry starts afresh if it is another device; ask its battery. */
    private void deviceReady(DeviceSession session) {
        content.deviceReady(session);
        batteries.deviceReady(session);
    }

    private final class SessionListener implements DeviceSession.Listener {

        @Override
        public void onStateChanged(DeviceSession session, DeviceSession.State state, String detail) {
            if (state == DeviceSession.State.READY) {
                deviceReady(session);
            }
        }

        @Override
        public void onReply(DeviceSession session, DeviceReply reply) {
            content.record(session, reply);
        }
    }
}
