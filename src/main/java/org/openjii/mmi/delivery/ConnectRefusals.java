package org.openjii.mmi.delivery;

import java.util.Optional;

import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;

/**
 * The sentence for a connect that failed for a reason retrying alone will not fix: a refused CONNECT (by its reason
 * code, naming the setting to look at), or what the TLS handshake or the proxy revealed. Retried all the same: an IoT
 * policy can take minutes to propagate, a token file can be refreshed, a certificate activated.
 */
final class ConnectRefusals {

    private final MqttConnection.Settings settings;

    ConnectRefusals(MqttConnection.Settings settings) {
        this.settings = settings;
    }

    /**
     * The explanation of a failed connect, or empty for a failure worth retrying (unreachable, dropped).
     *
     * @param transport the transport the attempt used (key material can be replaced)
     */
    Optional<MqttConfigurationException> explain(BrokerTransport transport, MqttWire wire, Throwable cause) {
        Optional<MqttConfigurationException> explained = transport.explainConnectFailure(cause);
        if (explained.isPresent()) {
            return explained;
        }
        return wire.refusal(cause)
                .map(refusal -> new MqttConfigurationException("The MQTT broker " + transport.describe() + " "
                        + why(refusal.reasonCode()) + " (CONNACK " + (wire.version() == MqttVersion.V5
                                ? MqttReasonCodes.describe(refusal.reasonCode())
                                : refusal.wireCode() + ": " + MqttReasonCodes.name(refusal.reasonCode()))
                        + ")", cause));
    }

    private String why(int code) {
        BrokerCredentials credentials = settings.credentials();
        String version = settings.version().toString();
        return switch (code) {
            case 0x84 -> "does not speak " + version + " (" + MqttVersion.SETTING + "=" + settings.version().label()
                    + (settings.version() == MqttVersion.V5 ? "; for a broker that speaks only MQTT 3.1.1 set "
                            + MqttVersion.SETTING + "=3.1.1)" : ")");
            case 0x85 -> "refused the client id '" + settings.clientId() + "' (mmi.mqtt.client-id)";
            case 0x86 -> credentials.none()
                    ? "wants a user name and password, and none is configured (" + BrokerCredentials.USERNAME_SETTING
                            + ", " + BrokerCredentials.PASSWORD_FILE_SETTING + ")"
                    : "refused the " + credentials.describe() + " as a bad user name or password ("
                            + BrokerCredentials.USERNAME_SETTING + ", " + (credentials.hasPassword()
                                    ? credentials.passwordSource().split(" ")[0]
                                    : BrokerCredentials.PASSWORD_SETTING)
                            + ")";
            case 0x87 -> credentials.none()
                    ? "refused the connection as not authorized (check the certificate and its policy;"
                            + " mmi.mqtt.client-id must be the Thing name the policy allows)"
                    : "refused the connection of " + credentials.describe() + " as not authorized (the user may not"
                            + " connect as client id '" + settings.clientId() + "', or its token was refused: "
                            + BrokerCredentials.USERNAME_SETTING + ", " + credentials.passwordSource().split(" ")[0]
                            + ")";
            case 0x8A -> "refused the connection as banned";
            case 0x8C -> "refused the authentication method";
            default -> "refused the connection: " + MqttReasonCodes.describe(code);
        };
    }
}
