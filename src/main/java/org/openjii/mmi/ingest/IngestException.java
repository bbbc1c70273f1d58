package org.openjii.mmi.ingest;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;

/**
 * Why a device output cannot become an openJII ingest message: its {@link #reason()} names the dead-letter topic
 * ({@code mmi/dlq/{clientId}/{reason}}); the message says what was wrong with which value, for the operator reading
 * the dead letter. No caller tells these failures apart by type, so there are no subclasses.
 */
public class IngestException extends Exception implements ReasonCoded {

    private final FailureReason reason;

    public IngestException(FailureReason reason, String message) {
        this(reason, message, null);
    }

    public IngestException(FailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    @Override
    public FailureReason reason() {
        return reason;
    }
}
