package org.openjii.mmi.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.TimeUtils;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.MqttConnection;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceRequest;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.MultispeqTimeoutException;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.support.MmiVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;

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
 * Publishing: the MQTT connection publishes this status (retained, QoS 1) on every (re)connect
 * ({@link #statusPayload()}
 * is its {@link MqttConnection.StatusSource}); between connects a tick every {@code mmi.status.min-interval} (1 s)
 * publishes it again when anything but {@code updated_at} changed, so at most once per interval, and never while the
 * previous status is still unacknowledged (one slot of the broker's Receive Maximum is left for it). The outbox depth
 * is sampled: a change is reported at most every {@value #DEPTH_PERIOD_SECONDS} s (at once when the outbox empties or
 * stops being empty), so a backlog draining at the quota does not add a status publish every second. The Last Will
 * ({@code offline}) is the connection's.
 * <p>
 * Battery: every {@code mmi.status.battery-interval} (5 min, 0 = off), and when a device has connected, {@code battery}
 * is sent to each connected device through its session, waiting at most {@value #BATTERY_PERMIT_WAIT_SECONDS} s for a
 * running measurement (a busy device skips that round). Measurements update it too.
 */
public final class BridgeStatus extends ServiceSupport implements MqttConnection.StatusSource, MqttConnection.Listener {

    /** The registry name; the command route calls {@code bean:mmiStatus?method=snapshot}. */
    public static final String BEAN_NAME = RemoteCommands.STATUS_BEAN;
    static final long DEPTH_PERIOD_SECONDS = 10;
    static final long BATTERY_PERMIT_WAIT_SECONDS = 3;
    /** A status publish without PUBACK for this long (a connection that died quietly) no longer holds back the next. */
    private static final Duration STALE_PUBLISH = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(BridgeStatus.class);

    /** One device as the status shows it. */
    record DeviceStatus(String name, boolean connected, String port, String deviceId, String firmware, Integer battery,
            Instant lastMeasurementAt) {

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("name", name);
            map.put("connected", connected);
            map.put("port", port);
            map.put("device_id", deviceId);
            map.put("firmware", firmware);
            map.put("battery", battery);
            map.put("last_measurement_at", lastMeasurementAt == null ? null : lastMeasurementAt.toString());
            return map;
        }
    }

    /** What the status remembers of a device beyond its session: battery, last measurement (by session name). */
    private static final class Tracked {

        volatile String deviceId;
        volatile Integer battery;
        volatile Instant lastMeasurementAt;
    }

    private final CamelContext context;
    private final String clientId;
    private final Supplier<Map<String, String>> devices;
    private final Delivery delivery;
    private final Duration minInterval;
    private final Duration batteryInterval;
    private final Clock clock;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final SessionListener sessionListener = new SessionListener();
    private MultispeqComponent component;
    private MqttConnection connection;
    private ScheduledExecutorService ticks;
    private ScheduledExecutorService batteries;
    /** The content (all but {@code updated_at}) of the status last handed to the connection. */
    private volatile Map<String, Object> published;
    private volatile byte[] lastPayload;
    /** The status publish waiting for its PUBACK, if any, and since when. */
    private volatile byte[] inFlight;
    private volatile Instant inFlightSince = Instant.EPOCH;
    private volatile Long reportedDepth;
    private volatile Instant reportedDepthAt = Instant.EPOCH;
    private volatile boolean running;

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
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.devices = Objects.requireNonNull(devices, "devices");
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

    private static Duration duration(PropertiesComponent properties, String key, String defaultValue) {
        String text = properties.resolveProperty(key).map(String::trim).filter(t -> !t.isEmpty()).orElse(defaultValue);
        try {
            return Duration.ofMillis(TimeUtils.toMilliSeconds(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " must be a duration such as 1s, 500ms or 5m, was '" + text + "'",
                    e);
        }
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    protected void doStart() {
        component = context.getComponent("multispeq", MultispeqComponent.class);
        running = true;
        ticks = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "MmiStatus");
        if (delivery != null) {
            // Started here if the iot: component has not yet: the status needs its connection.
            ServiceHelper.startService(delivery);
            connection = delivery.connection();
            connection.addListener(this);
            connection.setStatusSource(this);
        }
        ticks.scheduleWithFixedDelay(this::tick, 0, minInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (!batteryInterval.isZero()) {
            batteries = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "MmiStatusBattery");
            batteries.scheduleWithFixedDelay(this::refreshBatteries, batteryInterval.toMillis(),
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
        running = false;
        if (connection != null) {
            // The connection's close publishes the offline status; a reconnect until then publishes the bare online.
            connection.setStatusSource(null);
        }
        if (ticks != null) {
            context.getExecutorServiceManager().shutdownNow(ticks);
            ticks = null;
        }
        if (batteries != null) {
            context.getExecutorServiceManager().shutdownNow(batteries);
            batteries = null;
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
        return withUpdatedAt(content(liveDepth()), clock.instant());
    }

    /** Everything but {@code updated_at}: what a change is looked for in. */
    private Map<String, Object> content(Long outboxDepth) {
        MqttConnection.State state = connection == null ? null : connection.state();
        Instant since = state != null && state.connected() ? state.since() : null;
        return content(clientId, since, outboxDepth, devices());
    }

    static Map<String, Object> content(String clientId, Instant since, Long outboxDepth, List<DeviceStatus> devices) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("status", "online");
        status.put("client_id", clientId);
        status.put("mmi_version", MmiVersion.get());
        status.put("since", since == null ? null : since.toString());
        status.put("outbox_depth", outboxDepth);
        List<Map<String, Object>> list = new ArrayList<>();
        for (DeviceStatus device : devices) {
            list.add(device.toMap());
        }
        status.put("devices", list);
        return status;
    }

    /** The content with {@code updated_at} after {@code since}. */
    static Map<String, Object> withUpdatedAt(Map<String, Object> content, Instant updatedAt) {
        Map<String, Object> status = new LinkedHashMap<>();
        content.forEach((key, value) -> {
            status.put(key, value);
            if ("since".equals(key)) {
                status.put("updated_at", updatedAt.toString());
            }
        });
        return status;
    }

    static byte[] render(Map<String, Object> status) {
        try {
            return DeviceJson.mapper().writeValueAsBytes(status);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The status cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    /** Route devices in their order, then sessions no route names (the command line's, by port). */
    List<DeviceStatus> devices() {
        List<DeviceStatus> list = new ArrayList<>();
        Set<DeviceSession> named = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, String> device : devices.get().entrySet()) {
            DeviceSession session = component == null ? null : component.session(device.getValue());
            if (session != null) {
                named.add(session);
            }
            list.add(status(device.getKey(), device.getValue(), session));
        }
        if (component != null) {
            component.sessions()
                    .stream()
                    .filter(session -> !named.contains(session))
                    .sorted(Comparator.comparing(DeviceSession::name))
                    .forEach(session -> list.add(status(session.name(), session.name(), session)));
        }
        return list;
    }

    private DeviceStatus status(String name, String port, DeviceSession session) {
        if (session == null) {
            return new DeviceStatus(name, false, port, null, null, null, null);
        }
        DeviceInfo info = session.deviceInfo();
        Tracked t = tracked.get(session.name());
        Integer battery = t != null && t.battery != null ? t.battery : info == null ? null : info.battery();
        String path = session.systemPath();
        return new DeviceStatus(name, session.isReady(), path != null ? path : port, info == null ? null : info.id(),
                info == null ? null : info.firmware(), battery, t == null ? null : t.lastMeasurementAt);
    }

    private Long liveDepth() {
        Outbox outbox = delivery == null ? null : delivery.outbox();
        return outbox == null ? null : outbox.depth();
    }

    // ------------------------------------------------------------------ publishing

    /** The connection asks for the status it is about to publish (on connect, or from {@link #tick()}). */
    @Override
    public byte[] statusPayload() {
        Map<String, Object> content = content(reportedDepth);
        byte[] payload = render(withUpdatedAt(content, clock.instant()));
        published = content;
        lastPayload = payload;
        inFlightSince = clock.instant();
        inFlight = payload;
        return payload;
    }

    @Override
    public void statusPublished(byte[] payload, Throwable error) {
        if (inFlight == payload) {
            inFlight = null;
        }
        if (error != null && lastPayload == payload) {
            // Not on the broker: the next tick publishes the status again.
            published = null;
        }
    }

    @Override
    public void connected(MqttConnection.State state) {
        // The connection has just published the status (statusPayload).
    }

    @Override
    public void disconnected(MqttConnection.State state, Throwable cause) {
        // A publish in flight on the lost connection will never be acknowledged; the next connect publishes anew.
        inFlight = null;
    }

    /** Every {@code mmi.status.min-interval}: sample the outbox, publish what changed. */
    void tick() {
        try {
            sampleDepth();
            if (connection == null || !running || !connection.isConnected()) {
                return;
            }
            if (inFlight != null && Duration.between(inFlightSince, clock.instant()).compareTo(STALE_PUBLISH) < 0) {
                return;
            }
            if (content(reportedDepth).equals(published)) {
                return;
            }
            connection.publishStatus();
        } catch (RuntimeException e) {
            LOG.warn("Updating the bridge status failed: {}", e.toString(), e);
        }
    }

    private void sampleDepth() {
        Long depth = liveDepth();
        Long reported = reportedDepth;
        Instant now = clock.instant();
        if (depth == null || depth.equals(reported)) {
            return;
        }
        boolean emptiness = reported == null || (depth == 0) != (reported == 0);
        if (emptiness || Duration.between(reportedDepthAt, now).toSeconds() >= DEPTH_PERIOD_SECONDS) {
            reportedDepth = depth;
            reportedDepthAt = now;
        }
    }

    // ------------------------------------------------------------------ devices

    private Tracked tracked(DeviceSession session) {
        return tracked.computeIfAbsent(session.name(), name -> new Tracked());
    }

    /** A device answered the handshake: a different device on the same port starts afresh; ask its battery. */
    private void deviceReady(DeviceSession session) {
        Tracked t = tracked(session);
        DeviceInfo info = session.deviceInfo();
        String id = info == null ? null : info.id();
        if (id != null && !id.equals(t.deviceId)) {
            if (t.deviceId != null) {
                t.battery = null;
                t.lastMeasurementAt = null;
            }
            t.deviceId = id;
        }
        ScheduledExecutorService refresher = batteries;
        if (refresher != null && running) {
            try {
                refresher.execute(() -> refreshBattery(session));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("Status stopping: no battery refresh for {}", session.name());
            }
        }
    }

    /** A reply from the device: its battery, and the time of a measurement. */
    void record(DeviceSession session, DeviceReply reply) {
        Tracked t = tracked(session);
        Integer battery = reply.battery();
        if (battery != null) {
            t.battery = battery;
        }
        if (reply.request().isMeasurement()) {
            t.lastMeasurementAt = reply.lastByteAt();
        }
    }

    private void refreshBatteries() {
        if (component == null) {
            return;
        }
        for (DeviceSession session : component.sessions()) {
            if (session.isReady()) {
                refreshBattery(session);
            }
        }
    }

    private void refreshBattery(DeviceSession session) {
        if (!running || !session.isReady()) {
            return;
        }
        try {
            record(session, session.execute(DeviceRequest.command("battery"),
                    Duration.ofSeconds(BATTERY_PERMIT_WAIT_SECONDS)));
        } catch (MultispeqTimeoutException e) {
            LOG.debug("{}: battery not refreshed this round: {}", session.name(), e.getMessage());
        } catch (MultispeqException e) {
            LOG.info("{}: asking the battery failed ({}: {})", session.name(), e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("{}: asking the battery failed: {}", session.name(), e.toString(), e);
        }
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
            record(session, reply);
        }
    }
}
