package org.openjii.mmi.component.multispeq;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.HealthCheckComponent;
import org.openjii.mmi.component.multispeq.transport.AutoPortOpener;
import org.openjii.mmi.component.multispeq.transport.JSerialCommTransport;
import org.openjii.mmi.component.multispeq.transport.SerialSettings;
import org.openjii.mmi.component.multispeq.transport.SimulatedDevice;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.DeviceSessionRegistry;
import org.openjii.mmi.device.Frame;
import org.openjii.mmi.device.TransportOpener;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;

/**
 * The {@code multispeq:} component. It owns the device sessions: one open port per path, shared by all its endpoints
 * and by the command line running in the same process.
 */
@Component("multispeq")
public class MultispeqComponent extends HealthCheckComponent {

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqComponent.class);

    @Metadata
    private MultispeqConfiguration configuration = new MultispeqConfiguration();

    private final DeviceSessionRegistry sessions = new DeviceSessionRegistry();
    private final Map<String, SimulatedDevice> simulatedDevices = new ConcurrentHashMap<>();
    private final List<DeviceSession.Listener> sessionListeners = new CopyOnWriteArrayList<>();

    public MultispeqComponent() {
    }

    public MultispeqComponent(CamelContext context) {
        super(context);
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("A multispeq endpoint needs a name: multispeq:<name>?port=...");
        }
        MultispeqEndpoint endpoint = new MultispeqEndpoint(uri, remaining, this, configuration.copy());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    public MultispeqConfiguration getConfiguration() {
        return configuration;
    }

    /** Shared configuration: every endpoint starts from a copy of it. */
    public void setConfiguration(MultispeqConfiguration configuration) {
        this.configuration = configuration;
    }

    /** The sessions open right now (for status, health and the command line). */
    public DeviceSessionRegistry getSessions() {
        return sessions;
    }

    /** The sessions open right now, in no particular order (the bridge's status lists them). */
    public List<DeviceSession> sessions() {
        return sessions.sessions();
    }

    /**
     * Listens to every device session: those open now and those opened later, from before they start connecting (the
     * bridge's status).
     */
    public void addSessionListener(DeviceSession.Listener listener) {
        // The registry's lock: a session being created now gets the listener exactly once.
        synchronized (sessions) {
            sessionListeners.add(listener);
            for (DeviceSession session : sessions.sessions()) {
                session.addListener(listener);
            }
        }
    }

    public void removeSessionListener(DeviceSession.Listener listener) {
        synchronized (sessions) {
            sessionListeners.remove(listener);
            for (DeviceSession session : sessions.sessions()) {
                session.removeListener(listener);
            }
        }
    }

    /** The simulated device behind {@code port=sim} (or {@code sim:NAME}), once an endpoint has used it. */
    public SimulatedDevice getSimulatedDevice(String port) {
        return simulatedDevices.get(port);
    }

    DeviceSession acquireSession(MultispeqEndpoint endpoint) {
        MultispeqConfiguration c = endpoint.getConfiguration();
        String key = sessionKey(c.getPort());
        return sessions.acquire(key, () -> createSession(key, c));
    }

    /** The open session of the device at {@code port} (as an endpoint names it), or {@code null}. */
    public DeviceSession session(String port) {
        return sessions.find(sessionKey(port));
    }

    void releaseSession(MultispeqEndpoint endpoint, DeviceSession session) {
        sessions.release(sessionKey(endpoint.getConfiguration().getPort()), session);
    }

    private static String sessionKey(String port) {
        String p = port == null || port.isBlank() ? MultispeqConfiguration.PORT_AUTO : port.strip();
        if (p.startsWith("/")) {
            return Path.of(p).normalize().toString();
        }
        return p;
    }

    private DeviceSession createSession(String key, MultispeqConfiguration c) {
        SerialSettings settings = new SerialSettings(c.getBaudRate(), c.isDtr(), c.isRts());
        TransportOpener opener;
        if (MultispeqConfiguration.PORT_AUTO.equals(key)) {
            opener = new AutoPortOpener(MultispeqEndpoint.splitList(c.getScanPatterns()), settings);
        } else if (MultispeqConfiguration.PORT_SIMULATOR.equals(key)
                || key.startsWith(MultispeqConfiguration.PORT_SIMULATOR + ":")) {
            SimulatorOptions options = c.getSimulator() == null || c.getSimulator().isBlank()
                    ? SimulatorOptions.defaults()
                    : SimulatorOptions.parse(c.getSimulator());
            opener = simulatedDevices.computeIfAbsent(key, k -> new SimulatedDevice(k, options,
                    getCamelContext().getExecutorServiceManager()
                            .newSingleThreadExecutor(this, "MultispeqSimulator[" + k + "]")));
        } else {
            opener = () -> JSerialCommTransport.open(key, settings);
        }
        DeviceSession.Options options = new DeviceSession.Options(c.getMaxFrameSize(), c.isHandshake(),
                Duration.ofMillis(c.getReconnectDelay()), Duration.ofMillis(c.getReconnectMaxDelay()), 100,
                DeviceSession.Options.defaults().quietPeriod());
        ExecutorServiceManager threads = getCamelContext().getExecutorServiceManager();
        ScheduledExecutorService control = threads.newSingleThreadScheduledExecutor(this, "MultispeqControl[" + key
                + "]");
        ExecutorService reader = threads.newSingleThreadExecutor(this, "MultispeqReader[" + key + "]");
        LOG.debug("Creating the device session for {}", key);
        DeviceSession session = new DeviceSession(key, opener, options, control, reader, Clock.systemUTC(), () -> {
            threads.shutdownNow(control);
            threads.shutdownNow(reader);
        });
        sessionListeners.forEach(session::addListener);
        Counter skipped = Observability.deviceLinesSkipped(Observability.meterRegistry(getCamelContext()), key);
        session.addListener(new DeviceSession.Listener() {

            @Override
            public void onSkipped(DeviceSession s, Frame frame, String why) {
                skipped.increment();
            }
        });
        return session;
    }

    @Override
    protected void doStop() throws Exception {
        sessions.closeAll();
        for (SimulatedDevice device : simulatedDevices.values()) {
            device.close();
        }
        simulatedDevices.clear();
        super.doStop();
    }
}
