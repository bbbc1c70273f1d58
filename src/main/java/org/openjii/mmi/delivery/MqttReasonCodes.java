package org.openjii.mmi.delivery;

/**
 * Names of the MQTT 5 reason codes a PUBACK can carry (MQTT 5.0, section 3.4.2.1), for logs and dead letters.
 */
public final class MqttReasonCodes {

    /** The first failure code: a PUBACK with this or more refused the message. */
    public static final int FIRST_FAILURE = 0x80;
    public static final int NOT_AUTHORIZED = 0x87;
    public static final int PACKET_TOO_LARGE = 0x95;
    public static final int QUOTA_EXCEEDED = 0x97;

    private MqttReasonCodes() {
    }

    public static boolean isFailure(int reasonCode) {
        return reasonCode >= FIRST_FAILURE;
    }

    /** The specification's name, e.g. {@code Not authorized}. */
    public static String name(int reasonCode) {
        return switch (reasonCode) {
            case 0x00 -> "Success";
            case 0x10 -> "No matching subscribers";
            case 0x80 -> "Unspecified error";
            case 0x83 -> "Implementation specific error";
            case 0x87 -> "Not authorized";
            case 0x90 -> "Topic Name invalid";
            case 0x91 -> "Packet identifier in use";
            case 0x95 -> "Packet too large";
            case 0x97 -> "Quota exceeded";
            case 0x99 -> "Payload format invalid";
            default -> "Reason code " + reasonCode;
        };
    }

    /** Name and hexadecimal code: {@code Not authorized (0x87)}. */
    public static String describe(int reasonCode) {
        return name(reasonCode) + " (0x" + Integer.toHexString(reasonCode) + ")";
    }
}
