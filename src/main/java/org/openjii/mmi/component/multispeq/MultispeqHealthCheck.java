package org.openjii.mmi.component.multispeq;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceSession;

/**
 * One endpoint's instrument: DOWN while no MultispeQ is connected (unplugged, asleep, not answering). A check of its
 * own, in the full health report only: neither readiness nor liveness. A bridge whose meter is not plugged in yet
 * still takes and keeps data (a requested run, a backfill, its outbox), and a restart would not plug it in; the
 * metric {@code mmi_device_connected} and the session's "no MultispeQ" log line say the same, for an alert.
 */
final class MultispeqHealthCheck extends AbstractHealthCheck {

    private final MultispeqEndpoint endpoint;
    private final DeviceSession session;
    private final String routeId;

    /**
     * @param id {@code device:<name>} for a consumer's instrument, {@code producer:multispeq-<name>} for a producer's
     */
    MultispeqHealthCheck(String id, MultispeqEndpoint endpoint, DeviceSession session, String routeId) {
        super("mmi", id);
        this.endpoint = endpoint;
        this.session = session;
        this.routeId = routeId;
    }

    @Override
    public boolean isLiveness() {
        // An unplugged device is not a reason to restart the process: it recovers by itself.
        return false;
    }

    @Override
    public boolean isReadiness() {
        // Nor a reason to take the bridge out of service: readiness is "takes and keeps data".
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("device.name", endpoint.getName());
        builder.detail("device.port", endpoint.getConfiguration().getPort());
        builder.detail("device.state", session.state().name());
        if (routeId != null) {
            builder.detail("route.id", routeId);
        }
        if (session.isReady()) {
            DeviceInfo info = session.deviceInfo();
            if (info != null && info.id() != null) {
                builder.detail("device.id", info.id());
            }
            if (session.systemPath() != null) {
                builder.detail("device.path", session.systemPath());
            }
            builder.up();
            return;
        }
        String why = session.lastError();
        builder.message("MultispeQ " + endpoint.getName() + " at " + endpoint.getConfiguration().getPort() + " is "
                + session.state().name().toLowerCase() + (why == null ? "" : ": " + why));
        builder.down();
    }
}
