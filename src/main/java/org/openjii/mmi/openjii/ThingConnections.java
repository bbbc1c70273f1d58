package org.openjii.mmi.openjii;

import java.nio.file.Path;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.component.iot.IotComponent;
import org.openjii.mmi.component.iot.IotIdentity;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.DeliverySettings;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

/**
 * A Thing's presence on the broker: its {@code iot:} identity (client id = Thing name, its key material, its own
 * outbox folder under {@code mmi.outbox.dir}) and the route that receives its scripts, made from the template
 * {@value #SCRIPTS_TEMPLATE} in routes/openjii.camel.yaml. Connection settings other than these come from
 * {@code mmi.mqtt.*} and {@code mmi.outbox.*} as for any identity.
 */
final class ThingConnections {

    static final String SCRIPTS_TEMPLATE = "openjii-scripts";
    private static final String SCRIPTS_ROUTE_PREFIX = "openjii-scripts-";

    private final CamelContext context;
    private final PropertiesComponent properties;
    private final KeyFiles keyFiles;
    private final Path outboxRoot;
    private final String brokerUrl;
    private final int port;

    /**
     * @param brokerUrl every Thing's broker instead of its onboarding file's endpoint; null:
     *     {@code ssl://endpoint:port}
     */
    ThingConnections(CamelContext context, KeyFiles keyFiles, Path outboxRoot, String brokerUrl, int port) {
        this.context = context;
        this.properties = context.getPropertiesComponent();
        this.keyFiles = keyFiles;
        this.outboxRoot = outboxRoot;
        this.brokerUrl = brokerUrl;
        this.port = port;
    }

    /** Where a Thing connects: its endpoint on {@code mmi.openjii.port} over TLS, unless one URL is configured. */
    String brokerUrl(OnboardingConfig config) {
        return brokerUrl != null ? brokerUrl : "ssl://" + config.endpoint() + ":" + port;
    }

    /** The topic openJII lets this Thing receive its scripts on. */
    static String scriptsTopic(String thingName, String sensorVersion) throws InvalidTopicException {
        TopicTemplate.checkValue("sensorVersion", sensorVersion);
        return "device/scripts/v1/multispeq/" + sensorVersion + "/" + thingName;
    }

    /**
     * Connects as the Thing (in the background: messages wait in its outbox until the broker accepts it) and
     * subscribes to its scripts.
     *
     * @throws Exception the key material or settings do not work (named), or the route could not be made
     */
    void connect(ThingState thing, String scriptsTopic) throws Exception {
        KeyFiles.Paths files = keyFiles.write(thing.keys);
        IotComponent iot = context.getComponent("iot", IotComponent.class);
        Delivery.Settings settings = DeliverySettings.fromProperties(properties, brokerUrl(thing.config.config()))
                .withIdentity(thing.name, files.certificate(), files.privateKey(), files.rootCas(), outboxRoot.resolve(
                        thing.name));
        try {
            iot.addIdentity(thing.name, settings, null);
        } catch (Exception e) {
            iot.removeIdentity(thing.name);
            throw e;
        }
        TemplatedRouteBuilder.builder(context, SCRIPTS_TEMPLATE)
                .routeId(SCRIPTS_ROUTE_PREFIX + thing.name)
                .parameter("thing", thing.name)
                .parameter("topic", scriptsTopic)
                .add();
        thing.connectedKeys = thing.keys.sha256();
        thing.connected = true;
    }

    /** Reconnects with the Thing's new key material; the outbox and session carry over. */
    void rotate(ThingState thing) throws Exception {
        keyFiles.write(thing.keys);
        IotIdentity identity = context.getComponent("iot", IotComponent.class).findIdentity(thing.name);
        if (identity != null && identity.delivery() != null) {
            identity.delivery().reloadKeyMaterial();
        }
        thing.connectedKeys = thing.keys.sha256();
    }

    /** Unsubscribes and disconnects; what waits in its outbox stays there for the next connection. */
    void release(ThingState thing) throws Exception {
        String routeId = SCRIPTS_ROUTE_PREFIX + thing.name;
        if (context.getRoute(routeId) != null) {
            context.getRouteController().stopRoute(routeId);
            context.removeRoute(routeId);
        }
        context.getComponent("iot", IotComponent.class).removeIdentity(thing.name);
        thing.connected = false;
        thing.connectedKeys = null;
    }

    /** How many messages wait in the Thing's outbox; 0 when it has no connection. */
    long waiting(ThingState thing) {
        IotIdentity identity = context.getComponent("iot", IotComponent.class).findIdentity(thing.name);
        return identity == null || identity.delivery() == null || identity.delivery().outbox() == null ? 0
                : identity.delivery().outbox().depth();
    }

    /** The problem to show for a failed connect: the configuration sentence, without a stack trace. */
    static String describe(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MqttConfigurationException) {
                return cause.getMessage();
            }
        }
        return e.getMessage();
    }
}
