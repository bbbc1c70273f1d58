package org.openjii.mmi.delivery.tls;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import io.netty.handler.proxy.ProxyConnectException;

/**
 * Tells a failed connect that retrying cannot fix (the broker is not trusted, has another host name, or refuses our
 * certificate) from a passing one (unreachable, refused, timed out, dropped), from the exception the MQTT client or the
 * TLS socket reports.
 */
final class ConnectFailures {

    /** How Netty's proxy handler reports the proxy's answer to CONNECT: {@code ..., status: 407 Proxy ...}. */
    private static final Pattern PROXY_STATUS = Pattern.compile("status: (\\d{3})(.*)$");

    /** How the JDK words a fatal TLS alert received from the broker; the name is the TLS standard's. */
    private static final Pattern RECEIVED_ALERT = Pattern.compile("Received fatal alert: (\\w+)");

    /** Alerts a broker sends when it does not accept the client certificate it was shown. */
    private static final Set<String> CERTIFICATE_REFUSED = Set.of("bad_certificate", "unsupported_certificate",
            "certificate_revoked", "certificate_expired", "certificate_unknown", "unknown_ca");

    /**
     * A hang-up this soon after the broker took the client certificate is its refusal; longer after, it may be
     * anything.
     */
    private static final Duration CERTIFICATE_JUST_SHOWN = Duration.ofSeconds(5);

    /** Enough for any wrapping (Camel, the MQTT client, Netty, JDK) and a guard against cause cycles. */
    private static final int MAX_CAUSE_DEPTH = 20;

    private final BrokerAddress address;
    private final BrokerTrust trust;
    private final ClientIdentity identity;
    private final HttpProxy proxy;

    /**
     * @param identity null without a client certificate
     * @param proxy null without a proxy
     */
    ConnectFailures(BrokerAddress address, BrokerTrust trust, ClientIdentity identity, HttpProxy proxy) {
        this.address = address;
        this.trust = trust;
        this.identity = identity;
        this.proxy = proxy;
    }

    /** What a failed connect revealed about the configuration. */
    enum Kind {
        /** The CA file (or the JDK's trust store) does not vouch for the broker's certificate. */
        UNTRUSTED_BROKER,
        /** The broker's certificate names another host than the URL's. */
        HOSTNAME_MISMATCH,
        /** The broker refused our client certificate. */
        CLIENT_CERTIFICATE_REFUSED,
        /** The broker wants a client certificate and none is configured. */
        CLIENT_CERTIFICATE_REQUIRED,
        /** The broker speaks neither TLS 1.3 nor 1.2. */
        PROTOCOL_VERSION,
        /** The HTTP proxy wants credentials (407) it did not get, or refused those it got. */
        PROXY_AUTHENTICATION_REQUIRED,
        /** The HTTP proxy refused to open the tunnel to the broker (403, 502, ...). */
        PROXY_REFUSED
    }

    /** A failure retrying cannot fix: its kind and the sentence naming the setting and the fix. */
    record Diagnosis(Kind kind, String message) {
    }

    Optional<MqttConfigurationException> explain(Throwable error) {
        return diagnose(error).map(diagnosis -> new MqttConfigurationException(diagnosis.message(), error));
    }

    Optional<Diagnosis> diagnose(Throwable error) {
        Throwable cause = error;
        for (int depth = 0; cause != null && depth < MAX_CAUSE_DEPTH; depth++, cause = cause.getCause()) {
            Optional<Diagnosis> problem = describe(cause);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private Optional<Diagnosis> describe(Throwable cause) {
        if (proxy != null && cause instanceof ProxyConnectException && cause.getMessage() != null) {
            Matcher status = PROXY_STATUS.matcher(cause.getMessage());
            if (status.find()) {
                return proxyAnswered(Integer.parseInt(status.group(1)), status.group(2).strip());
            }
        }
        if (cause instanceof BrokerTrust.UntrustedBrokerCertificateException untrusted) {
            return found(Kind.UNTRUSTED_BROKER, untrusted(untrusted.getMessage()));
        }
        if (cause instanceof BrokerTrust.BrokerHostnameMismatchException mismatch) {
            return found(Kind.HOSTNAME_MISMATCH, BrokerTransport.BROKER_URL_SETTING + " " + address.url()
                    + ": the broker's certificate is not issued for host " + address.bareHost() + " ("
                    + mismatch.getMessage() + "); connect with a host name the certificate names (for AWS IoT the "
                    + "ATS endpoint, <prefix>-ats.iot.<region>.amazonaws.com).");
        }
        if (cause instanceof SSLException && cause.getMessage() != null) {
            Matcher alert = RECEIVED_ALERT.matcher(cause.getMessage());
            if (alert.find()) {
                return refusedByBroker(alert.group(1));
            }
        }
        if (identity != null && hungUp(cause) && identity.shownWithin(CERTIFICATE_JUST_SHOWN)) {
            return found(Kind.CLIENT_CERTIFICATE_REFUSED, certificateRefused("the broker hung up as soon as it "
                    + "received the client certificate " + CertificateDates.subject(identity.certificate())
                    + ", which is how it refuses one"));
        }
        return Optional.empty();
    }

    /** What the proxy's answer to CONNECT means, when it is not 200. */
    Optional<Diagnosis> proxyAnswered(int status, String reason) {
        String answer = "HTTP " + status + (reason.isEmpty() ? "" : " " + reason);
        String tunnel = "CONNECT " + address.bareHost() + ":" + address.port();
        // 407 asks for credentials; tinyproxy answers credentials it refuses with 401.
        if (status == 407 || status == 401) {
            return found(Kind.PROXY_AUTHENTICATION_REQUIRED, HttpProxy.SETTING + ": the proxy " + proxy.describe()
                    + (proxy.authenticates() ? " refused the user name and password of the URL"
                            : " requires authentication")
                    + " (" + answer + " to " + tunnel + "); give them in the URL, "
                    + "http://user:password@host:port (in MMI_MQTT_PROXY rather than a properties file).");
        }
        return found(Kind.PROXY_REFUSED, HttpProxy.SETTING + ": the proxy " + proxy.describe() + " refused " + tunnel
                + " (" + answer + "); its operator must allow tunnels to port " + address.port()
                + " (squid: the SSL_ports ACL and http_access; tinyproxy: ConnectPort).");
    }

    /** The connection was closed by the other side (no alert, no answer), as OpenSSL does over TLS 1.3. */
    private static boolean hungUp(Throwable cause) {
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        return cause instanceof java.nio.channels.ClosedChannelException
                || cause.getClass().getSimpleName().equals("ConnectionClosedException")
                || (cause instanceof java.io.IOException && (message.contains("Broken pipe")
                        || message.contains("Connection reset") || message.contains("closed")));
    }

    private static Optional<Diagnosis> found(Kind kind, String message) {
        return Optional.of(new Diagnosis(kind, message));
    }

    private String untrusted(String reason) {
        if (trust.caFile() == null) {
            return BrokerTransport.CA_FILE_SETTING + " is not set and the JDK's default trust store does not trust "
                    + "the broker's certificate (" + reason + "); set " + BrokerTransport.CA_FILE_SETTING
                    + " to the CA that issued it (for AWS IoT: AmazonRootCA1.pem).";
        }
        return trust.caFile()
                .sentence("the broker's certificate is not trusted by this CA (" + reason
                        + "); give the CA that issued the broker's certificate (for AWS IoT: AmazonRootCA1.pem)");
    }

    private Optional<Diagnosis> refusedByBroker(String alert) {
        if (alert.equals("protocol_version")) {
            return found(Kind.PROTOCOL_VERSION, BrokerTransport.BROKER_URL_SETTING + " " + address.url()
                    + ": the broker speaks neither TLS 1.3 nor TLS 1.2 (TLS alert protocol_version).");
        }
        if (identity == null && (alert.equals("certificate_required") || alert.equals("handshake_failure"))) {
            return found(Kind.CLIENT_CERTIFICATE_REQUIRED, BrokerTransport.CERT_FILE_SETTING + " is not set, and the"
                    + " broker ended the handshake (TLS alert " + alert + "), most likely because it requires a "
                    + "client certificate; set " + BrokerTransport.CERT_FILE_SETTING + " and "
                    + BrokerTransport.KEY_FILE_SETTING + ".");
        }
        if (identity != null && (CERTIFICATE_REFUSED.contains(alert) || alert.equals("certificate_required"))) {
            return found(Kind.CLIENT_CERTIFICATE_REFUSED, certificateRefused("the broker refused the client "
                    + "certificate " + CertificateDates.subject(identity.certificate()) + " (TLS alert " + alert
                    + ")"));
        }
        return Optional.empty();
    }

    /** The broker closed the connection right after a handshake in which it got our certificate (TLS 1.3). */
    Diagnosis closedAfterHandshake() {
        return new Diagnosis(Kind.CLIENT_CERTIFICATE_REFUSED, certificateRefused("the broker closed the connection"
                + " right after the TLS handshake in which it received the client certificate "
                + CertificateDates.subject(identity.certificate()) + ", which is how it refuses one over TLS 1.3"));
    }

    private String certificateRefused(String what) {
        return identity.certFile()
                .sentence(what + "; it must be issued by a CA the broker trusts and, on AWS IoT, be registered, "
                        + "ACTIVE and attached to the Thing");
    }
}
