package org.openjii.mmi.control;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceRequest;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.MultispeqTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks connected devices their battery: {@link #refreshAll()} every {@code mmi.status.battery-interval} (the caller
 * schedules it), and one device as soon as it has connected ({@link #deviceReady}, on the poller's executor).
 * {@code battery} goes through the device's session, waiting at most {@value #PERMIT_WAIT_SECONDS} s for a running
 * measurement: a busy device skips that round. The reply goes to {@code replies}, as any other reply of the session.
 */
final class BatteryPoller {

    static final long PERMIT_WAIT_SECONDS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(BatteryPoller.class);

    private final Supplier<Collection<DeviceSession>> sessions;
    private final BiConsumer<DeviceSession, DeviceReply> replies;
    /** Where a connected device is asked; {@code null} while stopped. */
    private volatile Executor executor;

    /**
     * @param sessions the open device sessions
     * @param replies what to do with a battery reply
     */
    BatteryPoller(Supplier<Collection<DeviceSession>> sessions, BiConsumer<DeviceSession, DeviceReply> replies) {
        this.sessions = Objects.requireNonNull(sessions, "sessions");
        this.replies = Objects.requireNonNull(replies, "replies");
    }

    /** From now on a device that connects is asked on {@code executor}. */
    void start(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    /** Nothing is asked any more; a round under way ends after its current device. */
    void stop() {
        executor = null;
    }

    /** A device has connected: ask its battery, on the poller's executor. */
    void deviceReady(DeviceSession session) {
        Executor refresher = executor;
        if (refresher == null) {
            return;
        }
        try {
            refresher.execute(() -> refresh(session));
        } catch (RejectedExecutionException e) {
            LOG.debug("Status stopping: no battery refresh for {}", session.name());
        }
    }

    /** One round: every connected device, one after the other. */
    void refreshAll() {
        for (DeviceSession session : sessions.get()) {
            if (session.isReady()) {
                refresh(session);
            }
        }
    }

    private void refresh(DeviceSession session) {
        if (executor == null || !session.isReady()) {
            return;
        }
        try {
            replies.accept(session, session.execute(DeviceRequest.command("battery"),
                    Duration.ofSeconds(PERMIT_WAIT_SECONDS)));
        } catch (MultispeqTimeoutException e) {
            LOG.debug("{}: battery not refreshed this round: {}", session.name(), e.getMessage());
        } catch (MultispeqException e) {
            LOG.info("{}: asking the battery failed ({}: {})", session.name(), e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("{}: asking the battery failed: {}", session.name(), e.toString(), e);
        }
    }
}
