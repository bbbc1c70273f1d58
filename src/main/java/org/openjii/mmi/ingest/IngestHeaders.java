package org.openjii.mmi.ingest;

import org.openjii.mmi.component.iot.IotConstants;

/**
 * Header names the ingest steps read and set. They are not {@code Camel*} headers: {@link #PROTOCOL_ID} and
 * {@link #EXPERIMENT_ID} are meant to be set by whoever asked for the run (a command route, a backfill), and the rest
 * describe the message for the routes that follow; those the {@code iot:} producer reads are its own header names.
 */
public final class IngestHeaders {

    /**
     * A UUID string, new for every message built (data or dead letter); travels as an MQTT 5 user property, and in a
     * data message's payload as {@code _client_id} ({@link SerializePayload} writes it there). The {@code iot:}
     * producer stores the message under it, so a redelivery carries the same id in both places.
     */
    public static final String MESSAGE_ID = IotConstants.MESSAGE_ID;

    /**
     * When set (a backfill: the file's SHA-256), message ids are not random but derived from it and the message's
     * place in the input, so the same file always gives the same ids and a resumed backfill can recognise what it sent.
     */
    public static final String MESSAGE_ID_SEED = "MmiMessageIdSeed";

    /**
     * A UUID string per measurement run, shared by all parts of a split run (and written to their {@code _split}). Set
     * it before parsing to keep an id from upstream.
     */
    public static final String RUN_ID = "MmiRunId";

    /** The data topic chosen for the message; on a dead letter, the dead-letter topic. The {@code iot:} producer's. */
    public static final String TOPIC = IotConstants.TOPIC;

    /** The platform protocol id (UUID) of the run; wins over the {@code protocolId} knob of the enrich step. */
    public static final String PROTOCOL_ID = "MmiProtocolId";

    /**
     * The {@code workbook_run_id} of the message (a UUID string): one id shared by every message of one workbook run,
     * which openJII keeps (its {@code sensor_schema}) and uses to put a run's rows together. Set it to one id per pass
     * over an experiment's procedures (openJII mode's plan does), so the measurements of a pass share it. Without it
     * the enrich step sets the run id ({@value #RUN_ID}) there on the messages of a run split into several, so the
     * parts stay linked in openJII, which drops {@code _split}; a whole run goes without.
     */
    public static final String WORKBOOK_RUN_ID = "MmiWorkbookRunId";

    /**
     * The {@code questions} (a JSON array of objects, as a Jackson {@code ArrayNode}) of a run requested over MQTT;
     * wins over the {@code questions} knob of the enrich step.
     */
    public static final String QUESTIONS = "MmiQuestions";

    /** The openJII experiment id; wins over the {@code experimentId} knob of the topic step. */
    public static final String EXPERIMENT_ID = "MmiExperimentId";

    /**
     * An openJII onboarding file's {@code topicPrefix} ({@code experiment/data_ingest/v1/{experimentId}/{sensorType}});
     * when set, the topic step publishes to {@code {topicPrefix}/{sensorVersion}/{sensorId}} instead of its template.
     */
    public static final String TOPIC_PREFIX = "MmiTopicPrefix";

    /** The device_id of the measurement, set by the enrich step for the topic step. */
    public static final String DEVICE_ID = "MmiDeviceId";

    /** The device_version of the measurement, set by the enrich step for the topic step. */
    public static final String DEVICE_VERSION = "MmiDeviceVersion";

    /**
     * The complete raw input of a dead letter whose envelope could carry only its start ({@code raw_truncated}):
     * {@code byte[]}, set by {@link DeadLetterEnvelope}, kept on disk by the outbox under the dead letter's message id.
     */
    public static final String RAW_INPUT = IotConstants.RAW_INPUT;

    /**
     * At most this many bytes of the input go into a dead letter's {@code raw} (an {@code Integer}), marked
     * {@code raw_truncated}, and nothing more is kept: set for input nobody measured, such as a request that could not
     * be read, so that a flood of large ones cannot fill the disk.
     */
    public static final String RAW_LIMIT = "MmiDeadLetterRawLimit";

    /** The reason of a dead letter (the last level of its topic), set by {@link DeadLetterEnvelope}. */
    public static final String DEAD_LETTER_REASON = "MmiDeadLetterReason";

    private IngestHeaders() {
    }
}
