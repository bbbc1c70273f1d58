package org.openjii.mmi.delivery;

/**
 * Names of the MQTT 5 reason codes a PUBACK or CONNACK can carry (MQTT 5.0, sections 3.4.2.1 and 3.2.2.2), for logs,
 * dead letters and {@code mmi check}. A code has the same meaning in every packet that can carry it.
 */
public final class MqttReasonCodes {

    /** The first failure code: a PUBACK with this or more refused the message. */
    public static final int FIRST_FAILURE = 0x80;
    public static final int UNSPECIFIED_ERROR = 0x80;
    public static final int NOT_AUTHORIZED = 0x87;
    public static final int TOPIC_NAME_INVALID = 0x90;
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
            case 0x81 -> "Malformed Packet";
            case 0x82 -> "Protocol Error";
            case 0x83 -> "Implementation specific error";
            case 0x84 -> "Unsupported Protocol Version";
            case 0x85 -> "Client Identifier not valid";
            case 0x86 -> "Bad User Name or Password";
            case 0x87 -> "Not authorized";
            case 0x88 -> "Server unavailable";
            case 0x89 -> "Server busy";
            case 0x8A -> "Banned";
            case 0x8C -> "Bad authentication method";
            case 0x90 -> "Topic Name invalid";
            case 0x91 -> "Packet identifier in use";
            case 0x95 -> "Packet too large";
            case 0x97 -> "Quota exceeded";
            case 0x99 -> "Payload format invalid";
            case 0x9A -> "Retain not supported";
            case 0x9B -> "QoS not supported";
            case 0x9C -> "Use another server";
            case 0x9D -> "Server moved";
            case 0x9F -> "Connection rate exceeded";
            default -> "Reason code " + reasonCode;
        };
    }

    /** Name and hexadecimal code: {@code Not authorized (0x87)}. */
    public static String describe(int reasonCode) {
        return name(reasonCode) + " (0x" + Integer.toHexString(reasonCode) + ")";
    }
}
