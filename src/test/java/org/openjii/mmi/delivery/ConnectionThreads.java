package org.openjii.mmi.delivery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The two executors an {@link MqttConnection} needs, outside Camel, for tests that make one by hand. */
public final class ConnectionThreads implements AutoCloseable {

    private final ExecutorService network = Executors.newSingleThreadExecutor(daemon("test-mqtt-network"));
    private final ExecutorService callbacks = Executors.newSingleThreadExecutor(daemon("test-mqtt-callbacks"));

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    public ExecutorService network() {
        return network;
    }

    public ExecutorService callbacks() {
        return callbacks;
    }

    @Override
    public void close() {
        network.shutdownNow();
        callbacks.shutdownNow();
    }
}
