package org.openjii.mmi.openjii;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.delivery.DeadLetterMode;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.PromptAnswers;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.routes.DeviceRouteManager;
import org.openjii.mmi.support.Durations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The openJII mode ({@value #DIR_SETTING}, {@code mmi run --openjii DIR}): everything comes from openJII's downloads in
 * DIR (docs/openjii.md). Each attached MultispeQ runs its Thing's onboarding plan from the route template
 * {@value #INSTRUMENT_TEMPLATE} (routes/openjii.camel.yaml) and publishes over its Thing's own connection, with only
 * what openJII's IoT policy allows: data topics, no retained message, no Will, no command topics (remote changes
 * arrive as script updates).
 */
public final class OpenJiiMode {

    private static final Logger LOG = LoggerFactory.getLogger(OpenJiiMode.class);

    public static final String DIR_SETTING = "mmi.openjii.dir";
    /** The device route of an instrument in openJII mode. */
    public static final String INSTRUMENT_TEMPLATE = "openjii-instrument";

    private OpenJiiMode() {
    }

    /** The downloads folder, when the openJII mode is on. */
    public static Optional<Path> dir(PropertiesComponent properties) {
        return properties.resolveProperty(DIR_SETTING).map(String::trim).filter(dir -> !dir.isEmpty()).map(Path::of);
    }

    /** Sets the mode up: the fleet, the plan and the script updates, and the device routes from its template. */
    public static void install(CamelContext context, Path dir, DeviceRouteManager devices) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        // openJII's IoT policy allows the data topics only: no command topics, no dead-letter topics, no status.
        properties.addOverrideProperty("mmi.commands.enabled", "false");
        properties.addOverrideProperty(DeadLetterMode.SETTING, "local");
        properties.addOverrideProperty("mmi.mqtt.status-topic", "");
        devices.setTemplate(INSTRUMENT_TEMPLATE);
        if (!explicit(properties, "mmi.device.port") && "sim".equals(properties.resolveProperty("mmi.device.port")
                .orElse("sim")
                .trim())) {
            // The shipped default is the simulator, which has no Thing: a gateway serves the MultispeQs plugged in.
            devices.setPorts("auto");
            devices.setAll(true);
            LOG.info("openJII mode: looking for every MultispeQ plugged in (mmi.device.port=auto, mmi.device.all=true);"
                    + " --set mmi.device.port=sim measures with the simulator instead");
        } else if ("auto".equals(properties.resolveProperty("mmi.device.port").orElse("").trim())) {
            // One gateway, many instruments: each has its Thing.
            devices.setAll(true);
        }
        Path outboxRoot = Path.of(properties.resolveProperty("mmi.outbox.dir").orElse("outbox").trim());
        String brokerUrl = configuredBrokerUrl(properties);
        int port = port(properties);
        KeyFiles keyFiles = new KeyFiles();
        ThingConnections connections = new ThingConnections(context, keyFiles, outboxRoot, brokerUrl, port);
        OpenJiiFleet fleet = new OpenJiiFleet(context, dir, Duration.ofMillis(Durations.millis(properties,
                "mmi.openjii.poll-interval", "5s")), Duration.ofMillis(
                        Durations.millis(properties,
                                "mmi.openjii.release-delay", "30s")),
                keyFiles, connections, new FleetReports(Observability.meterRegistry(context)), devicePort -> {
                    String routeId = devices.routes().get(devicePort);
                    return routeId == null ? 0 : context.getInflightRepository().size(routeId);
                });
        context.getRegistry().bind(OpenJiiFleet.BEAN_NAME, OpenJiiFleet.class, fleet);
        context.addService(fleet, true, true);
        context.getComponent("multispeq", MultispeqComponent.class).addSessionListener(fleet);
        OpenJiiHealthCheck check = new OpenJiiHealthCheck(fleet);
        check.setCamelContext(context);
        HealthCheckRegistry.get(context).register(check);

        CommandPolicy policy = CommandPolicy.ofCommaSeparated(properties.resolveProperty("mmi.commands.allow")
                .orElse(
                        ""));
        ScriptUpdates scripts = new ScriptUpdates(outboxRoot, policy);
        context.getRegistry().bind(ScriptUpdates.BEAN_NAME, ScriptUpdates.class, scripts);
        boolean acknowledgeAlerts = Boolean.parseBoolean(properties.resolveProperty("mmi.commands.acknowledge-alerts")
                .orElse("false")
                .trim());
        OpenJiiPlan plan = new OpenJiiPlan(fleet, scripts, Duration.ofMillis(Durations.millis(properties,
                "mmi.device.interval", "10s")), policy, new PromptAnswers(List.of(), acknowledgeAlerts));
        context.getRegistry().bind(OpenJiiPlan.BEAN_NAME, OpenJiiPlan.class, plan);
        // The SQLite library of the Things' outboxes, loaded meanwhile on the other core.
        Outbox.loadNativeLibraryInBackground(context.getExecutorServiceManager());
    }

    /**
     * Where a Thing connects: {@code ssl://{endpoint}:{mmi.openjii.port}}, or {@code mmi.openjii.broker-url} for
     * every Thing.
     */
    public static String brokerUrl(PropertiesComponent properties, OnboardingConfig config) {
        String configured = configuredBrokerUrl(properties);
        return configured != null ? configured : "ssl://" + config.endpoint() + ":" + port(properties);
    }

    private static String configuredBrokerUrl(PropertiesComponent properties) {
        return properties.resolveProperty("mmi.openjii.broker-url")
                .map(String::trim)
                .filter(url -> !url.isEmpty())
                .orElse(null);
    }

    /** Whether a key was given on the command line ({@code --set}), as a system property or an environment variable. */
    private static boolean explicit(PropertiesComponent properties, String key) {
        Properties overrides = properties instanceof org.apache.camel.component.properties.PropertiesComponent camel
                ? camel.getOverrideProperties()
                : null;
        return overrides != null && overrides.containsKey(key) || System.getProperty(key) != null || System.getenv(key
                .toUpperCase(Locale.ROOT)
                .replace('.', '_')
                .replace('-', '_')) != null;
    }

    private static int port(PropertiesComponent properties) {
        String text = properties.resolveProperty("mmi.openjii.port").orElse("8883").trim();
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // Refused below with the value.
        }
        throw new IllegalArgumentException("mmi.openjii.port must be a TCP port (8883, or 443 with ALPN), was '" + text
                + "'");
    }
}
