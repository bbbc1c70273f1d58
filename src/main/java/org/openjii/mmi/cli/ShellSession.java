package org.openjii.mmi.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.ExecutorServiceManager;
import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.component.multispeq.MultispeqEndpoint;
import org.openjii.mmi.control.BridgeStatus;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.ingest.IngestTopic;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.observe.SettingsSummary;
import org.openjii.mmi.support.DeviceJson;

/**
 * What {@code mmi shell}'s commands act on: the device (a {@code multispeq:} endpoint in a context of its own, so it
 * stays connected while MQTT comes and goes) and the bridge's pipeline ({@link Pipeline}: configuration, ingest route,
 * outbox, the one MQTT connection), started by {@code connect} and stopped by {@code disconnect}.
 */
final class ShellSession implements AutoCloseable {

    private static final Duration CONNECT_WAIT = Duration.ofSeconds(15);
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(10);
    private static final String DEVICE_ENDPOINT = "multispeq:shell";

    private final ConfigurationOptions configuration;
    private final Map<String, String> overrides;
    private final PrintWriter out;
    private Pipeline pipeline;
    private CamelContext devices;
    private MultispeqEndpoint device;
    /**
     * The bridge status of the device context (no delivery: it publishes nothing), for the device part of
     * {@code status}: the same code and fields as mmi run's {@code devices}.
     */
    private BridgeStatus deviceStatus;
    private ScheduledExecutorService continuous;
    /** The device context's, which made {@link #continuous}. */
    private ExecutorServiceManager continuousThreads;
    private final AtomicInteger continuousRuns = new AtomicInteger();
    private Duration continuousInterval;
    private boolean exitRequested;

    ShellSession(ConfigurationOptions configuration, PrintWriter out) {
        this.configuration = configuration;
        // set_topic adds to them: the next connect uses it.
        this.overrides = configuration.overrides;
        this.out = out;
    }

    boolean exitRequested() {
        return exitRequested;
    }

    void requestExit() {
        exitRequested = true;
    }

    synchronized void connect() {
        if (pipeline != null) {
            out.println("Already connected to " + pipeline.broker() + " (disconnect first)");
            return;
        }
        try {
            pipeline = Pipeline.start(configuration);
        } catch (Exception e) {
            out.println("Cannot connect: " + Failures.describe(e));
            return;
        }
        Delivery delivery = pipeline.delivery();
        if (delivery == null) {
            out.println("Started with mmi.mqtt.broker-url=log: published messages are printed, not sent");
            return;
        }
        long deadline = System.nanoTime() + CONNECT_WAIT.toNanos();
        while (!delivery.connection().isConnected() && System.nanoTime() < deadline) {
            pause(100);
        }
        String clientId = pipeline.context()
                .getPropertiesComponent()
                .resolveProperty("mmi.mqtt.client-id")
                .orElse("mmi");
        out.println(delivery.connection().isConnected()
                ? "Connected to " + pipeline.broker() + " as '" + clientId + "'"
                : "Not connected to " + pipeline.broker() + " yet (retrying in the background; messages wait in the"
                        + " outbox)");
    }

    synchronized void disconnect() {
        if (pipeline == null) {
            out.println("Not connected");
            return;
        }
        stopContinuous();
        long waiting = 0;
        try {
            waiting = pipeline.awaitDelivered(DRAIN_WAIT);
            pipeline.close();
        } catch (Exception e) {
            out.println("Disconnect: " + Failures.describe(e));
        }
        pipeline = null;
        out.println("Disconnected" + (waiting > 0 ? " (" + waiting + " message(s) wait in the outbox)" : ""));
    }

    synchronized void connectDevice(String requestedPort) {
        String port = requestedPort != null ? requestedPort : setting("mmi.device.port", "sim");
        closeDevice();
        devices = new DefaultCamelContext();
        devices.start();
        // Before the device opens, so it hears the handshake and every reply (battery, last measurement).
        Map<String, String> named = Map.of(setting("mmi.device.name", "multispeq"), port);
        Duration tick = Duration.ofSeconds(1);
        Duration noBatteryPolls = Duration.ZERO;
        deviceStatus = new BridgeStatus(devices, setting("mmi.mqtt.client-id", "mmi"), () -> named, null, tick,
                noBatteryPolls, Clock.systemUTC());
        try {
            devices.addService(deviceStatus, true, true);
        } catch (Exception e) {
            out.println("Cannot follow the device's status: " + Failures.describe(e));
            closeDevice();
            return;
        }
        device = devices.getEndpoint(DEVICE_ENDPOINT, MultispeqEndpoint.class);
        device.getConfiguration().setPort(port);
        device.getConfiguration().setParseJson(false);
        device.getConfiguration().setReconnectMaxDelay(1000);
        if ("sim".equals(port)) {
            device.getConfiguration().setSimulator(setting("mmi.simulator.options", ""));
        }
        Exchange reply = deviceTemplate().request(device, exchange -> exchange.getIn().setBody("hello"));
        if (reply.getException() != null) {
            out.println("No MultispeQ at " + port + ": " + describe(reply.getException()));
            return;
        }
        out.println("Device at " + port + ": " + deviceLine(reply));
    }

    synchronized void status() {
        Delivery delivery = pipeline == null ? null : pipeline.delivery();
        if (pipeline == null) {
            out.println("MQTT:       disconnected");
        } else if (delivery == null) {
            out.println("MQTT:       none (mmi.mqtt.broker-url=log)");
        } else {
            out.println("MQTT:       " + (delivery.connection().isConnected() ? "connected to " : "connecting to ")
                    + pipeline.broker() + "; outbox " + delivery.outbox().depth() + " waiting");
        }
        out.println("Device:     " + (device == null ? "none (connect_device [PORT])"
                : device.getConfiguration().getPort() + (deviceReady() ? ", connected" : ", not answering")));
        out.println("Data topic: " + setting("mmi.mqtt.topic", IngestTopic.DEFAULT_TEMPLATE));
        out.println("Continuous: " + (continuous == null ? "off"
                : "every " + continuousInterval.toSeconds() + " s, " + continuousRuns.get() + " run(s) published"));
        try {
            out.println("Bridge status: " + DeviceJson.mapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValueAsString(bridgeStatus()));
        } catch (Exception e) {
            out.println("Bridge status: " + Failures.describe(e));
        }
    }

    /**
     * What mmi run publishes (retained) on mmi.mqtt.status-topic and answers to {"action":"status"}: client id,
     * since when MQTT is connected (null: not connected), outbox depth, and the devices. The MQTT part is the
     * pipeline's mmiStatus bean; the devices are the shell's device context's, which the pipeline does not own.
     */
    private Map<String, Object> bridgeStatus() {
        BridgeStatus mqtt = pipeline == null ? null
                : pipeline.context().getRegistry().lookupByNameAndType(BridgeStatus.BEAN_NAME, BridgeStatus.class);
        Map<String, Object> status = new LinkedHashMap<>();
        if (mqtt != null) {
            status.putAll(mqtt.snapshot());
        } else if (deviceStatus != null) {
            status.putAll(deviceStatus.snapshot());
        } else {
            status.put("status", "online");
            status.put("client_id", setting("mmi.mqtt.client-id", "mmi"));
            status.put("since", null);
            status.put("outbox_depth", null);
        }
        status.put("devices", deviceStatus == null ? List.of() : deviceStatus.snapshot().get("devices"));
        return status;
    }

    /** The default interval of continuous publish: the bridge's mmi.device.interval (10 s when it is 0). */
    String defaultInterval() {
        String interval = setting("mmi.device.interval", "10s");
        return interval.isEmpty() || "0".equals(interval) ? "10s" : interval;
    }

    boolean continuousRunning() {
        return continuous != null;
    }

    /** The effective mmi.* and camel.* settings; values of keys that look like secrets are masked. */
    void config() {
        try (CamelContext context = MmiApplication.configuration(configuration.configFile(),
                overrides)) {
            Properties loaded = context.getPropertiesComponent().loadProperties();
            for (String key : new TreeSet<>(loaded.stringPropertyNames())) {
                if (key.startsWith("mmi.") || key.startsWith("camel.")) {
                    String value = context.getPropertiesComponent().resolveProperty(key).orElse("");
                    out.println(key + " = " + masked(key, value));
                }
            }
        } catch (Exception e) {
            out.println("Cannot read the configuration: " + Failures.describe(e));
        }
    }

    /**
     * A value as config prints it: xxxxxx for a key Camel considers sensitive (password, token, secret, ...; the
     * client id, a Thing name, is shown), and a URL's password replaced (tcp://user:xxxxxx@host).
     */
    static String masked(String key, String value) {
        return SettingsSummary.masked(null, key, value);
    }

    synchronized void setTopic(String template) {
        try {
            new IngestTopic().setTemplate(template);
        } catch (IllegalArgumentException e) {
            out.println("Not a data topic: " + e.getMessage());
            return;
        }
        overrides.put("mmi.mqtt.topic", template);
        out.println("Data topic: " + template);
        if (pipeline != null) {
            // The ingest route reads the template when it starts: reconnect to use it.
            disconnect();
            connect();
        }
    }

    /** One run of the protocol (default mmi.device.protocol) through the pipeline; false when it did not publish. */
    synchronized boolean publish(String protocol) {
        if (device == null) {
            out.println("No device: connect_device [PORT] first");
            return false;
        }
        if (pipeline == null) {
            out.println("Not connected: connect first");
            return false;
        }
        String text;
        try {
            text = MeasureCommand.protocolText(protocol != null ? protocol
                    : setting("mmi.device.protocol", "classpath:protocols/par.json"));
        } catch (Exception e) {
            out.println("Protocol " + protocol + ": " + e.getMessage());
            return false;
        }
        Exchange reply = deviceTemplate().request(device, exchange -> exchange.getIn().setBody(text));
        if (reply.getException() != null) {
            out.println("Measurement failed: " + describe(reply.getException()));
            return false;
        }
        try {
            Map<String, String> stored = pipeline.ingestWithTopics(reply);
            if (stored.isEmpty()) {
                out.println("Refused as a dead letter (see the dead-letter topic)");
            }
            stored.forEach((id, topic) -> out.println("Published " + deviceLine(reply) + " as message " + id
                    + " to " + topic));
            return !stored.isEmpty();
        } catch (Exception e) {
            out.println("Not published: " + Failures.describe(e));
            return false;
        }
    }

    synchronized void startContinuous(Duration interval) {
        if (continuous != null) {
            out.println("Continuous publish is already on (stop first)");
            return;
        }
        if (device == null || pipeline == null) {
            out.println(device == null ? "No device: connect_device [PORT] first" : "Not connected: connect first");
            return;
        }
        continuousInterval = interval;
        continuousRuns.set(0);
        continuousThreads = devices.getExecutorServiceManager();
        continuous = continuousThreads.newSingleThreadScheduledExecutor(this, "MmiShellContinuousPublish");
        continuous.scheduleWithFixedDelay(() -> {
            if (publish(null)) {
                continuousRuns.incrementAndGet();
            }
            out.flush();
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        out.println("Continuous publish every " + interval.toSeconds() + " s (stop, Enter or Ctrl-C ends it)");
    }

    void stopContinuous() {
        ScheduledExecutorService running;
        ExecutorServiceManager threads;
        synchronized (this) {
            running = continuous;
            threads = continuousThreads;
            continuous = null;
        }
        if (running != null) {
            // The run under way ends first: its publish is not cut off.
            threads.shutdownGraceful(running, TimeUnit.MINUTES.toMillis(1));
            out.println("Continuous publish stopped after " + continuousRuns.get() + " run(s)");
        }
    }

    @Override
    public void close() {
        stopContinuous();
        if (pipeline != null) {
            disconnect();
        }
        closeDevice();
    }

    private void closeDevice() {
        if (devices != null) {
            // stop() rather than close(): the same, without close()'s checked exception.
            devices.stop();
            devices = null;
            device = null;
            deviceStatus = null;
        }
    }

    private boolean deviceReady() {
        MultispeqEndpoint endpoint = device;
        return endpoint != null && endpoint.getComponent().session(endpoint.getConfiguration().getPort()) != null
                && endpoint.getComponent().session(endpoint.getConfiguration().getPort()).isReady();
    }

    private ProducerTemplate deviceTemplate() {
        return devices.createProducerTemplate();
    }

    /** A setting as the next connect would read it: --set/overrides first, then the configuration. */
    private String setting(String key, String defaultValue) {
        if (overrides.containsKey(key)) {
            return overrides.get(key);
        }
        try (CamelContext context = MmiApplication.configuration(configuration.configFile(),
                overrides)) {
            return context.getPropertiesComponent().resolveProperty(key).orElse(defaultValue).trim();
        } catch (Exception e) {
            return defaultValue;
        }
    }

    private static String deviceLine(Exchange reply) {
        var in = reply.getMessage();
        return "MultispeQ " + in.getHeader(MultispeqConstants.DEVICE_ID) + " (v"
                + in.getHeader(MultispeqConstants.DEVICE_VERSION) + ", fw "
                + in.getHeader(MultispeqConstants.DEVICE_FIRMWARE) + ", battery "
                + in.getHeader(MultispeqConstants.DEVICE_BATTERY) + " %)";
    }

    private static String describe(Exception failure) {
        return failure instanceof MultispeqException e ? e.reason() + ": " + e.getMessage()
                : Failures.describe(failure);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
