package org.openjii.mmi.ingest;

/**
 * The input is not a measurement. Two codes, so a dead-letter reader knows at once whether to look for broken bytes
 * or for a wrong shape:
 * <ul>
 * <li>{@value #INVALID_JSON}: the text is not one JSON value even after {@code nan}/{@code inf}/{@code nil} were
 * turned into {@code null} (empty, cut off, trailing garbage). The component uses the same code for the same failure,
 * so both land on one dead-letter topic.</li>
 * <li>{@value #INVALID_MEASUREMENT}: valid JSON, but not a measurement: not an object (or array of objects) with a
 * {@code sample} array.</li>
 * </ul>
 */
public class InvalidMeasurementException extends IngestException {

    public static final String INVALID_JSON = "invalid-json";
    public static final String INVALID_MEASUREMENT = "invalid-measurement";

    private InvalidMeasurementException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    /** The text does not parse as JSON. */
    public static InvalidMeasurementException invalidJson(String message, Throwable cause) {
        return new InvalidMeasurementException(INVALID_JSON, message, cause);
    }

    /** The JSON parses but is not a measurement. */
    public static InvalidMeasurementException notAMeasurement(String message) {
        return new InvalidMeasurementException(INVALID_MEASUREMENT, message, null);
    }
}
