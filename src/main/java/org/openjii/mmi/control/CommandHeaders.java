package org.openjii.mmi.control;

/**
 * Header names the command steps set and read. The request itself travels as the body until the device's reply
 * replaces it; these headers carry what the route needs after that. {@link ParseCommandRequest} also sets the
 * {@code multispeq:} producer's {@code CamelMultispeqCommand} and, for a protocol run, the ingest pipeline's
 * {@code MmiExperimentId} and {@code MmiProtocolId}.
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
    public static final String RECEIVED_AT = "MmiCommandReceivedAt";

    /**
     * The ids of the data messages a protocol run became (a {@code List<String>}), for {@code message_ids}; the
     * route collects them from {@code MmiMessageId} as the ingest pipeline publishes.
     */
    public static final String MESSAGE_IDS = "MmiCommandMessageIds";

    /** Set by {@link BuildCommandResponse}: the error code of a failure response; absent on success. */
    public static final String ERROR_CODE = "MmiCommandErrorCode";

    private CommandHeaders() {
    }
}
