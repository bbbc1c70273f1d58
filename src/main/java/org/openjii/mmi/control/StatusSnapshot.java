package org.openjii.mmi.control;

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
import java.util.function.Supplier;

import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.support.MmiVersion;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * The content of the status message ({@link BridgeStatus} shows its JSON): the bridge's keys and one entry per device,
 * from the device routes and the open sessions of the {@code multispeq:} component, with what the sessions' replies
 * said of battery and last measurement. Keys are always present; unknown values are {@code null}.
 */
final class StatusSnapshot {

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

    private final String clientId;
    private final Supplier<Map<String, String>> devices;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private volatile MultispeqComponent component;

    /**
     * @param clientId the MQTT client id ({@code client_id})
     * @param devices the devices with a route: name → port as configured
     */
    StatusSnapshot(String clientId, Supplier<Map<String, String>> devices) {
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.devices = Objects.requireNonNull(devices, "devices");
    }

    /** The component whose sessions the devices are looked up in; {@code null}: none (every device disconnected). */
    void component(MultispeqComponent component) {
        this.component = component;
    }

    /** Everything but {@code updated_at}, which is what a change is looked for in. */
    Map<String, Object> content(Instant since, Long outboxDepth) {
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
        MultispeqComponent sessions = component;
        List<DeviceStatus> list = new ArrayList<>();
        Set<DeviceSession> named = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, String> device : devices.get().entrySet()) {
            DeviceSession session = sessions == null ? null : sessions.session(device.getValue());
            if (session != null) {
                named.add(session);
            }
            list.add(status(device.getKey(), device.getValue(), session));
        }
        if (sessions != null) {
            sessions.sessions()
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

    private Tracked tracked(DeviceSession session) {
        return tracked.computeIfAbsent(session.name(), name -> new Tracked());
    }

    /** A device answered the handshake: a different device on the same port starts afresh. */
    void deviceReady(DeviceSession session) {
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
}
