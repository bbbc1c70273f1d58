package org.openjii.mmi.ingest;

import java.time.Instant;
import java.util.Objects;

import org.openjii.mmi.device.DeviceInfo;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One measurement run as the ingest steps pass it on: the device output's fields, its samples as a flat array (the
 * PhotosynQ app's {@code [[...]]} already unwrapped), when the run finished, and the run's id.
 * <p>
 * The trees are shared, not copied, between the steps and the parts of a split: treat them as read-only. Numbers in
 * them keep their exact text ({@link org.openjii.mmi.support.DeviceJson}).
 *
 * @param output the device output but its {@code sample}: {@code device_*} fields, {@code time}, ...
 * @param sample the run's samples, flat
 * @param finishedAt when the device finished the run (or when the app saved it, for backfilled files)
 * @param runId UUID of the run, shared by all messages made from it
 * @param rawText the input as received (the whole file for a backfill), for dead letters
 */
public record Measurement(ObjectNode output, SampleArray sample, Instant finishedAt, String runId, String rawText) {

    public Measurement {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(runId, "runId");
    }

    /** The {@code device_*} fields as text. */
    public DeviceInfo device() {
        return DeviceInfo.fromJson(output);
    }

    /** A summary: Camel logs message bodies, and the whole output can be 66 KB. */
    @Override
    public String toString() {
        return "Measurement[run " + runId + ", device " + output.path("device_id").asText("?") + ", "
                + sample().size() + " sample(s), finished " + finishedAt + "]";
    }
}
