package org.openjii.mmi.device;

/** The device answered with an error object, e.g. {@code {"error":"battery is too low"}}. */
public class DeviceErrorException extends MultispeqException {

    public static final String REASON = "device-error";

    public DeviceErrorException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public DeviceErrorException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
