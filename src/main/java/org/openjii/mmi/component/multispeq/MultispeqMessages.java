package org.openjii.mmi.component.multispeq;

import org.apache.camel.Message;
import org.openjii.mmi.device.CrcStatus;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.observe.Observability;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fills the {@code CamelMultispeq*} headers, the same way for the consumer and the producer. */
final class MultispeqMessages {

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqMessages.class);

    private MultispeqMessages() {
    }

    static void setReplyHeaders(Message message, MultispeqEndpoint endpoint, DeviceSession session, DeviceReply reply) {
        message.setHeader(MultispeqConstants.ENDPOINT_NAME, endpoint.getName());
        DeviceInfo info = reply.isJson() ? reply.headerInfo() : null;
        setDeviceHeaders(message, info != null ? info : session.deviceInfo());
        message.setHeader(MultispeqConstants.PORT, reply.systemPort());
        message.setHeader(MultispeqConstants.CRC_STATUS, reply.crcStatus().name());
        if (reply.request().isMeasurement() && reply.crcStatus() == CrcStatus.ABSENT) {
            // fw 1.x builds without Serial_Print_CRC(): counted here, published or dead-lettered by the ingest step.
            LOG.warn("{}: the measurement reply has no checksum (crc: absent)", endpoint.getName());
            Observability.deviceCrcAbsent(Observability.meterRegistry(endpoint.getCamelContext()), endpoint.getName())
                    .increment();
        }
        if (reply.checksum() != null) {
            message.setHeader(MultispeqConstants.CHECKSUM, reply.checksum());
        }
        message.setHeader(MultispeqConstants.COMMAND_SENT_AT, reply.sentAt());
        message.setHeader(MultispeqConstants.FIRST_BYTE_AT, reply.firstByteAt());
        message.setHeader(MultispeqConstants.LAST_BYTE_AT, reply.lastByteAt());
        message.setHeader(MultispeqConstants.SANITIZED_TOKENS, reply.sanitizedTokens());
        if (!reply.unexpected().isEmpty()) {
            message.setHeader(MultispeqConstants.UNEXPECTED_OUTPUT, reply.unexpectedText());
        }
    }

    static void setFailureHeaders(Message message, MultispeqEndpoint endpoint, DeviceSession session,
            MultispeqException failure) {
        message.setHeader(MultispeqConstants.ENDPOINT_NAME, endpoint.getName());
        setDeviceHeaders(message, session.deviceInfo());
        message.setHeader(MultispeqConstants.PORT, session.systemPath());
        message.setHeader(MultispeqConstants.ERROR_REASON, failure.reason().code());
    }

    private static void setDeviceHeaders(Message message, DeviceInfo info) {
        if (info == null) {
            return;
        }
        message.setHeader(MultispeqConstants.DEVICE_ID, info.id());
        message.setHeader(MultispeqConstants.DEVICE_NAME, info.name());
        message.setHeader(MultispeqConstants.DEVICE_VERSION, info.version());
        message.setHeader(MultispeqConstants.DEVICE_FIRMWARE, info.firmware());
        if (info.battery() != null) {
            message.setHeader(MultispeqConstants.DEVICE_BATTERY, info.battery());
        }
    }
}
