package org.openjii.mmi.ingest;

/**
 * A message would exceed the payload limit (AWS IoT Core: 128 KB per PUBLISH) even after compression and splitting.
 * Retrying cannot help, so it goes to a dead letter; a certificate-authenticated device has no large-payload route in
 * openJII.
 */
public class PayloadTooLargeException extends IngestException {

    public static final String REASON = "payload-too-large";

    private final long sizeBytes;
    private final long limitBytes;

    public PayloadTooLargeException(String message, long sizeBytes, long limitBytes) {
        super(REASON, message);
        this.sizeBytes = sizeBytes;
        this.limitBytes = limitBytes;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
