package org.openjii.mmi.component.iot;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.builder.ThreadPoolBuilder;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.openjii.mmi.delivery.MqttConnection;
import org.openjii.mmi.observe.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Subscribes on its identity's connection (again after every reconnect) and hands each message to the route, one at
 * a time in arrival order, on a thread of its own from Camel's {@code ExecutorServiceManager}: never on the MQTT
 * client's threads, which also complete the publishes. A message is acknowledged (PUBACK) once the route is done with
 * it, so a request the process did not take is sent again by the broker.
 * <p>
 * Only the headers of {@link IotConstants} are set: MQTT user properties never become route headers, so a sender
 * cannot pose as a route step.
 */
public class IotConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(IotConsumer.class);

    private final Clock clock = Clock.systemUTC();
    private IotIdentity identity;
    private String filter;
    private ExecutorService worker;
    private Counter received;
    private Counter dropped;
    /** A flood would log a line per dropped message: at most one per 10 s, with the count. */
    private final RateLimitedLog droppedLog = new RateLimitedLog(LOG, Duration.ofSeconds(10), clock);

    public IotConsumer(IotEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public IotEndpoint getEndpoint() {
        return (IotEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        IotEndpoint endpoint = getEndpoint();
        IotConfiguration configuration = endpoint.getConfiguration();
        identity = endpoint.getComponent().identity(configuration.getIdentity());
        filter = identity.render(configuration.getTopic());
        if (identity.logOnly()) {
            LOG.info("iot:{} does not subscribe to {}: identity {} has no broker", endpoint.getChannel(), filter,
                    identity);
            return;
        }
        MeterRegistry meters = MicrometerUtils.getOrCreateMeterRegistry(endpoint.getCamelContext().getRegistry(),
                MicrometerConstants.METRICS_REGISTRY_NAME);
        received = Counter.builder("mmi.mqtt.received")
                .description("Messages that arrived on a subscription")
                .tag("identity", identity.name())
                .tag("channel", endpoint.getChannel())
                .register(meters);
        dropped = Counter.builder("mmi.mqtt.received.dropped")
                .description("Messages that arrived while the route had queueSize others waiting: acknowledged and"
                        + " dropped")
                .tag("identity", identity.name())
                .tag("channel", endpoint.getChannel())
                .register(meters);
        worker = new ThreadPoolBuilder(endpoint.getCamelContext()).poolSize(1)
                .maxPoolSize(1)
                .maxQueueSize(configuration.getQueueSize())
                .rejectedPolicy(ThreadPoolRejectedPolicy.Abort)
                .build(this, "IotConsumer[" + endpoint.getChannel() + "]");
        identity.delivery()
                .connection()
                .subscribe(filter, new MqttConnection.Subscription(1, configuration.isRetained(), this::arrived));
    }

    /** On the connection's callback thread: queue it for the route, or drop it when too many wait. */
    private void arrived(MqttConnection.ReceivedMessage message) {
        received.increment();
        try {
            worker.execute(() -> process(message));
        } catch (RejectedExecutionException e) {
            dropped.increment();
            droppedLog.error(
                    "Dropped a message on {}: {} messages are waiting for the route (a flood?); {} dropped so far",
                    message.topic(), getEndpoint().getConfiguration().getQueueSize(), (long) dropped.count());
            message.acknowledge();
        }
    }

    private void process(MqttConnection.ReceivedMessage message) {
        Exchange exchange = createExchange(message);
        getAsyncProcessor().process(exchange, doneSync -> {
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("Processing a message from " + message.topic() + " failed",
                        exchange, exchange.getException());
            }
            message.acknowledge();
            releaseExchange(exchange, false);
        });
    }

    private Exchange createExchange(MqttConnection.ReceivedMessage message) {
        Instant now = clock.instant();
        Exchange exchange = createExchange(false);
        Message in = exchange.getMessage();
        in.setBody(message.payload());
        in.setHeader(IotConstants.TOPIC, message.topic());
        in.setHeader(IotConstants.IDENTITY, identity.name());
        in.setHeader(IotConstants.RECEIVED_AT, now);
        if (message.responseTopic() != null) {
            in.setHeader(IotConstants.RESPONSE_TOPIC, message.responseTopic());
        }
        if (message.correlationData() != null) {
            in.setHeader(IotConstants.CORRELATION_DATA, message.correlationData());
        }
        if (message.messageExpirySeconds() != null) {
            // What the broker forwards is the time left (MQTT 5.0, 3.3.2.3.3): counted from arrival here.
            in.setHeader(IotConstants.EXPIRES_AT, now.plusSeconds(message.messageExpirySeconds()));
        }
        return exchange;
    }

    @Override
    protected void doStop() throws Exception {
        if (identity != null && !identity.logOnly() && identity.delivery().connection() != null) {
            // Only here: the broker keeps the subscription in the session, so requests sent while the bridge is
            // down wait for it.
            identity.delivery().connection().removeSubscription(filter);
        }
        if (worker != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownGraceful(worker);
            worker = null;
        }
        super.doStop();
    }
}
