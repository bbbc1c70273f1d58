package org.openjii.mmi.control;

import org.openjii.mmi.component.iot.IotConstants;

/**
 * Header names the command steps set and read. The request itself travels as the body until the device's reply
 * replaces it; these headers carry what the route needs after that. {@link ParseCommandRequest} also sets the
 * {@code multispeq:} producer's {@code CamelMultispeqCommand} and, for a protocol run, the ingest pipeline's
 * {@code MmiExperimentId} and {@code MmiProtocolId}. Those the {@code iot:command} consumer sets are its own
 * header names.
 */
public final class CommandHeaders {

    /** {@code command}, {@code protocol}, {@code cancel} or {@code status} ({@link CommandRequest.Kind#label()}). */
    public static final String KIND = "MmiCommandKind";

    /** The device the request names; absent when it names none. */
    public static final String DEVICE = "MmiCommandDevice";

    /**
     * When the bridge received the request (an {@link java.time.Instant}); {@code duration_ms} counts from here. Set
     * it on arrival to count the time before parsing too; {@link ParseCommandRequest} sets it when absent.
     */
    public static final String RECEIVED_AT = IotConstants.RECEIVED_AT;

    /**
     * The ids of the data messages a protocol run became (a {@code List<String>}), for {@code message_ids}; the
     * {@code iot:data} producer collects them as the ingest pipeline stores them.
     */
    public static final String MESSAGE_IDS = "MmiCommandMessageIds";

    /** The port of the chosen device ({@link RemoteCommands#selectDevice}), for the {@code multispeq:} endpoint. */
    public static final String PORT = "MmiCommandPort";

    /** The topic the request arrived on, kept by the route's first step. */
    public static final String REQUEST_TOPIC = "MmiCommandRequestTopic";

    /** The request's payload as it arrived ({@code byte[]}), for its dead letter should it fail. */
    public static final String REQUEST_PAYLOAD = "MmiCommandRequestPayload";

    /**
     * Where the response goes: the request's MQTT 5 response topic as it came, and once checked the one to answer
     * on (else the fallback topic).
     */
    public static final String RESPONSE_TOPIC = IotConstants.RESPONSE_TOPIC;

    /** The request's MQTT 5 correlation data ({@code byte[]}), echoed in the response. */
    public static final String CORRELATION_DATA = IotConstants.CORRELATION_DATA;

    /** When the request's MQTT 5 message expiry passes (an {@link java.time.Instant}); absent: never. */
    public static final String EXPIRES_AT = IotConstants.EXPIRES_AT;

    /** Set by {@link BuildCommandResponse}: the error code of a failure response; absent on success. */
    public static final String ERROR_CODE = "MmiCommandErrorCode";

    private CommandHeaders() {
    }
}
