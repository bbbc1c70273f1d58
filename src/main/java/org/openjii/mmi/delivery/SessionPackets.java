package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.support.MmiVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an {@link MqttConnection} sends of itself: each CONNECT (with the Last Will {@code offline} on the status topic,
 * and the password as it is now: a password file is read again before each), and the bare status payloads.
 */
final class SessionPackets {

    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

    private final MqttConnection.Settings settings;
    private final Clock clock;
    /** The last password that could be read, used when the file cannot be read at a reconnect. */
    private volatile byte[] lastPassword;

    SessionPackets(MqttConnection.Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** The next CONNECT; {@code cleanStart} asks the broker to forget the session. */
    MqttWire.Connect connect(boolean cleanStart) {
        BrokerCredentials credentials = settings.credentials();
        return new MqttWire.Connect(cleanStart, settings.sessionExpirySeconds(), settings.effectiveKeepAliveSeconds(),
                settings.statusTopic(), settings.statusTopic() == null ? null : status("offline"),
                credentials.username(), credentials.hasPassword() ? currentPassword(credentials) : null);
    }

    /** The password as it is now (a password file is read again); the last one read when the file cannot be. */
    private byte[] currentPassword(BrokerCredentials credentials) {
        try {
            byte[] password = credentials.password();
            lastPassword = password;
            BrokerCredentials.tokenExpiry(password)
                    .filter(expiry -> expiry.isBefore(clock.instant()))
                    .ifPresent(expiry -> LOG.warn("The token in {} expired at {}; connecting with it anyway (the"
                            + " broker decides), and reading the file again at the next attempt",
                            credentials.passwordSource(), expiry));
            return password;
        } catch (MqttConfigurationException e) {
            LOG.error("{} Connecting with the password read last time", e.getMessage());
            return lastPassword;
        }
    }

    /**
     * A bare status: {@code {"status":...,"client_id":...,"mmi_version":...}}, with {@code since} (now) unless it is
     * {@code offline}.
     */
    byte[] status(String status) {
        ObjectNode node = DeviceJson.mapper().createObjectNode();
        node.put("status", status);
        node.put("client_id", settings.clientId());
        node.put("mmi_version", MmiVersion.get());
        if (!"offline".equals(status)) {
            node.put("since", clock.instant().toString());
        }
        return DeviceJson.write(node).getBytes(StandardCharsets.UTF_8);
    }
}
