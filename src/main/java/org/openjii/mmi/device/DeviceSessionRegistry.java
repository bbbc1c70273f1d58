package org.openjii.mmi.device;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One {@link DeviceSession} per port, shared by reference count: jSerialComm opens a port exclusively, so every
 * endpoint (and the CLI) on the same port must go through the same session.
 */
public final class DeviceSessionRegistry {

    private final Map<String, Entry> sessions = new HashMap<>();

    private static final class Entry {

        final DeviceSession session;
        int references;

        Entry(DeviceSession session) {
            this.session = session;
        }
    }

    /** The session for {@code key}, created and started by {@code factory} on first use. */
    public synchronized DeviceSession acquire(String key, Supplier<DeviceSession> factory) {
        Entry entry = sessions.get(key);
        if (entry == null) {
            entry = new Entry(factory.get());
            sessions.put(key, entry);
            entry.session.start();
        }
        entry.references++;
        return entry.session;
    }

    /** Drops one reference; the last one closes the session (and its port). */
    public void release(String key, DeviceSession session) {
        DeviceSession toClose = null;
        synchronized (this) {
            Entry entry = sessions.get(key);
            if (entry == null || entry.session != session) {
                return;
            }
            if (--entry.references == 0) {
                sessions.remove(key);
                toClose = session;
            }
        }
        if (toClose != null) {
            toClose.close();
        }
    }

    /** The session for {@code key} if one is open, else {@code null}. */
    public synchronized DeviceSession find(String key) {
        Entry entry = sessions.get(key);
        return entry == null ? null : entry.session;
    }

    public synchronized List<DeviceSession> sessions() {
        List<DeviceSession> all = new ArrayList<>();
        for (Entry e : sessions.values()) {
            all.add(e.session);
        }
        return all;
    }

    /** Closes every session (component shutdown). */
    public void closeAll() {
        List<DeviceSession> all;
        synchronized (this) {
            all = sessions();
            sessions.clear();
        }
        for (DeviceSession s : all) {
            s.close();
        }
    }
}
