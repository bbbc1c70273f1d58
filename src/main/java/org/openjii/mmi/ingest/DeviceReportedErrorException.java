package org.openjii.mmi.ingest;

/**
 * The device reported an error instead of (or inside) its data: a top-level {@code {"error":...}} object, or an
 * {@code error} field in a sample object or a {@code set} entry, such as {@code "battery low"} from
 * {@code check_battery}. Such output is a dead letter, not data: openJII would store the error as a measurement.
 */
public class DeviceReportedErrorException extends IngestException {

    public static final String REASON = "device-error";

    private final String deviceError;

    public DeviceReportedErrorException(String message, String deviceError) {
        super(REASON, message);
        this.deviceError = deviceError;
    }

    /** The device's own error text, e.g. {@code battery low}. */
    public String deviceError() {
        return deviceError;
    }
}
