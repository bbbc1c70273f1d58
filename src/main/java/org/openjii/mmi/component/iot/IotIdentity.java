package org.openjii.mmi.component.iot;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

import org.openjii.mmi.delivery.Delivery;

/**
 * One identity of the {@code iot:} component: a client id with its credentials, and what goes with it, one
 * connection, one outbox, one session, one flow-control budget ({@link Delivery}). Or, in log mode
 * ({@code mmi.mqtt.broker-url=log}), none of these: its messages are printed instead.
 */
public final class IotIdentity {

    private final String name;
    private final String clientId;
    private final Delivery delivery;
    private final List<ExecutorService> threads;

    IotIdentity(String name, String clientId, Delivery delivery, List<ExecutorService> threads) {
        this.name = Objects.requireNonNull(name, "name");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.delivery = delivery;
        this.threads = threads;
    }

    /** The executors of its connection, to shut down when the identity goes. */
    List<ExecutorService> threads() {
        return threads;
    }

    /** The name endpoints give in their {@code identity} option. */
    public String name() {
        return name;
    }

    /** The MQTT client id (on AWS IoT Core the Thing name). */
    public String clientId() {
        return clientId;
    }

    /** True when messages are printed, not published (no broker, no outbox). */
    public boolean logOnly() {
        return delivery == null;
    }

    /** The outbox, connection and publisher; {@code null} in log mode. */
    public Delivery delivery() {
        return delivery;
    }

    /** A topic with {@code {clientId}} replaced by this identity's client id. */
    String render(String topic) {
        return topic == null ? null : topic.replace("{clientId}", clientId);
    }

    @Override
    public String toString() {
        return name.equals(clientId) ? name : name + " (client id " + clientId + ")";
    }
}
