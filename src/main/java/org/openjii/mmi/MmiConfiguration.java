package org.openjii.mmi;

import java.nio.file.Path;
import java.util.Optional;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.broker.EmbeddedBroker;
import org.openjii.mmi.broker.EmbeddedBrokerPresence;
import org.openjii.mmi.component.iot.IotComponent;
import org.openjii.mmi.component.iot.IotConfiguration;
import org.openjii.mmi.component.iot.IotIdentity;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.control.BridgeStatus;
import org.openjii.mmi.control.RemoteCommands;
import org.openjii.mmi.delivery.DeliverySettings;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.observe.Observability;
import org.openjii.mmi.observe.SettingsSummary;
import org.openjii.mmi.openjii.OpenJiiMode;
import org.openjii.mmi.routes.DeviceRouteManager;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.support.Durations;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Wiring that YAML cannot express: health and metrics over HTTP ({@code mmi.http.*}), the device route manager
 * ({@code mmi.device.*}), the embedded MQTT broker ({@code mmi.mqtt.broker-url=embedded}, {@code mmi.embedded.*}), the
 * {@code iot:} component's default identity from {@code mmi.mqtt.*} and {@code mmi.outbox.*} (its outbox and
 * connection; with {@code mmi.mqtt.broker-url=log} it prints instead) or, in openJII mode ({@code mmi.openjii.dir}),
 * one per Thing of openJII's downloads ({@link OpenJiiMode}), the bridge status, and the steps of the
 * command route ({@code mmi.commands.*}). Loaded by name ({@code camel.main.configuration-classes}), so
 * {@code camel run} picks it up too.
 */
public class MmiConfiguration implements CamelConfiguration {

    /** The registry name of the JSON mapper the YAML routes marshal with ({@code objectMapper: mmiJson}). */
    public static final String JSON_MAPPER = "mmiJson";

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        ConfigurationKeys.check(properties, System.getProperties(), System.getenv());
        // Before any connection: the experiment and protocol ids the data would be filed under.
        PublishingIds.check(properties);
        // Read here, strictly, before the device routes turn "-1s" into 0 ("measure once").
        Durations.millis(properties, "mmi.device.interval", "10s");
        // The settings in force, once started (Camel's own summary is off: it masks the client id).
        context.addStartupListener(new StartupListener() {

            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // Logged when fully started.
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                SettingsSummary.log(started);
            }
        });
        // Health and Prometheus metrics over HTTP (mmi.http.*); the meter registry every mmi.* meter goes to.
        Observability.install(context);
        MeterRegistry meters = Observability.meterRegistry(context);
        DeviceRouteManager devices = new DeviceRouteManager();
        devices.setCamelContext(context);
        devices.setPorts(properties.resolveProperty("mmi.device.port").orElse("sim"));
        devices.setName(properties.resolveProperty("mmi.device.name").orElse("multispeq"));
        devices.setAll(Boolean.parseBoolean(properties.resolveProperty("mmi.device.all").orElse("false")));
        properties.resolveProperty("mmi.device.scan-patterns").ifPresent(devices::setScanPatterns);
        devices.setScanIntervalMillis(Durations.millis(properties, "mmi.device.scan-interval", "30s"));
        // mmi_device_connected{device}: read from the device's session at every scrape.
        devices.addRouteListener((name, port) -> Observability.deviceConnected(meters, name, () -> {
            DeviceSession session = context.getComponent("multispeq", MultispeqComponent.class).session(port);
            return session != null && session.isReady();
        }));
        context.addService(devices);
        context.addStartupListener(devices);

        // The JSON mapper of the routes' marshal steps (camel-jackson): numbers as the device printed them.
        context.getRegistry().bind(JSON_MAPPER, ObjectMapper.class, DeviceJson.mapper());
        IotComponent iot = context.getComponent("iot", IotComponent.class);
        // A data message the broker refuses is replaced by its dead letter, enveloped as the dead-letter route does.
        DeadLetterEnvelope envelope = DeadLetterEnvelope.fromProperties(properties);
        iot.deadLettersForRefusals((refused, refusal) -> {
            DeadLetterEnvelope.Letter letter = envelope.forRefusal(context, refused.topic(),
                    refusal.payloadIsTheProblem() ? null : refused.payload(), refusal);
            return new Outbox.DeadLetter(letter.messageId(), letter.topic(), letter.json());
        });
        String brokerUrl = properties.resolveProperty("mmi.mqtt.broker-url").orElse("log").trim();
        String clientId = properties.resolveProperty("mmi.mqtt.client-id").orElse("mmi");
        Optional<Path> openJii = OpenJiiMode.dir(properties);
        if (openJii.isPresent()) {
            // One identity per Thing of openJII's downloads, each connected while its MultispeQ is attached.
            OpenJiiMode.install(context, openJii.get(), devices);
        } else if ("log".equals(brokerUrl)) {
            iot.addLogIdentity(IotConfiguration.DEFAULT_IDENTITY, clientId);
        } else {
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
            // The SQLite library of the outbox, loaded meanwhile on the other core (0.2–0.4 s in the interpreter).
            Outbox.loadNativeLibraryInBackground(context.getExecutorServiceManager());
            // Its port is known once it is up (1883, or a free one when taken); the delivery waits for it.
            IotIdentity identity = iot.addIdentity(IotConfiguration.DEFAULT_IDENTITY,
                    DeliverySettings.fromProperties(properties, brokerUrl), embedded == null ? null
                            : embedded::awaitUrl);
            // The live status on the status topic (mmi.status.*), published over the default identity's connection.
            BridgeStatus status = BridgeStatus.fromProperties(context, devices::devices, identity.delivery());
            context.getRegistry().bind(BridgeStatus.BEAN_NAME, BridgeStatus.class, status);
            context.addService(status, true, true);
        }
        // The command route's steps (routes/commands.camel.yaml); bound without a broker too.
        context.getRegistry()
                .bind(RemoteCommands.BEAN_NAME, RemoteCommands.class,
                        RemoteCommands.fromProperties(context, devices));
    }
}
