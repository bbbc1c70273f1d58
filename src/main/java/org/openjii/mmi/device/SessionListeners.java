package org.openjii.mmi.device;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one {@link DeviceSession} and the events they are told; a listener that throws is logged and the
 * others are still told.
 */
final class SessionListeners {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);

    private final DeviceSession session;
    private final List<DeviceSession.Listener> listeners = new CopyOnWriteArrayList<>();

    SessionListeners(DeviceSession session) {
        this.session = session;
    }

    void add(DeviceSession.Listener listener) {
        listeners.add(listener);
    }

    void remove(DeviceSession.Listener listener) {
        listeners.remove(listener);
    }

    void stateChanged(DeviceSession.State state, String detail) {
        tell(l -> l.onStateChanged(session, state, detail));
    }

    void unsolicited(Frame frame) {
        tell(l -> l.onUnsolicited(session, frame));
    }

    void reply(DeviceReply reply) {
        tell(l -> l.onReply(session, reply));
    }

    void skipped(Frame frame, String why) {
        tell(l -> l.onSkipped(session, frame, why));
    }

    private void tell(Consumer<DeviceSession.Listener> event) {
        for (DeviceSession.Listener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("{}: a session listener failed", session.name(), e);
            }
        }
    }
}
