package org.openjii.mmi.component.multispeq;

import org.apache.camel.spi.Metadata;

/** Header names of the {@code multispeq:} component. */
public final class MultispeqConstants {

    @Metadata(label = "consumer,producer", description = "The MultispeQ's device_id (four bytes of its Bluetooth MAC,"
            + " e.g. 01:12:53:20), from the measurement or the cached"
            + " device_info.", javaType = "String")
    public static final String DEVICE_ID = "CamelMultispeqDeviceId";
    @Metadata(label = "consumer,producer", description = "The device_name, e.g. MultispeQ.", javaType = "String")
    public static final String DEVICE_NAME = "CamelMultispeqDeviceName";
    @Metadata(label = "consumer,producer", description = "The device_version (hardware generation), e.g. 2.", javaType = "String")
    public static final String DEVICE_VERSION = "CamelMultispeqDeviceVersion";
    @Metadata(label = "consumer,producer", description = "The device_firmware, e.g. 2.3465.", javaType = "String")
    public static final String DEVICE_FIRMWARE = "CamelMultispeqDeviceFirmware";
    @Metadata(label = "consumer,producer", description = "The device_battery in percent, when known.", javaType = "Integer")
    public static final String DEVICE_BATTERY = "CamelMultispeqDeviceBattery";
    @Metadata(label = "consumer,producer", description = "The device node the reply came from, e.g. /dev/ttyACM0.", javaType = "String")
    public static final String PORT = "CamelMultispeqPort";
    @Metadata(label = "consumer,producer", description = "What the checksum says: VALID, MISMATCH, or ABSENT (replies without checksum).", javaType = "String", enums = "VALID,MISMATCH,ABSENT")
    public static final String CRC_STATUS = "CamelMultispeqCrcStatus";
    @Metadata(label = "consumer,producer", description = "The eight checksum digits as received.", javaType = "String")
    public static final String CHECKSUM = "CamelMultispeqChecksum";
    @Metadata(label = "consumer,producer", description = "When the command or protocol was written to the device.", javaType = "java.time.Instant")
    public static final String COMMAND_SENT_AT = "CamelMultispeqCommandSentAt";
    @Metadata(label = "consumer,producer", description = "When the first byte of the reply was received.", javaType = "java.time.Instant")
    public static final String FIRST_BYTE_AT = "CamelMultispeqFirstByteAt";
    @Metadata(label = "consumer,producer", description = "When the last byte of the reply was received.", javaType = "java.time.Instant")
    public static final String LAST_BYTE_AT = "CamelMultispeqLastByteAt";
    @Metadata(label = "consumer,producer", description = "How many nan/inf/nil tokens were replaced by null to make the reply valid JSON.", javaType = "Integer")
    public static final String SANITIZED_TOKENS = "CamelMultispeqSanitizedTokens";
    @Metadata(label = "consumer,producer", description = "Lines received while waiting that belonged to no reply (noise, late output), if any.", javaType = "String")
    public static final String UNEXPECTED_OUTPUT = "CamelMultispeqUnexpectedOutput";
    @Metadata(label = "consumer,producer", description = "On a failed exchange: why, as a stable code (timeout, crc-mismatch, truncated,"
            + " invalid-json, device-absent, bad-command, device-error, prompt-unanswered,"
            + " frame-too-large, denied, cancelled, unexpected-output). The body then holds the raw"
            + " bytes received.", javaType = "String")
    public static final String ERROR_REASON = "CamelMultispeqErrorReason";
    @Metadata(label = "consumer", description = "Position of the frame in a continuous command's output (0, 1, ...).", javaType = "Long")
    public static final String FRAME_INDEX = "CamelMultispeqFrameIndex";
    @Metadata(label = "consumer,producer", description = "The name of the endpoint, the part after multispeq: in its URI.", javaType = "String")
    public static final String ENDPOINT_NAME = "CamelMultispeqEndpointName";
    @Metadata(label = "producer", description = "The console command or protocol JSON to send, instead of the message body.", javaType = "String")
    public static final String COMMAND = "CamelMultispeqCommand";
    @Metadata(label = "producer", description = "Answers to the protocol's questions (alert, prompt, confirm) for this"
            + " message, in order, instead of the endpoint's answers.", javaType = "java.util.List<String>")
    public static final String ANSWERS = "CamelMultispeqAnswers";
    @Metadata(label = "producer", description = "Reply timeout for this message, instead of the endpoint's timeout.", javaType = "java.time.Duration")
    public static final String TIMEOUT = "CamelMultispeqTimeout";

    /** MDC key (not a header): the device name, on the log lines of its measuring thread. */
    public static final String MDC_DEVICE = "mmi.device";
    /** MDC key (not a header): the device_id, once the device has told it. */
    public static final String MDC_DEVICE_ID = "mmi.device_id";

    private MultispeqConstants() {
    }
}
