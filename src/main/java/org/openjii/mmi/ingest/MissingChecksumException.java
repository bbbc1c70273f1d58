package org.openjii.mmi.ingest;

/**
 * A device reply arrived without a checksum ({@code crc: absent}) and {@code mmi.ingest.crc-absent} is
 * {@code dead-letter}: the reply cannot be shown to be intact, so it goes to the dead letters instead of openJII.
 */
public class MissingChecksumException extends IngestException {

    public static final String REASON = "crc-absent";

    public MissingChecksumException(String message) {
        super(REASON, message);
    }
}
