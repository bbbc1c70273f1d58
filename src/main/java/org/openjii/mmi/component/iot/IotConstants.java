package org.openjii.mmi.component.iot;

import org.apache.camel.spi.Metadata;

/** Header (and exchange property) names of the {@code iot:} component. */
public final class IotConstants {

    @Metadata(label = "producer", description = "The topic to publish to, instead of the endpoint's topic option. On a"
            + " consumer: the topic the message arrived on.", javaType = "String")
    public static final String TOPIC = "CamelIotTopic";
    @Metadata(label = "producer", description = "The message id (a UUID string) to store and publish the message under;"
            + " a new one when absent. It travels as the MQTT 5 user property message-id. After the producer: the id"
            + " the message was stored under.", javaType = "String")
    public static final String MESSAGE_ID = "CamelIotMessageId";
    @Metadata(label = "producer", description = "The identity (connection) to publish with, instead of the endpoint's"
            + " identity option: in openJII mode the Thing of the instrument that measured. On a consumer: the"
            + " identity the message arrived on.", javaType = "String")
    public static final String IDENTITY = "CamelIotIdentity";
    @Metadata(label = "producer", description = "When the message's data came into being (a device's last byte), an"
            + " Instant: the delivery latency meter counts from it to the PUBACK.", javaType = "java.time.Instant")
    public static final String ORIGIN_TIME = "CamelIotOriginTime";
    @Metadata(label = "producer", description = "For a dead letter whose envelope carries only the start of its input:"
            + " the complete raw input (byte[]), kept in the outbox's raw_input table under the message id.", javaType = "byte[]")
    public static final String RAW_INPUT = "CamelIotRawInput";
    @Metadata(label = "consumer,producer", description = "MQTT 5 correlation data (byte[]): on a consumer the request's,"
            + " on a response producer the data to echo.", javaType = "byte[]")
    public static final String CORRELATION_DATA = "CamelIotCorrelationData";
    @Metadata(label = "consumer", description = "The MQTT 5 response topic the request names, as sent (check it before"
            + " publishing to it).", javaType = "String")
    public static final String RESPONSE_TOPIC = "CamelIotResponseTopic";
    @Metadata(label = "consumer", description = "When the message arrived, an Instant.", javaType = "java.time.Instant")
    public static final String RECEIVED_AT = "CamelIotReceivedAt";
    @Metadata(label = "consumer", description = "When the message's MQTT 5 message expiry passes (counted from its"
            + " arrival), an Instant; absent without an expiry.", javaType = "java.time.Instant")
    public static final String EXPIRES_AT = "CamelIotExpiresAt";

    /**
     * Exchange property (not a header): a {@code List<String>} the producer adds the id of every data message it
     * stores to. A route that asks for a measurement sets it before the ingest route; the split shares it with every
     * part.
     */
    public static final String COLLECTED_MESSAGE_IDS = "CamelIotCollectedMessageIds";
    /** Exchange property: like {@link #COLLECTED_MESSAGE_IDS}, a {@code Map<String, String>} of message id → topic. */
    public static final String COLLECTED_TOPICS = "CamelIotCollectedTopics";
    /**
     * Exchange property: an {@code IdempotentRepository} of message ids an earlier, interrupted run of the same input
     * (a backfill) stored. A message whose id it holds is not stored again; one that is stored is added to it.
     */
    public static final String STORED_MESSAGE_IDS = "CamelIotStoredMessageIds";

    private IotConstants() {
    }
}
