package org.openjii.mmi.observe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.prometheus.MicrometerPrometheus;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.MmiVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Health and metrics over HTTP ({@code mmi.http.*}), for Kubernetes probes and a Prometheus scrape: Camel's own
 * management server (camel-platform-http-main, Vert.x) on {@code mmi.http.port} serves
 * <ul>
 * <li>{@code <health-path>/live}: the process is up (Camel's context check; nothing about the device or the
 * broker, which a restart would not fix);</li>
 * <li>{@code <health-path>/ready}: the bridge can take and keep data: the outbox can store, the delivery is connected
 * and not stuck (a missing device is its own check, {@code device:<name>}, in the full report only);</li>
 * <li>{@code <metrics-path>}: Prometheus text from the one meter registry every {@code mmi.*} meter and Camel's
 * route meters are in (bound as {@value #METER_REGISTRY_NAME}, where camel-micrometer looks).</li>
 * </ul>
 * The server is wired here rather than with {@code camel.management.*}, so that the port can be {@code off}, a wrong
 * value stops startup with one line naming the {@code mmi.http.*} key, and the paths are application keys the
 * Kubernetes manifests can refer to. What the scrape holds is Camel's to say: {@code camel.metrics.*}
 * (application.properties names the JVM and process binders and turns the per-endpoint timers off).
 * <p>
 * It listens on {@code 127.0.0.1} unless {@code mmi.http.host} says otherwise: the endpoints show the broker, the
 * device ids and the routes, which a lab PC should not offer its network (the Kubernetes manifests and the container
 * images set {@code 0.0.0.0}, where probes and a scrape come from outside). An address it cannot listen on stops
 * startup with one line naming the keys: Camel's server only logs the failure and carries on without health or
 * metrics.
 */
public final class Observability {

    /** camel-micrometer's registry name (MicrometerConstants.METRICS_REGISTRY_NAME). */
    public static final String METER_REGISTRY_NAME = "metricsRegistry";
    public static final String PORT_SETTING = "mmi.http.port";
    public static final String HOST_SETTING = "mmi.http.host";
    public static final String HEALTH_PATH_SETTING = "mmi.http.health-path";
    public static final String METRICS_PATH_SETTING = "mmi.http.metrics-path";

    private static final Logger LOG = LoggerFactory.getLogger(Observability.class);

    /**
     * @param port the port, or 0 when HTTP is off
     */
    record Settings(String host, int port, String healthPath, String metricsPath) {

        boolean enabled() {
            return port != 0;
        }
    }

    private Observability() {
    }

    /**
     * Binds the Prometheus registry and, unless {@code mmi.http.port} is {@code off}, adds the management server and
     * the Prometheus scrape to the (not yet started) context.
     *
     * @throws IllegalArgumentException naming the key, for a value that cannot work
     */
    public static void install(CamelContext context) throws Exception {
        Settings settings = settings(context.getPropertiesComponent());
        buildInfo(meterRegistry(context));
        if (!settings.enabled()) {
            LOG.info("Health and metrics over HTTP are off ({}=off)", PORT_SETTING);
            return;
        }
        // Before the server: Camel's server reports a port it cannot listen on only in a log line, and carries on.
        new PortProbe(settings).start();
        ManagementHttpServer server = new ManagementHttpServer();
        server.setCamelContext(context);
        server.setHost(settings.host());
        server.setPort(settings.port());
        server.setPath("/");
        server.setHealthCheckEnabled(true);
        server.setHealthPath(settings.healthPath());
        server.setMetricsEnabled(true);
        // Started now, before the context: the scrape adds its path to the server's router when it starts, and Camel
        // Main made it from the camel.metrics.* settings (the JVM and process binders, which notifiers) before this
        // ran, so it starts first of the two with the context.
        context.addService(server, true, true);
        server.start();
        MicrometerPrometheus prometheus = context.hasService(MicrometerPrometheus.class);
        if (prometheus == null) {
            prometheus = new MicrometerPrometheus();
            prometheus.setCamelContext(context);
            // Route meters (camel_exchanges_*, per route) yes; a timer per endpoint sent to, on the hot path, no.
            prometheus.setEnableExchangeEventNotifier(false);
            context.addService(prometheus, true, true);
        }
        prometheus.setPath(settings.metricsPath());
        LOG.info("Health on http://{}:{}{}/live and /ready, Prometheus metrics on {}", settings.host(),
                settings.port(), settings.healthPath(), settings.metricsPath());
    }

    static Settings settings(PropertiesComponent properties) {
        String portText = properties.resolveProperty(PORT_SETTING).orElse("9876").trim().toLowerCase(Locale.ROOT);
        int port;
        if (portText.equals("off") || portText.equals("0") || portText.isEmpty()) {
            port = 0;
        } else {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(PORT_SETTING + " must be a port number (1-65535) or off, was '"
                        + portText + "'");
            }
        }
        String host = properties.resolveProperty(HOST_SETTING)
                .map(String::trim)
                .filter(h -> !h.isEmpty())
                .orElse("127.0.0.1");
        return new Settings(host, port, path(properties, HEALTH_PATH_SETTING, "/observe/health"),
                path(properties, METRICS_PATH_SETTING, "/observe/metrics"));
    }

    /**
     * Fails the start, naming the keys, when the server's address cannot be bound: Camel's HTTP server only logs that
     * and the bridge would run without health and metrics. Started just before the server, it binds the address and
     * lets it go at once (a socket that never accepted leaves nothing behind for the server's bind to wait for).
     */
    private static final class PortProbe extends ServiceSupport {

        private final Settings settings;

        PortProbe(Settings settings) {
            this.settings = settings;
        }

        @Override
        protected void doStart() {
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(settings.host(), settings.port()));
            } catch (IOException e) {
                throw new IllegalStateException(PORT_SETTING + " " + settings.port() + " on " + HOST_SETTING + " "
                        + settings.host() + ": cannot listen there (" + e.getMessage() + "); choose a free port, an"
                        + " address of this machine, or " + PORT_SETTING + "=off");
            }
        }
    }

    private static String path(PropertiesComponent properties, String key, String defaultValue) {
        String path = properties.resolveProperty(key).map(String::trim).filter(p -> !p.isEmpty()).orElse(defaultValue);
        if (!path.startsWith("/") || path.length() < 2 || path.endsWith("/") || path.contains(" ")) {
            throw new IllegalArgumentException(key + " must be an absolute path such as " + defaultValue
                    + " (no trailing slash), was '" + path + "'");
        }
        return path;
    }

    /**
     * The registry every meter goes to: the one bound as {@value #METER_REGISTRY_NAME}, else a new Prometheus
     * registry bound there (so camel-micrometer's endpoints and the scrape find the same one).
     */
    public static MeterRegistry meterRegistry(CamelContext context) {
        synchronized (context) {
            MeterRegistry registry = context.getRegistry()
                    .lookupByNameAndType(METER_REGISTRY_NAME,
                            MeterRegistry.class);
            if (registry == null) {
                registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                context.getRegistry().bind(METER_REGISTRY_NAME, MeterRegistry.class, registry);
            }
            return registry;
        }
    }

    /**
     * {@code mmi_build_info{version}}: always 1, its label the running version, the usual way to see in a dashboard
     * which version each bridge runs and when it changed.
     */
    static void buildInfo(MeterRegistry registry) {
        Gauge.builder("mmi.build.info", () -> 1)
                .description("The mmi version, as the label version; always 1")
                .tag("version", MmiVersion.get())
                .strongReference(true)
                .register(registry);
    }

    /** {@code mmi.device.connected{device}}: 1 while the named device is connected, read at every scrape. */
    public static void deviceConnected(MeterRegistry registry, String device, BooleanSupplier connected) {
        Gauge.builder("mmi.device.connected", connected, c -> c.getAsBoolean() ? 1 : 0)
                .description("1 while the device is connected and answering")
                .tag("device", device)
                // The supplier is a lambda nobody else holds: a weak reference (the default) would read NaN after GC.
                .strongReference(true)
                .register(registry);
    }

    /**
     * {@code mmi.device.crc.absent{device}}: measurement replies that came without checksum (fw 1.x builds left it
     * out); {@code mmi.ingest.crc-absent} decides whether they are published.
     */
    public static Counter deviceCrcAbsent(MeterRegistry registry, String device) {
        return Counter.builder("mmi.device.crc.absent")
                .description("Measurement replies received without checksum")
                .tag("device", device)
                .register(registry);
    }

    /**
     * {@code mmi.device.lines.skipped{port}}: lines passed over while a reply was awaited (noise, a line without
     * checksum that is not the reply); the session kept waiting for the reply.
     */
    public static Counter deviceLinesSkipped(MeterRegistry registry, String port) {
        return Counter.builder("mmi.device.lines.skipped")
                .description("Lines skipped while waiting for a device reply")
                .tag("port", port)
                .register(registry);
    }

    /** {@code mmi.dead.letters{reason}}: dead letters made, by reason (the last level of their topic). */
    public static Counter deadLetters(MeterRegistry registry, String reason) {
        return Counter.builder("mmi.dead.letters")
                .description("Dead letters, by reason")
                .tag("reason", reason == null ? FailureReason.INTERNAL_ERROR.code() : reason)
                .register(registry);
    }
}
