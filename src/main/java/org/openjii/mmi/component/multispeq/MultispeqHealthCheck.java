package org.openjii.mmi.component.multispeq;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceSession;

/** Readiness of one endpoint's device: DOWN while no MultispeQ is connected (unplugged, asleep, not answering). */
final class MultispeqHealthCheck extends AbstractHealthCheck {

    private final MultispeqEndpoint endpoint;
    private final DeviceSession session;
    private final String routeId;

    MultispeqHealthCheck(String kind, MultispeqEndpoint endpoint, DeviceSession session, String routeId) {
        super("camel", kind + ":multispeq-" + (routeId != null ? routeId : endpoint.getName()));
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
