package org.openjii.mmi.test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * A test's broker, a durable recorder on it and the bridge processes the test starts, closed as one: the bridges
 * first, then the recorder, then the broker. A test holds it in an {@code @AutoClose} field, so it is closed after
 * the test and before JUnit deletes the test's folder.
 */
public final class BridgeRig implements AutoCloseable {

    private final Path dir;
    private final MosquittoBroker broker;
    private final MqttRecorder recorder;
    private final List<BridgeProcess> bridges = new ArrayList<>();

    private BridgeRig(Path dir, MosquittoBroker broker, MqttRecorder recorder) {
        this.dir = dir;
        this.broker = broker;
        this.recorder = recorder;
    }

    /**
     * Takes over {@code broker} (closed here if the recorder cannot subscribe) and subscribes a recorder with a
     * durable session as {@code recorderId} to {@code filters}; the bridges' output files go to {@code dir}.
     */
    public static BridgeRig start(Path dir, MosquittoBroker broker, String recorderId, String... filters)
            throws Exception {
        try {
            return new BridgeRig(dir, broker, MqttRecorder.subscribeDurably(broker.url(), recorderId, filters));
        } catch (MqttException | RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    public MosquittoBroker broker() {
        return broker;
    }

    public MqttRecorder recorder() {
        return recorder;
    }

    /** Starts {@code mmi run} with these settings and environment variables; its output goes to {@code <name>.log}. */
    public BridgeProcess startBridge(String name, Map<String, String> settings, Map<String, String> environment)
            throws IOException {
        BridgeProcess bridge = BridgeProcess.start(dir.resolve(name + ".log"), settings, environment);
        bridges.add(bridge);
        return bridge;
    }

    /** How many bridges were started so far. */
    public int bridgesStarted() {
        return bridges.size();
    }

    @Override
    public void close() throws Exception {
        try {
            bridges.forEach(BridgeProcess::close);
            recorder.close();
        } finally {
            broker.close();
        }
    }
}
