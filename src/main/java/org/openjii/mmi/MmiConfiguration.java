package org.openjii.mmi;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.broker.EmbeddedBroker;
import org.openjii.mmi.broker.EmbeddedBrokerPresence;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.control.BridgeStatus;
import org.openjii.mmi.control.CommandGateway;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.routes.DeviceRouteManager;

/**
 * Wiring that YAML cannot express: health and metrics over HTTP ({@code mmi.http.*}), the device route manager
 * ({@code mmi.device.*}), the embedded MQTT broker ({@code mmi.mqtt.broker-url=embedded}, {@code mmi.embedded.*}),
 * unless the URL is {@code log} the
 * delivery service ({@code mmi.mqtt.*}, {@code mmi.outbox.*}: outbox, MQTT connection, publisher), and the remote
 * command gateway ({@code mmi.commands.*}). Loaded by name
 * ({@code camel.main.configuration-classes}), so {@code camel run} picks it up too.
 */
public class MmiConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        ConfigurationKeys.check(properties, System.getProperties(), System.getenv());
        // Read here, strictly, before the device routes turn "-1s" into 0 ("measure once").
        Durations.millis(properties, "mmi.device.interval", "10s");
        // Health and Prometheus metrics over HTTP (mmi.http.*); the meter registry every mmi.* meter goes to.
        Observability.install(context);
        DeviceRouteManager devices = new DeviceRouteManager();
        devices.setCamelContext(context);
        devices.setPorts(properties.resolveProperty("mmi.device.port").orElse("sim"));
        devices.setName(properties.resolveProperty("mmi.device.name").orElse("multispeq"));
        devices.setAll(Boolean.parseBoolean(properties.resolveProperty("mmi.device.all").orElse("false")));
        properties.resolveProperty("mmi.device.scan-patterns").ifPresent(devices::setScanPatterns);
        devices.setScanIntervalMillis(Durations.millis(properties, "mmi.device.scan-interval", "30s"));
        // mmi_device_connected{device}: read from the device's session at every scrape.
        devices.addRouteListener((name, port) -> Observability.deviceConnected(Observability.meterRegistry(context),
                name, () -> {
                    DeviceSession session = context.getComponent("multispeq", MultispeqComponent.class).session(port);
                    return session != null && session.isReady();
                }));
        context.addService(devices);
        context.addStartupListener(devices);

        String brokerUrl = properties.resolveProperty("mmi.mqtt.broker-url").orElse("log").trim();
        EmbeddedBroker embedded = null;
        if (EmbeddedBroker.BROKER_URL.equals(brokerUrl)) {
            // ./mmi run's default: a broker in this process on loopback, begun now, in parallel with loading the
            // routes. Added before the delivery, it is up before the delivery connects and stopped after it. The
            // production image has none: that stops here with one line.
            EmbeddedBrokerPresence.require(context);
            embedded = EmbeddedBroker.fromProperties(context);
            embedded.startInBackground();
            context.addService(embedded, true, false);
            brokerUrl = EmbeddedBroker.LOOPBACK_URL;
        }
        if (!"log".equals(brokerUrl)) {
            // The SQLite library of the outbox, loaded meanwhile on the other core (0.2–0.4 s in the interpreter).
            Outbox.loadNativeLibraryInBackground();
            Delivery delivery = Delivery.fromProperties(context, brokerUrl);
            if (embedded != null) {
                // Its port is known once it is up (1883, or a free one when taken); the delivery waits for it.
                delivery.connectTo(embedded::awaitUrl);
            }
            context.getRegistry().bind(Delivery.BEAN_NAME, Delivery.class, delivery);
            // Started with the context, before the routes: a message can be stored as soon as a route runs.
            context.addService(delivery, true, true);
            // The live status on the status topic (mmi.status.*), after the delivery whose connection publishes it.
            BridgeStatus status = BridgeStatus.fromProperties(context, devices::devices, delivery);
            context.getRegistry().bind(BridgeStatus.BEAN_NAME, BridgeStatus.class, status);
            context.addService(status, true, true);
        }
        // Bound without a broker too: routes/commands.camel.yaml refers to it (it then subscribes to nothing).
        CommandGateway commands = CommandGateway.fromProperties(context, devices);
        context.getRegistry().bind(CommandGateway.BEAN_NAME, CommandGateway.class, commands);
        context.addService(commands, true, true);
    }
}
