package org.openjii.mmi.routes;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.ExtendedStartupListener;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.support.service.ServiceSupport;
import org.openjii.mmi.component.multispeq.transport.JSerialCommTransport;
import org.openjii.mmi.component.multispeq.transport.MultispeqProbe;
import org.openjii.mmi.component.multispeq.transport.SerialPortInfo;
import org.openjii.mmi.component.multispeq.transport.SerialPortScanner;
import org.openjii.mmi.component.multispeq.transport.SerialSettings;
import org.openjii.mmi.device.SerialTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device route per MultispeQ, made from the YAML route template {@value #TEMPLATE}: for each port listed in
 * {@code mmi.device.port} (sim, a path, or several separated by commas), or, with {@code mmi.device.port=auto} and
 * {@code mmi.device.all=true}, for every port that answers as a MultispeQ, rescanned every
 * {@code mmi.device.scan-interval} so a device plugged in later gets its route.
 * <p>
 * Routes are added once the context has fully started, when the YAML templates are loaded.
 */
public final class DeviceRouteManager extends ServiceSupport implements CamelContextAware, ExtendedStartupListener {

    /** The route template in routes/devices.camel.yaml; parameters {@code name} and {@code port}. */
    public static final String TEMPLATE = "multispeq-device";

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRouteManager.class);
    private static final String ROUTE_PREFIX = "device-";

    private CamelContext context;
    private String ports = "sim";
    private boolean all;
    private String name = "multispeq";
    private long scanIntervalMillis = 30_000;
    private String scanPatterns = String.join(",", SerialPortScanner.DEFAULT_PATTERNS);
    private String template = TEMPLATE;
    private ScheduledExecutorService scanner;
    private final Map<String, String> routesByPort = new LinkedHashMap<>();
    private final List<BiConsumer<String, String>> routeListeners = new CopyOnWriteArrayList<>();

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
    }

    /** {@code sim}, {@code auto}, a path, or several separated by commas. */
    public void setPorts(String ports) {
        this.ports = ports;
    }

    /** With {@code auto}: one route per MultispeQ found, instead of one route for the first. */
    public void setAll(boolean all) {
        this.all = all;
    }

    /** The device name of a single-device set-up (used in route ids, headers, health checks). */
    public void setName(String name) {
        this.name = name;
    }

    public void setScanIntervalMillis(long scanIntervalMillis) {
        this.scanIntervalMillis = scanIntervalMillis;
    }

    /** Told (device name, port) after a device route was added (the device metrics). */
    public void addRouteListener(BiConsumer<String, String> listener) {
        routeListeners.add(listener);
    }

    /** The route template of a device route (parameters {@code name} and {@code port}); default {@value #TEMPLATE}. */
    public void setTemplate(String template) {
        this.template = template;
    }

    public void setScanPatterns(String scanPatterns) {
        this.scanPatterns = scanPatterns;
    }

    /** Ports that have a route, with the route id. */
    public synchronized Map<String, String> routes() {
        return Map.copyOf(routesByPort);
    }

    /** The devices that have a route: device name → port, in the order their routes were added. */
    public synchronized Map<String, String> devices() {
        Map<String, String> devices = new LinkedHashMap<>();
        routesByPort.forEach((port, routeId) -> devices.put(routeId.substring(ROUTE_PREFIX.length()), port));
        return devices;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // Routes are added once everything, the YAML templates included, is up: onCamelContextFullyStarted.
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
        List<String> list = Arrays.stream(ports.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (list.equals(List.of("auto")) && all) {
            scanner = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "MultispeqScan");
            scanner.scheduleWithFixedDelay(this::scan, 0, scanIntervalMillis, TimeUnit.MILLISECONDS);
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            addRoute(list.size() == 1 ? name : name + "-" + (i + 1), list.get(i));
        }
    }

    /** Probes ports that have no route yet; a MultispeQ gets one. */
    void scan() {
        try {
            for (SerialPortInfo info : SerialPortScanner.list(Arrays.asList(scanPatterns.split(",")))) {
                String port = info.preferredPath();
                synchronized (this) {
                    if (routesByPort.containsKey(port) || JSerialCommTransport.isOpenHere(info.systemPath())) {
                        continue;
                    }
                }
                if (answersAsMultispeq(port)) {
                    addRouteOrLog(routeName(port), port);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Scanning for MultispeQs failed: {}", e.getMessage(), e);
        }
    }

    private static boolean answersAsMultispeq(String port) {
        try (SerialTransport transport = JSerialCommTransport.open(port, SerialSettings.defaults())) {
            return MultispeqProbe.probe(transport, MultispeqProbe.ATTEMPT_TIMEOUT, 2) == null;
        } catch (IOException e) {
            LOG.debug("Scan: {} cannot be probed: {}", port, e.getMessage());
            return false;
        }
    }

    /** A route name from a port path: its file name, reduced to letters, digits, dash and underscore. */
    static String routeName(String port) {
        String base = port.substring(port.lastIndexOf('/') + 1);
        return base.replaceAll("[^A-Za-z0-9_-]", "-").toLowerCase(Locale.ROOT);
    }

    private synchronized void addRoute(String deviceName, String port) throws Exception {
        if (routesByPort.containsKey(port)) {
            return;
        }
        String routeId = ROUTE_PREFIX + deviceName;
        TemplatedRouteBuilder.builder(context, template)
                .routeId(routeId)
                .parameter("name", deviceName)
                .parameter("port", port)
                .add();
        routesByPort.put(port, routeId);
        LOG.info("Device route {} for {} added", routeId, port);
        routeListeners.forEach(listener -> listener.accept(deviceName, port));
    }

    private void addRouteOrLog(String deviceName, String port) {
        try {
            addRoute(deviceName, port);
        } catch (Exception e) {
            LOG.error("Cannot add the device route for {}: {}", port, e.getMessage(), e);
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (scanner != null) {
            context.getExecutorServiceManager().shutdownNow(scanner);
            scanner = null;
        }
        super.doStop();
    }
}
