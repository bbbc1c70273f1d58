package org.openjii.mmi.component.iot;

import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;

/** Options of an {@code iot:} endpoint. */
@UriParams
public class IotConfiguration implements Cloneable {

    public static final String DEFAULT_IDENTITY = "default";

    @UriParam(defaultValue = DEFAULT_IDENTITY)
    private String identity = DEFAULT_IDENTITY;
    @UriParam
    private String topic;
    @UriParam(label = "consumer", defaultValue = "false")
    private boolean retained;
    @UriParam(label = "consumer,advanced", defaultValue = "1000")
    private int queueSize = 1000;

    public String getIdentity() {
        return identity;
    }

    /**
     * The connection to use: its client id, credentials, outbox and session. default is the one configured by
     * mmi.mqtt.* (and mmi.outbox.*); in openJII mode every Thing is an identity of its own, named by its thingName.
     * Endpoints that name the same identity share one connection. A producer's CamelIotIdentity header wins.
     */
    public void setIdentity(String identity) {
        this.identity = identity;
    }

    public String getTopic() {
        return topic;
    }

    /**
     * Producer: the topic to publish to when the message has no CamelIotTopic header. Consumer: the topic filter to
     * subscribe to (+ and # allowed). {clientId} stands for the identity's client id.
     */
    public void setTopic(String topic) {
        this.topic = topic;
    }

    public boolean isRetained() {
        return retained;
    }

    /**
     * Whether the consumer takes retained messages. Off, the subscription asks the broker not to send them (Retain
     * Handling 2) and any that come anyway are acknowledged and dropped with a log line: a retained request would
     * otherwise run again at every start and reconnect.
     */
    public void setRetained(boolean retained) {
        this.retained = retained;
    }

    public int getQueueSize() {
        return queueSize;
    }

    /**
     * Messages that may wait for the route (which takes one at a time, in arrival order); beyond that a message is
     * acknowledged, counted as dropped and logged.
     */
    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public IotConfiguration copy() {
        try {
            return (IotConfiguration) clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }
}
