package org.openjii.mmi.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.openjii.mmi.observe.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;

/**
 * The subscriptions of one {@link MqttConnection}: made on every connect (whatever the broker kept of the session), and
 * the hand-over of each received message to the subscription whose filter matches its topic.
 */
final class Subscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

    private final Map<String, MqttConnection.Subscription> byFilter = new ConcurrentHashMap<>();
    /** Lines a sender could make the bridge repeat: at most one per 10 s each, with the count. */
    private final RateLimitedLog unmatched = new RateLimitedLog(LOG, Duration.ofSeconds(10), Clock.systemUTC());
    private final RateLimitedLog retainedIgnored = new RateLimitedLog(LOG, Duration.ofSeconds(10),
            Clock.systemUTC());
    /** The connection that is up, or null: what {@link #add} subscribes on. */
    private MqttWire live;

    /**
     * Adds a subscription; sent now when a connection is up, else by {@link #connected} (never both: a SUBSCRIBE
     * sent twice would make an MQTT 3.1.1 broker send its retained messages twice).
     */
    synchronized void add(String filter, MqttConnection.Subscription subscription) {
        byFilter.put(filter, subscription);
        if (live != null) {
            send(live, filter, subscription);
        }
    }

    void remove(String filter) {
        byFilter.remove(filter);
    }

    /** A connection came up: subscribes to every filter (whatever the broker kept of the session). */
    synchronized void connected(MqttWire wire) {
        live = wire;
        byFilter.forEach((filter, subscription) -> send(wire, filter, subscription));
    }

    /** The connection is down: what is added now waits for the next {@link #connected}. */
    synchronized void disconnected() {
        live = null;
    }

    private static void send(MqttWire wire, String filter, MqttConnection.Subscription subscription) {
        wire.subscribe(filter, subscription.qos(), subscription.retainedWanted()).whenComplete((code, error) -> {
            if (error != null) {
                LOG.warn("Subscribing to {} failed: {}; trying again on the next connection", filter,
                        MqttConnection.describe(error));
            } else if (MqttReasonCodes.isFailure(code)) {
                LOG.error("The broker refused the subscription to {}: {}", filter, MqttReasonCodes.describe(code));
            } else {
                LOG.info("Subscribed to {} (QoS {})", filter, code);
            }
        });
    }

    /**
     * Hands a message to the subscription that matches its topic (on the callback executor, in arrival order). A
     * retained message is acknowledged and ignored unless the subscription wants those: with MQTT 5 the broker does
     * not send them (Retain Handling 2), with MQTT 3.1.1 it does at every subscription.
     */
    void dispatch(MqttConnection.ReceivedMessage message) {
        String topic = message.topic();
        MqttTopic parsed = MqttTopic.of(topic);
        MqttConnection.Subscription match = null;
        for (Map.Entry<String, MqttConnection.Subscription> subscription : byFilter.entrySet()) {
            if (MqttTopicFilter.of(subscription.getKey()).matches(parsed)) {
                match = subscription.getValue();
                break;
            }
        }
        if (match == null) {
            unmatched.warn("Ignoring a message on {}: no subscription matches it", topic);
            message.acknowledge();
            return;
        }
        if (message.retained() && !match.retainedWanted()) {
            retainedIgnored.warn("Ignoring a retained message on {}: requests are taken only as they are sent, never"
                    + " replayed", topic);
            message.acknowledge();
            return;
        }
        try {
            match.handler().arrived(message);
        } catch (RuntimeException e) {
            LOG.error("Handling a message on {} failed: {}", topic, e.getMessage(), e);
            message.acknowledge();
        }
    }
}
