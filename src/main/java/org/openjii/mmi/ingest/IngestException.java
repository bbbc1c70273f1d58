package org.openjii.mmi.ingest;

import org.openjii.mmi.ReasonCoded;

/**
 * Why a device output cannot become an openJII ingest message. The {@link #reason()} names the dead-letter topic
 * ({@code mmi/dlq/{clientId}/{reason}}), so each subclass fixes its code; the message says what was wrong with which
 * value, for the operator reading the dead letter.
 */
public class IngestException extends Exception implements ReasonCoded {

    private final String reason;

    public IngestException(String reason, String message) {
        this(reason, message, null);
    }

    public IngestException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    @Override
    public String reason() {
        return reason;
    }
}
