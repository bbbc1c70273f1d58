package org.openjii.mmi.openjii;

import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

import org.openjii.mmi.device.DeviceInfo;

/**
 * What the fleet knows about one Thing: its applied onboarding file and key material, the instrument serving it
 * here, and its connection. Guarded by the {@link OpenJiiFleet}'s lock.
 */
final class ThingState {

    final String name;
    /** The onboarding file in use; null until a valid one was read. */
    OpenJiiDownloads.ConfigFile config;
    /** The newest complete key material in the folder; null until one was read. */
    OpenJiiDownloads.KeyMaterial keys;
    /** The key material the connection was made with (its hash); null while not connected. */
    String connectedKeys;
    /** The port of the instrument serving this Thing here; null while none is attached. */
    String port;
    DeviceInfo instrument;
    /** Whether its iot: identity (connection, outbox) and its scripts route exist. */
    boolean connected;
    /** Why connecting failed, until it works; null otherwise. */
    String connectProblem;
    /** The release planned after its instrument left; null otherwise. */
    ScheduledFuture<?> release;
    /** When the last run of the plan started; null before the first since attaching. */
    Instant lastPass;

    ThingState(String name) {
        this.name = name;
    }

    boolean complete() {
        return config != null && keys != null;
    }

    /** What is missing from the downloads to serve this Thing, e.g. {@code credentials}; null when nothing is. */
    String missing() {
        if (config == null && keys == null) {
            return "credentials and config";
        }
        return config == null ? "config" : keys == null ? "credentials" : null;
    }
}
