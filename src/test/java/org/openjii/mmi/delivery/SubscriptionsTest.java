package org.openjii.mmi.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;

import io.reactivex.Flowable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each filter is subscribed once per connection: at the connect for what was added before it, at the add for what
 * comes while connected, and never at both (a second SUBSCRIBE makes an MQTT 3.1.1 broker send its retained messages
 * again).
 */
class SubscriptionsTest {

    private static final MqttConnection.Subscription COMMANDS = new MqttConnection.Subscription(1, false,
            MqttConnection.ReceivedMessage::acknowledge);

    private final Subscriptions subscriptions = new Subscriptions();

    @Test
    void aFilterAddedBeforeTheConnectionIsSubscribedOnceWhenItComesUp() {
        SubscribeLog wire = new SubscribeLog();
        subscriptions.add("mmi/v1/gw-7/command", COMMANDS);

        subscriptions.connected(wire);

        assertThat(wire.filters).containsExactly("mmi/v1/gw-7/command");
    }

    @Test
    void aFilterAddedWhileConnectedIsSubscribedOnceAndNotAgainUntilTheNextConnection() {
        SubscribeLog first = new SubscribeLog();
        subscriptions.add("a/#", COMMANDS);
        subscriptions.connected(first);

        subscriptions.add("b/#", COMMANDS);

        assertThat(first.filters).containsExactly("a/#", "b/#");
        SubscribeLog second = new SubscribeLog();
        subscriptions.disconnected();
        subscriptions.connected(second);
        assertThat(second.filters).containsExactlyInAnyOrder("a/#", "b/#");
        assertThat(first.filters).hasSize(2);
    }

    @Test
    void aFilterAddedWhileDisconnectedWaitsForTheNextConnection() {
        SubscribeLog first = new SubscribeLog();
        subscriptions.connected(first);
        subscriptions.disconnected();

        subscriptions.add("mmi/v1/gw-7/command", COMMANDS);

        assertThat(first.filters).isEmpty();
        SubscribeLog second = new SubscribeLog();
        subscriptions.connected(second);
        assertThat(second.filters).containsExactly("mmi/v1/gw-7/command");
    }

    @Test
    void aRemovedFilterIsNotSubscribedAtTheNextConnection() {
        subscriptions.add("mmi/v1/gw-7/command", COMMANDS);
        subscriptions.remove("mmi/v1/gw-7/command");
        SubscribeLog wire = new SubscribeLog();

        subscriptions.connected(wire);

        assertThat(wire.filters).isEmpty();
    }

    /** A wire that records the filters it is asked to subscribe to and grants QoS 1; it does nothing else. */
    private static final class SubscribeLog implements MqttWire {

        final List<String> filters = new ArrayList<>();

        @Override
        public CompletableFuture<Integer> subscribe(String filter, int qos, boolean retainedWanted) {
            filters.add(filter);
            return CompletableFuture.completedFuture(qos);
        }

        @Override
        public MqttVersion version() {
            return MqttVersion.V5;
        }

        @Override
        public MqttClient client() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Granted> connect(Connect connect) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Granted granted(MqttClientConnectedContext context) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void reconnect(MqttClientReconnector reconnector, Connect connect, Duration delay) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Flowable<MqttConnection.ReceivedMessage> received() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Integer> publish(MqttConnection.Outgoing message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> disconnect() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Refusal> refusal(Throwable cause) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean mayBeRefusal(Throwable cause) {
            throw new UnsupportedOperationException();
        }
    }
}
