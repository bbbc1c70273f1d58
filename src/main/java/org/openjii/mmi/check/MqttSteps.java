package org.openjii.mmi.check;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiFunction;

import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.MqttCheck;
import org.openjii.mmi.delivery.MqttReasonCodes;
import org.openjii.mmi.delivery.MqttVersion;
import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.HttpProxy;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.support.MmiVersion;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The last two steps of {@code mmi check}: MQTT CONNECT, with the protocol version, user name and password the bridge
 * uses (the version the broker accepted, or the CONNACK's reason named), and a test publish. Every MQTT connect of the
 * checks, {@link OpenJiiCheck}'s too, goes through {@link #connect}, on the transport {@link BrokerCheck} checked.
 */
final class MqttSteps {

    private final CheckReport report;
    private final Delivery.Settings settings;
    private final String checkClientId;
    private final String checkTopic;
    private final Duration timeout;

    MqttSteps(CheckReport report, Delivery.Settings settings, String checkClientId, String checkTopic,
            Duration timeout) {
        this.report = report;
        this.settings = settings;
        this.checkClientId = checkClientId;
        this.checkTopic = checkTopic;
        this.timeout = timeout;
    }

    /**
     * The one MQTT connect of the checks: a fresh client with clean start, so nothing is kept on the broker, and a
     * CONNECT; {@code then} gets the client and the broker's answer while the connection is open.
     *
     * @throws IllegalArgumentException for a client id the client cannot use
     */
    static <T> T connect(BrokerTransport broker, String clientId, Duration timeout, MqttVersion version,
            BrokerCredentials credentials, int keepAliveSeconds,
            BiFunction<MqttCheck, MqttCheck.Connected, T> then) {
        try (MqttCheck client = new MqttCheck(broker, clientId, timeout, version, credentials)) {
            return then.apply(client, client.connect(keepAliveSeconds));
        }
    }

    void run(BrokerTransport broker) {
        MqttVersion version = settings.connection().version();
        BrokerCredentials credentials = settings.connection().credentials();
        int keepAlive = settings.connection().effectiveKeepAliveSeconds();
        try {
            connect(broker, checkClientId, timeout, version, credentials, keepAlive, (client, connected) -> {
                if (connected(client, connected, broker)) {
                    publish(client);
                } else {
                    report.skip("publish", "not connected");
                }
                return null;
            });
        } catch (IllegalArgumentException e) {
            report.fail("MQTT CONNECT", "the client id '" + checkClientId + "' cannot be used ("
                    + Failures.describe(e) + ")", "give another --client-id");
            report.skip("publish", "not connected");
        }
    }

    /** The MQTT CONNECT step: what the broker answered, and for a refusal what to do. */
    private boolean connected(MqttCheck client, MqttCheck.Connected connected, BrokerTransport broker) {
        String step = "MQTT CONNECT";
        int keepAlive = settings.connection().effectiveKeepAliveSeconds();
        BrokerCredentials credentials = settings.connection().credentials();
        if (connected.ok()) {
            StringBuilder detail = new StringBuilder("connected as '" + checkClientId + "' (" + client.version()
                    + " accepted, clean start, no session kept" + (credentials.none() ? ""
                            : ", " + credentials.describe())
                    + ")");
            if (client.version().hasProperties()) {
                detail.append(", broker receive maximum ").append(connected.receiveMaximum());
            }
            if (connected.maximumPacketSize() > 0) {
                detail.append(", maximum packet size ").append(connected.maximumPacketSize());
            }
            return report.pass(step, detail.toString());
        }
        if (connected.explained() != null) {
            String explanation = connected.explained().getMessage();
            // The proxy's refusals name its setting first (ConnectFailures); anything else is the TLS handshake's.
            return report.fail(step, explanation.startsWith(HttpProxy.SETTING) ? "the proxy refused" : "TLS rejected",
                    explanation);
        }
        int code = connected.reasonCode();
        if (code == 0x84 || code == -1) {
            MqttVersion other = client.version() == MqttVersion.V5 ? MqttVersion.V3_1_1 : MqttVersion.V5;
            if (speaks(other, broker, keepAlive, credentials)) {
                return report.fail(step, client.version() + " refused (" + (code == -1 ? connected.failure()
                        : connected.wireCode()) + "), but " + other + " is accepted",
                        "set " + MqttVersion.SETTING + "=" + other.label() + " (docs/other-brokers.md says what"
                                + " changes with MQTT 3.1.1)");
            }
        }
        if (MqttReasonCodes.isFailure(code)) {
            return report.fail(step, "CONNECT refused: " + MqttReasonCodes.describe(code)
                    + (connected.wireCode() == null || connected.wireCode().contains("reason code") ? ""
                            : " (" + connected.wireCode() + ")"),
                    connackHint(code));
        }
        return report.fail(step, "no CONNACK from the broker (" + connected.failure() + ")", "a broker closes"
                + " the connection like this when it does not allow the client id or certificate (AWS IoT:"
                + " the policy's iot:Connect on client/" + checkClientId + "); its log says why");
    }

    /** Whether the broker accepts a CONNECT of the other version (the configured one was refused). */
    private boolean speaks(MqttVersion version, BrokerTransport broker, int keepAlive, BrokerCredentials credentials) {
        return connect(broker, checkClientId, timeout, version, credentials, keepAlive,
                (client, connected) -> connected.ok());
    }

    private String connackHint(int code) {
        String clientId = settings.connection().clientId();
        String thing = "'" + clientId + "'";
        BrokerCredentials credentials = settings.connection().credentials();
        return switch (code) {
            case 0x87 -> !credentials.none()
                    ? "the broker does not let " + credentials.describe() + " connect as client id '" + checkClientId
                            + "': check " + BrokerCredentials.USERNAME_SETTING + ", the password or token in "
                            + credentials.passwordSource() + " (a token may have expired), and the broker's ACL"
                    : checkClientId.equals(clientId)
                            ? "the broker does not let client id " + thing + " connect: on AWS IoT the certificate"
                                    + " must be ACTIVE and attached to the Thing, and its policy must allow"
                                    + " iot:Connect on client/" + clientId + "; on Mosquitto see allow_anonymous,"
                                    + " use_identity_as_username and the ACL"
                            : "the broker does not let client id '" + checkClientId + "' connect. AWS IoT policies"
                                    + " often allow only the Thing name (client/${iot:Connection.Thing.ThingName}):"
                                    + " with the bridge stopped, check as the Thing with --client-id " + clientId
                                    + "; on Mosquitto see allow_anonymous, use_identity_as_username and the ACL";
            case 0x86 -> credentials.none()
                    ? "the broker wants a user name and password: set " + BrokerCredentials.USERNAME_SETTING + " and "
                            + BrokerCredentials.PASSWORD_FILE_SETTING + " (or MMI_MQTT_PASSWORD), or authenticate"
                            + " with a client certificate (" + BrokerTransport.CERT_FILE_SETTING + ", "
                            + BrokerTransport.KEY_FILE_SETTING + ")"
                    : "the broker refused " + credentials.describe() + ": correct "
                            + BrokerCredentials.USERNAME_SETTING + " or the password in "
                            + credentials.passwordSource();
            case 0x85 -> "the broker refuses the client id '" + checkClientId + "': give one it accepts (AWS IoT:"
                    + " 1 to 128 bytes, not starting with $)";
            case 0x84 -> "the broker does not speak " + settings.connection().version() + "; set "
                    + MqttVersion.SETTING + " to the version it speaks (5 or 3.1.1)";
            case 0x88, 0x89, 0x9F -> "the broker is overloaded or limits connections; try again later";
            case 0x8A -> "the broker has banned this client; ask its operator";
            case 0x9C, 0x9D -> "the broker points elsewhere; correct " + BrokerTransport.BROKER_URL_SETTING;
            default -> "the broker's log says why";
        };
    }

    private void publish(MqttCheck client) {
        String step = "publish";
        ObjectNode payload = DeviceJson.mapper().createObjectNode();
        payload.put("check", "mmi check");
        payload.put("client_id", checkClientId);
        payload.put("mmi_version", MmiVersion.get());
        payload.put("at", Instant.now().toString());
        long started = System.nanoTime();
        MqttCheck.Published published = client.publish(checkTopic, DeviceJson.write(payload)
                .getBytes(StandardCharsets.UTF_8));
        int code = published.reasonCode();
        if (code < 0) {
            report.fail(step, "no PUBACK for " + checkTopic + " (" + published.failure() + ")", "a broker"
                    + " may drop the connection on a publish it does not allow (AWS IoT: the policy's"
                    + " iot:Publish on topic/" + checkTopic + ")");
            return;
        }
        if (MqttReasonCodes.isFailure(code)) {
            report.fail(step, "publish refused: " + MqttReasonCodes.describe(code) + " for " + checkTopic,
                    code == MqttReasonCodes.NOT_AUTHORIZED
                            ? "allow publishing to " + checkTopic + " (AWS IoT: iot:Publish on topic/" + checkTopic
                                    + " in the certificate's policy; Mosquitto: the ACL), or check another topic"
                                    + " with --topic"
                            : "the broker's log says why");
            return;
        }
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        report.pass(step, "QoS 1 to " + checkTopic + ", PUBACK " + (client.version().hasProperties()
                ? MqttReasonCodes.describe(code)
                : "(MQTT 3.1.1: a PUBACK carries no reason code; a broker may drop what its ACL denies)") + " in "
                + millis + " ms");
    }
}
