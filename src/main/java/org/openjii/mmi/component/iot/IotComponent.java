package org.openjii.mmi.component.iot;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.DeliveryThreads;
import org.openjii.mmi.delivery.OutboxPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The {@code iot:} component: durable MQTT publishing and subscribing. It owns the connections, one per identity
 * (client id and credentials), each with its own outbox, session and flow-control budget; every endpoint that names
 * the same identity shares it. Identities are added by the application's configuration ({@code mmi.mqtt.*} makes
 * {@value IotConfiguration#DEFAULT_IDENTITY}; openJII's downloads make one per Thing) before or while the context
 * runs.
 */
@Component("iot")
public class IotComponent extends DefaultComponent {

    private static final Logger LOG = LoggerFactory.getLogger(IotComponent.class);

    private final Map<String, IotIdentity> identities = new ConcurrentHashMap<>();
    private volatile OutboxPublisher.DeadLetters refusals;

    public IotComponent() {
    }

    public IotComponent(CamelContext context) {
        super(context);
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        IotChannel channel = IotChannel.parse(remaining);
        IotEndpoint endpoint = new IotEndpoint(uri, this, channel, new IotConfiguration());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /**
     * How a refused data message becomes the dead letter stored in its place (the application's dead-letter
     * envelope); without one, a refused message is only kept in the quarantine.
     */
    public void deadLettersForRefusals(OutboxPublisher.DeadLetters refusals) {
        this.refusals = refusals;
    }

    /**
     * Adds an identity that publishes through an outbox and its own connection.
     *
     * @param brokerUrl where it connects, asked when it starts (the embedded broker's port is known only then); null:
     *     the settings' URL
     */
    public synchronized IotIdentity addIdentity(String name, Delivery.Settings settings, Supplier<String> brokerUrl)
            throws Exception {
        if (identities.containsKey(name)) {
            throw new IllegalArgumentException("The iot: identity " + name + " exists already");
        }
        ExecutorServiceManager threads = getCamelContext().getExecutorServiceManager();
        ExecutorService network = threads.newSingleThreadExecutor(this, "IotNetwork[" + name + "]");
        ExecutorService callbacks = threads.newSingleThreadExecutor(this, "IotCallbacks[" + name + "]");
        ScheduledExecutorService ticks = threads.newSingleThreadScheduledExecutor(this, "IotOutbox[" + name + "]");
        Delivery delivery = new Delivery(name, settings, new Delivery.Resources(network, callbacks, ticks,
                DeliveryThreads.of(threads, this), meterRegistry(),
                (refused, refusal) -> {
                    OutboxPublisher.DeadLetters current = refusals;
                    return current == null ? null : current.of(refused, refusal);
                }), Clock.systemUTC());
        if (brokerUrl != null) {
            delivery.connectTo(brokerUrl);
        }
        IotIdentity identity = new IotIdentity(name, settings.connection().clientId(), delivery,
                List.of(network, callbacks, ticks));
        identities.put(name, identity);
        if (isStarted() || isStarting()) {
            start(identity);
        }
        return identity;
    }

    /** Adds an identity whose messages are printed, not published ({@code mmi.mqtt.broker-url=log}). */
    public synchronized IotIdentity addLogIdentity(String name, String clientId) {
        IotIdentity identity = new IotIdentity(name, clientId, null, List.of());
        identities.put(name, identity);
        return identity;
    }

    /** Stops an identity (its connection closes, its outbox keeps what waits) and forgets it. */
    public synchronized void removeIdentity(String name) {
        IotIdentity identity = identities.remove(name);
        if (identity != null) {
            stop(identity);
            identity.threads().forEach(getCamelContext().getExecutorServiceManager()::shutdown);
        }
    }

    /**
     * The identity of that name.
     *
     * @throws IllegalArgumentException naming the known identities, when there is none of that name
     */
    public IotIdentity identity(String name) {
        IotIdentity identity = identities.get(name);
        if (identity == null) {
            throw new IllegalArgumentException("No iot: identity named '" + name + "'; known: "
                    + (identities.isEmpty() ? "none (no MQTT broker configured)"
                            : String.join(", ", identities
                                    .keySet())));
        }
        return identity;
    }

    /** The identity of that name, or null. */
    public IotIdentity findIdentity(String name) {
        return identities.get(name);
    }

    public List<IotIdentity> identities() {
        return List.copyOf(identities.values());
    }

    private MeterRegistry meterRegistry() {
        return MicrometerUtils.getOrCreateMeterRegistry(getCamelContext().getRegistry(),
                MicrometerConstants.METRICS_REGISTRY_NAME);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        for (IotIdentity identity : identities.values()) {
            start(identity);
        }
    }

    private void start(IotIdentity identity) throws Exception {
        Delivery delivery = identity.delivery();
        if (delivery == null) {
            LOG.info("iot: identity {} prints what it would publish (no broker, no outbox)", identity);
            return;
        }
        ServiceHelper.startService(delivery);
        HealthCheckRegistry health = HealthCheckRegistry.get(getCamelContext());
        if (health != null) {
            delivery.healthCheck().setCamelContext(getCamelContext());
            delivery.outboxHealthCheck().setCamelContext(getCamelContext());
            health.register(delivery.healthCheck());
            health.register(delivery.outboxHealthCheck());
        }
    }

    private void stop(IotIdentity identity) {
        Delivery delivery = identity.delivery();
        if (delivery == null) {
            return;
        }
        HealthCheckRegistry health = HealthCheckRegistry.get(getCamelContext());
        if (health != null && delivery.healthCheck() != null) {
            health.unregister(delivery.healthCheck());
            health.unregister(delivery.outboxHealthCheck());
        }
        ServiceHelper.stopService(delivery);
    }

    @Override
    protected void doStop() throws Exception {
        for (IotIdentity identity : identities.values()) {
            stop(identity);
        }
        super.doStop();
    }

    /**
     * Lets the identities' threads go without waiting for them. The network thread stays busy while a CONNECT the
     * broker never answers waits out {@code mmi.mqtt.connect-timeout}, and Camel's fail-safe would hold the shutdown
     * that long; the connections are closed by now, the threads are daemons and hold nothing the outbox needs.
     */
    @Override
    protected void doShutdown() throws Exception {
        ExecutorServiceManager threads = getCamelContext().getExecutorServiceManager();
        for (IotIdentity identity : identities.values()) {
            identity.threads().forEach(threads::shutdown);
        }
        super.doShutdown();
    }
}
