package org.openjii.mmi.device;

/** No MultispeQ is connected at the port, or it went away during the command. */
public class DeviceAbsentException extends MultispeqException {

    public static final String REASON = "device-absent";

    public DeviceAbsentException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public DeviceAbsentException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
