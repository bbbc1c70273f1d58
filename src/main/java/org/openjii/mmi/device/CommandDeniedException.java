package org.openjii.mmi.device;

/** The command is not on the allowlist (writes, reboots and firmware updates are denied unless enabled by name). */
public class CommandDeniedException extends MultispeqException {

    public static final String REASON = "denied";

    public CommandDeniedException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public CommandDeniedException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
