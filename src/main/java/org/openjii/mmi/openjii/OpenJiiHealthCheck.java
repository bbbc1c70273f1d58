package org.openjii.mmi.openjii;

import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the openJII fleet ({@code openjii}): DOWN while a MultispeQ attached here has no Thing in the downloads
 * (it is not measured) or a Thing cannot connect because its key material does not work, naming them. Each Thing's
 * connection has its own checks ({@code delivery-<thingName>}, {@code outbox-<thingName>}), DOWN while the broker
 * refuses it. Details: every Thing of the downloads with its state. Not a liveness check.
 */
final class OpenJiiHealthCheck extends AbstractHealthCheck {

    private final OpenJiiFleet fleet;

    OpenJiiHealthCheck(OpenJiiFleet fleet) {
        super("mmi", "openjii");
        this.fleet = fleet;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        fleet.describe().forEach((name, state) -> builder.detail("openjii." + name, state));
        List<String> unmatched = fleet.unmatchedInstruments();
        Map<String, String> problems = fleet.connectProblems();
        if (unmatched.isEmpty() && problems.isEmpty()) {
            builder.up();
            return;
        }
        StringBuilder message = new StringBuilder();
        if (!unmatched.isEmpty()) {
            message.append("MultispeQ ")
                    .append(String.join(", ", unmatched))
                    .append(
                            " attached without its Thing's downloads");
        }
        problems.forEach((thing, problem) -> message.append(message.length() == 0 ? "" : "; ")
                .append(thing)
                .append(" cannot connect: ")
                .append(problem));
        builder.message(message.toString());
        builder.down();
    }
}
