package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The checks {@link BrokerTransport#create} makes all at once, one at a time and each with a fix an operator can act
 * on, plus a TLS handshake on its own: for {@code mmi check}. The sentences are the transport's own (they name the
 * setting, the file and the problem); this class adds what to do about them.
 */
public final class TransportCheck {

    /** Certificates expiring sooner than this are reported with a warning (still a pass). */
    static final Duration RENEW_SOON = Duration.ofDays(30);

    /** A step's result: a pass with what was found, or a failure with the problem and the fix. */
    public record Outcome(boolean passed, String detail, String hint) {

        static Outcome pass(String detail) {
            return new Outcome(true, detail, null);
        }

        static Outcome fail(String problem, String hint) {
            return new Outcome(false, problem, hint);
        }
    }

    /** Makes the transport from the settings that made the plan. */
    private interface TransportFactory {

        BrokerTransport create() throws MqttConfigurationException;
    }

    private final BrokerTransport.Plan plan;
    private final TransportFactory factory;
    private final HttpProxy proxy;

    private TransportCheck(BrokerTransport.Plan plan, TransportFactory factory, HttpProxy proxy) {
        this.plan = plan;
        this.factory = factory;
        this.proxy = proxy;
    }

    /**
     * Checks the settings against each other, without reading any file (the parameters are those of
     * {@link BrokerTransport#create}).
     *
     * @throws MqttConfigurationException naming the setting and the problem
     */
    public static TransportCheck of(String brokerUrl, Path certFile, Path keyFile, Path caFile,
            boolean allowPlaintext, String alpn) throws MqttConfigurationException {
        return of(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn, null);
    }

    /** As {@link #of(String, Path, Path, Path, boolean, String)}, through {@code proxy} (null: directly). */
    public static TransportCheck of(String brokerUrl, Path certFile, Path keyFile, Path caFile,
            boolean allowPlaintext, String alpn, HttpProxy proxy) throws MqttConfigurationException {
        return new TransportCheck(BrokerTransport.plan(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn),
                () -> BrokerTransport.create(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn)
                        .withProxy(proxy),
                proxy);
    }

    /** The HTTP proxy the connection goes through, or null. */
    public HttpProxy proxy() {
        return proxy;
    }

    /**
     * The proxy step: a tunnel to the broker through the proxy ({@code CONNECT host:port}), and what the proxy
     * answered. Call after the proxy is reachable (the check's TCP step connects to the proxy).
     */
    public Outcome tunnel(Duration timeout) {
        String target = host() + ":" + port();
        try (Socket tunnel = ProxyTunnel.open(proxy, host(), port(), timeout)) {
            return Outcome.pass("CONNECT " + target + " through " + proxy.describe() + ": tunnel open"
                    + (proxy.authenticates() ? " (Basic authentication as '" + proxy.username() + "')" : ""));
        } catch (ProxyTunnel.RefusedException e) {
            ConnectFailures.Diagnosis diagnosis = new ConnectFailures(plan.address(), null, null, proxy)
                    .proxyAnswered(e.status(), e.reason())
                    .orElseThrow();
            return Outcome.fail(headline(diagnosis.kind()) + " (" + e.getMessage() + ")", diagnosis.message());
        } catch (IOException e) {
            return Outcome.fail("no tunnel through " + proxy.describe() + " (" + innermost(e) + ")",
                    "check " + HttpProxy.SETTING + " (or HTTPS_PROXY): the proxy's host and port, and that it is an"
                            + " HTTP proxy that allows CONNECT");
        }
    }

    public boolean tls() {
        return plan.address().tls();
    }

    /** The host as sockets and certificates name it (an IPv6 literal without brackets). */
    public String host() {
        return plan.address().bareHost();
    }

    public int port() {
        return plan.address().port();
    }

    /** True when the URL names the loopback interface ({@code localhost}, {@code 127.0.0.1}, {@code ::1}). */
    public boolean loopback() {
        return plan.address().isLoopback();
    }

    public String url() {
        return plan.address().url();
    }

    /** The ALPN protocols the handshake offers (empty for none). */
    public List<String> applicationProtocols() {
        return plan.applicationProtocols();
    }

    /** Whether the certificate, key or CA file is set. */
    public boolean hasFiles() {
        return !files().isEmpty();
    }

    private List<ConfiguredFile> files() {
        return Stream.of(plan.cert(), plan.key(), plan.ca()).filter(file -> file != null).toList();
    }

    /**
     * The files exist, are files and readable by this user; the key file holds one unencrypted PEM private key. The
     * certificates are read by {@link #certificates}.
     */
    public Outcome checkFiles() {
        List<String> found = new ArrayList<>();
        for (ConfiguredFile file : files()) {
            try {
                file.checkReadable();
            } catch (MqttConfigurationException e) {
                return Outcome.fail(e.getMessage(), unreadableHint(file));
            }
            found.add(file.toString());
        }
        if (plan.key() != null) {
            try {
                PemFiles.readPrivateKey(plan.key());
            } catch (MqttConfigurationException e) {
                return Outcome.fail(e.getMessage(), "give the private key that was issued with the certificate, as "
                        + "PEM and unencrypted (AWS IoT: <id>-private.pem.key)");
            }
        }
        return Outcome.pass(found.isEmpty() ? "none set (no client certificate, the JDK's default trust store)"
                : String.join(", ", found) + " readable"
                        + (plan.key() == null ? "" : "; the key is a PEM private key"));
    }

    private static String unreadableHint(ConfiguredFile file) {
        if (!Files.exists(file.path())) {
            return "check the path in " + file.setting() + " (AWS IoT names the files <id>-certificate.pem.crt, "
                    + "<id>-private.pem.key and AmazonRootCA1.pem; in Kubernetes, the secret's mount path)";
        }
        if (Files.isDirectory(file.path())) {
            return "name the PEM file in that directory, not the directory";
        }
        return "let the user running mmi read it (chown that user, chmod 600 for the key, 644 for certificates)";
    }

    /**
     * The client certificate parses, is valid today and the key is its own; the CA file parses and holds a valid
     * certificate.
     */
    public Outcome certificates(Instant now) {
        List<String> found = new ArrayList<>();
        if (plan.cert() != null) {
            List<X509Certificate> chain;
            try {
                chain = PemFiles.readCertificates(plan.cert());
            } catch (MqttConfigurationException e) {
                return Outcome.fail(e.getMessage(), "give the device certificate as PEM (AWS IoT: "
                        + "<id>-certificate.pem.crt; intermediates may follow it in the same file)");
            }
            X509Certificate certificate = chain.get(0);
            Optional<String> invalid = CertificateDates.problem(certificate, "the client certificate", now);
            if (invalid.isPresent()) {
                boolean expired = now.isAfter(certificate.getNotAfter().toInstant());
                return Outcome.fail(plan.cert().sentence(invalid.get()), expired
                        ? "create a new certificate for the Thing (AWS IoT console: Security, Certificates; attach "
                                + "the policy and the Thing to it) and configure its files; or correct this "
                                + "machine's clock if it is wrong"
                        : "correct this machine's clock (a device without a battery-backed clock may start in "
                                + "1970; enable NTP), or wait until the certificate becomes valid");
            }
            try {
                ClientIdentity.load(plan.cert(), plan.key(), now);
            } catch (MqttConfigurationException e) {
                return Outcome.fail(e.getMessage(), "configure the key that was created with this certificate: AWS "
                        + "IoT hands out the pair together (<id>-certificate.pem.crt and <id>-private.pem.key of "
                        + "the same <id>)");
            }
            Instant notAfter = certificate.getNotAfter().toInstant();
            long daysLeft = Duration.between(now, notAfter).toDays();
            found.add(CertificateDates.subject(certificate) + " issued by "
                    + certificate.getIssuerX500Principal().getName() + (chain.size() > 1 ? " (with "
                            + (chain.size() - 1) + " more in the chain)" : "")
                    + ", valid until " + notAfter + " (" + daysLeft + " days left"
                    + (Duration.between(now, notAfter).compareTo(RENEW_SOON) < 0 ? ": renew it soon" : "")
                    + "), the key matches");
        } else {
            found.add("no client certificate (the broker must not require one; AWS IoT does on port 8883)");
        }
        if (plan.ca() != null) {
            try {
                BrokerTrust.load(plan.ca(), now);
                found.add("CA " + PemFiles.readCertificates(plan.ca())
                        .stream()
                        .map(CertificateDates::subject)
                        .collect(Collectors.joining("; ")));
            } catch (MqttConfigurationException e) {
                return Outcome.fail(e.getMessage(), "give the CA that issued the broker's certificate as PEM (AWS "
                        + "IoT: AmazonRootCA1.pem, https://www.amazontrust.com/repository/AmazonRootCA1.pem)");
            }
        } else {
            found.add("trusting the JDK's default trust store");
        }
        return Outcome.pass(String.join("; ", found));
    }

    /**
     * The transport the bridge would use. Call after {@link #checkFiles} and {@link #certificates} passed.
     *
     * @throws MqttConfigurationException as {@link BrokerTransport#create}
     */
    public BrokerTransport transport() throws MqttConfigurationException {
        return factory.create();
    }

    /**
     * A TLS handshake with the broker as the bridge makes it: TLS 1.3/1.2, the configured CA, host name
     * verification, ALPN and the client certificate. Over TLS 1.3 a broker judges the client certificate after the
     * handshake has completed on our side, so its refusal arrives as an alert (or a hang-up) on the first read: the
     * check then waits up to {@code alertWait} for one; silence means the broker accepted us and waits for CONNECT.
     */
    public static Outcome handshake(BrokerTransport transport, Duration timeout, Duration alertWait) {
        BrokerAddress address = transport.address();
        Socket tunnel = null;
        try {
            if (transport.proxy() != null) {
                tunnel = ProxyTunnel.open(transport.proxy(), address.bareHost(), address.port(), timeout);
            }
        } catch (IOException e) {
            return Outcome.fail("no tunnel through the proxy " + transport.proxy().describe() + " (" + e.getMessage()
                    + ")", "see the proxy step");
        }
        try (SSLSocket socket = transport.newCheckSocket(tunnel)) {
            if (tunnel == null) {
                socket.connect(new InetSocketAddress(address.bareHost(), address.port()), (int) timeout.toMillis());
            }
            socket.setSoTimeout((int) timeout.toMillis());
            socket.startHandshake();
            SSLSession session = socket.getSession();
            if ("TLSv1.3".equals(session.getProtocol()) && transport.identity() != null) {
                Optional<Outcome> refused = refusalAfterHandshake(transport, socket, alertWait);
                if (refused.isPresent()) {
                    return refused.get();
                }
            }
            return Outcome.pass(describe(session, socket, address));
        } catch (IOException | RuntimeException e) {
            Optional<ConnectFailures.Diagnosis> diagnosis = transport.failures().diagnose(e);
            if (diagnosis.isPresent()) {
                return Outcome.fail(headline(diagnosis.get().kind()), diagnosis.get().message());
            }
            return Outcome.fail("no TLS handshake with " + address.bareHost() + ":" + address.port() + " ("
                    + innermost(e) + ")",
                    "is port " + address.port() + " a TLS port? Plain MQTT (Mosquitto's "
                            + "1883) needs tcp://; AWS IoT speaks TLS on 8883, and on 443 with ALPN x-amzn-mqtt-ca");
        }
    }

    private static Optional<Outcome> refusalAfterHandshake(BrokerTransport transport, SSLSocket socket,
            Duration alertWait) throws IOException {
        socket.setSoTimeout((int) alertWait.toMillis());
        try {
            if (socket.getInputStream().read() != -1) {
                // A broker says nothing before CONNECT; whatever this is, it did not refuse us.
                return Optional.empty();
            }
        } catch (SocketTimeoutException silence) {
            return Optional.empty();
        } catch (IOException e) {
            ConnectFailures.Diagnosis diagnosis = transport.failures()
                    .diagnose(e)
                    .orElseGet(() -> transport.failures().closedAfterHandshake());
            return Optional.of(Outcome.fail(headline(diagnosis.kind()), diagnosis.message()));
        }
        ConnectFailures.Diagnosis closed = transport.failures().closedAfterHandshake();
        return Optional.of(Outcome.fail(headline(closed.kind()), closed.message()));
    }

    private static String headline(ConnectFailures.Kind kind) {
        return switch (kind) {
            case UNTRUSTED_BROKER -> "unknown CA: the broker's certificate is not issued by a CA mmi trusts";
            case HOSTNAME_MISMATCH -> "host name mismatch";
            case CLIENT_CERTIFICATE_REFUSED -> "TLS rejected: the broker refused the client certificate";
            case CLIENT_CERTIFICATE_REQUIRED -> "TLS rejected: the broker requires a client certificate";
            case PROTOCOL_VERSION -> "no common TLS version";
            case PROXY_AUTHENTICATION_REQUIRED -> "proxy authentication required";
            case PROXY_REFUSED -> "the proxy refused CONNECT";
        };
    }

    private static String describe(SSLSession session, SSLSocket socket, BrokerAddress address) {
        StringBuilder text = new StringBuilder(session.getProtocol()).append(' ').append(session.getCipherSuite());
        try {
            Certificate[] peer = session.getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate broker) {
                text.append(", broker certificate ")
                        .append(CertificateDates.subject(broker))
                        .append(" valid until ")
                        .append(broker.getNotAfter().toInstant().truncatedTo(ChronoUnit.SECONDS));
            }
        } catch (IOException e) {
            // Not reached after a verified handshake; the rest of the line still says what matters.
        }
        text.append(", trusted, issued for ").append(address.bareHost());
        String alpn = socket.getApplicationProtocol();
        if (alpn != null && !alpn.isEmpty()) {
            text.append(", ALPN ").append(alpn);
        }
        return text.toString();
    }

    private static String innermost(Throwable error) {
        Throwable innermost = error;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        return innermost.getMessage() != null ? innermost.getMessage() : innermost.getClass().getSimpleName();
    }
}
