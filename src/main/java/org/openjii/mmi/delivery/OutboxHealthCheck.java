package org.openjii.mmi.delivery;

import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness of the outbox ({@code outbox}): DOWN while it cannot store (its last write failed: disk full, read-only,
 * an I/O error; a damaged page until the next start moves the file aside) and while messages are held in memory
 * because of it ({@link OutboxSpill}). The message says why, with the real cause ({@code disk full at <dir>}). Not a
 * liveness check: a restart frees no disk. Details: the fault, the budgets and their use, and a file moved aside at
 * start.
 */
public final class OutboxHealthCheck extends AbstractHealthCheck {

    private final Outbox outbox;
    private final OutboxSpill spill;

    /** @param identity the identity's name: the check is {@code outbox}, or {@code outbox-<identity>} for others */
    OutboxHealthCheck(String identity, Outbox outbox, OutboxSpill spill) {
        super("mmi", "default".equals(identity) ? "outbox" : "outbox-" + identity);
        this.outbox = outbox;
        this.spill = spill;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("outbox.data.bytes", outbox.dataBytes());
        builder.detail("outbox.data.max-bytes", outbox.budget().dataBytes());
        builder.detail("outbox.dead-letters.bytes", outbox.otherBytes());
        builder.detail("outbox.dead-letters.max-bytes", outbox.budget().otherBytes());
        builder.detail("outbox.held", spill.held());
        builder.detail("outbox.held.lost", spill.lost());
        outbox.movedAside().ifPresent(aside -> builder.detail("outbox.moved-aside", aside.toString()));
        var problem = outbox.faults().current();
        problem.ifPresent(p -> {
            builder.detail("outbox.fault", p.fault().label());
            builder.detail("outbox.fault.since", p.since().toString());
        });
        if (problem.isEmpty() && spill.held() == 0) {
            builder.up();
            return;
        }
        builder.message(problem.map(p -> p.message() + " (since " + p.since() + ")")
                .orElse("The outbox " + outbox.file() + " stores again") + "; " + spill.held()
                + " message(s) held in memory until it does (" + spill.lost() + " lost)");
        builder.down();
    }
}
