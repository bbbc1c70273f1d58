package org.openjii.mmi.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.util.SensitiveUtils;
import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.component.multispeq.MultispeqEndpoint;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.ingest.IngestTopic;

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
    private ScheduledExecutorService continuous;
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
    }

    /** The effective mmi.* and camel.* settings; values of keys that look like secrets are masked. */
    void config() {
        try (CamelContext context = MmiApplication.configuration(configuration.configFile(),
                overrides)) {
            Properties loaded = context.getPropertiesComponent().loadProperties();
            for (String key : new TreeSet<>(loaded.stringPropertyNames())) {
                if (key.startsWith("mmi.") || key.startsWith("camel.")) {
                    String value = context.getPropertiesComponent().resolveProperty(key).orElse("");
                    out.println(key + " = " + (SensitiveUtils.containsSensitive(key) ? "xxxxxx" : value));
                }
            }
        } catch (Exception e) {
            out.println("Cannot read the configuration: " + Failures.describe(e));
        }
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
            List<String> ids = pipeline.ingest(reply);
            out.println(ids.isEmpty() ? "Refused as a dead letter (see the dead-letter topic)"
                    : "Published " + deviceLine(reply) + " as message " + String.join(", ", ids));
            return !ids.isEmpty();
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
        continuous = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mmi-shell-continuous");
            thread.setDaemon(true);
            return thread;
        });
        continuous.scheduleWithFixedDelay(() -> {
            if (publish(null)) {
                continuousRuns.incrementAndGet();
            }
            out.flush();
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        out.println("Continuous publish every " + interval.toSeconds() + " s (stop, or Ctrl-C, to end it)");
    }

    void stopContinuous() {
        ScheduledExecutorService running;
        synchronized (this) {
            running = continuous;
            continuous = null;
        }
        if (running != null) {
            running.shutdown();
            try {
                running.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
