package org.openjii.mmi.device;

import org.openjii.mmi.message.FailureReason;

/**
 * No MultispeQ is connected at the port, or it went away during the command. Its own type because the measuring loop
 * waits for the device instead of filing a dead letter, and the handshake gives up at once.
 */
public class DeviceAbsentException extends MultispeqException {

    public DeviceAbsentException(String message, byte[] rawBytes) {
        super(FailureReason.DEVICE_ABSENT, message, rawBytes);
    }

    public DeviceAbsentException(String message, byte[] rawBytes, Throwable cause) {
        super(FailureReason.DEVICE_ABSENT, message, rawBytes, cause);
    }
}
