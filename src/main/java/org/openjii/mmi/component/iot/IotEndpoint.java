package org.openjii.mmi.component.iot;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.EndpointServiceLocation;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * Publish through a durable outbox to an MQTT broker (AWS IoT Core, Mosquitto, ...), and receive from it, on one
 * connection per identity.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "iot", title = "IoT (durable MQTT)", syntax = "iot:channel", category = {
        Category.IOT, Category.MESSAGING}, headersClass = IotConstants.class)
public class IotEndpoint extends DefaultEndpoint implements EndpointServiceLocation {

    @UriPath(enums = "data,dead-letter,response,command", description = "What the endpoint carries: data,"
            + " dead-letter and response are published (stored in the outbox first; a refused data message is replaced"
            + " by its dead letter, a refused dead letter or response is only quarantined); command is subscribed to.")
    @Metadata(required = true)
    private final String channel;

    @UriParam
    private final IotConfiguration configuration;

    private final IotChannel kind;

    public IotEndpoint(String uri, IotComponent component, IotChannel kind, IotConfiguration configuration) {
        super(uri, component);
        this.kind = kind;
        this.channel = kind.uriName();
        this.configuration = configuration;
    }

    @Override
    public IotComponent getComponent() {
        return (IotComponent) super.getComponent();
    }

    public String getChannel() {
        return channel;
    }

    IotChannel kind() {
        return kind;
    }

    public IotConfiguration getConfiguration() {
        return configuration;
    }

    @Override
    public String getServiceUrl() {
        IotIdentity identity = getComponent().findIdentity(configuration.getIdentity());
        return identity == null || identity.logOnly() ? "log" : identity.delivery().settings().brokerUrl();
    }

    @Override
    public String getServiceProtocol() {
        return "mqtt";
    }

    @Override
    public Producer createProducer() throws Exception {
        if (!kind.producible()) {
            throw new IllegalArgumentException("iot:" + channel + " is subscribed to, not published to: use it in"
                    + " from:, or publish to iot:data, iot:dead-letter or iot:response");
        }
        return new IotProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (kind.producible()) {
            throw new IllegalArgumentException("iot:" + channel + " is published to, not subscribed to: use it in"
                    + " to:, or subscribe with from: iot:command");
        }
        if (configuration.getTopic() == null || configuration.getTopic().isBlank()) {
            throw new IllegalArgumentException("iot:" + channel + " needs the topic option: the topic filter to"
                    + " subscribe to");
        }
        if (configuration.getQueueSize() < 1) {
            throw new IllegalArgumentException("iot:" + channel + ": queueSize must be at least 1");
        }
        IotConsumer consumer = new IotConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public boolean isSingleton() {
        return true;
    }
}
