package org.openjii.mmi.delivery.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.net.SocketFactory;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * How mmi's one MQTT connection reaches the broker: the URL, and for TLS the client certificate, its key and the CA,
 * read from PEM files exactly as AWS IoT issues them. {@link #create} checks everything it can before the first
 * connect, so a wrong file stops startup with a sentence naming the setting, the file and the problem; what only the
 * broker can reveal (it does not trust our CA, or refuses our certificate) {@link #explainConnectFailure} tells apart
 * from a network failure worth retrying.
 *
 * <p>
 * Use with Paho's {@code MqttAsyncClient}: the server URI from {@link #pahoServerUri()}, and in
 * {@code MqttConnectionOptions} the {@link #socketFactory()} and {@link #pahoHostnameVerification()}.
 */
public final class BrokerTransport {

    public static final String BROKER_URL_SETTING = "mmi.mqtt.broker-url";
    public static final String CERT_FILE_SETTING = "mmi.mqtt.cert-file";
    public static final String KEY_FILE_SETTING = "mmi.mqtt.key-file";
    public static final String CA_FILE_SETTING = "mmi.mqtt.ca-file";
    public static final String ALLOW_PLAINTEXT_SETTING = "mmi.mqtt.allow-plaintext";
    public static final String ALPN_SETTING = "mmi.mqtt.alpn";

    private final BrokerAddress address;
    private final SocketFactory socketFactory;
    private final ClientIdentity identity;
    private final BrokerTrust trust;
    private final List<String> applicationProtocols;
    private final ConnectFailures failures;

    private BrokerTransport(BrokerAddress address, SocketFactory socketFactory, ClientIdentity identity,
            BrokerTrust trust, List<String> applicationProtocols) {
        this.address = address;
        this.socketFactory = socketFactory;
        this.identity = identity;
        this.trust = trust;
        this.applicationProtocols = applicationProtocols;
        this.failures = new ConnectFailures(address, trust, identity);
    }

    /**
     * Checks the settings and files and builds the transport; nothing connects yet.
     *
     * @param brokerUrl {@code ssl://host:port} (or {@code mqtts://}) for TLS, {@code tcp://host:port} (or
     *     {@code mqtt://}) for plain MQTT; without a port, 8883 and 1883
     * @param certFile the client certificate PEM; with {@code keyFile}, or both null (an empty path counts as
     *     null) for no client certificate
     * @param keyFile its private key PEM: PKCS#1 RSA, PKCS#8 or SEC1 EC, unencrypted
     * @param caFile the CA PEM (AWS IoT: {@code AmazonRootCA1.pem}); null for the JDK's default trust store
     * @param allowPlaintext whether a {@code tcp://} URL may name a host other than loopback
     * @param alpn null = automatic ({@code x-amzn-mqtt-ca} on port 443, none otherwise), "" = none, else a
     *     comma-separated list
     * @throws MqttConfigurationException naming the setting, the file or URL, and the problem: a malformed URL, plain
     *     MQTT to another machine, a missing or unreadable file, a file that is not PEM
     *     of the expected kind, an encrypted key, a certificate out of its validity
     *     period (with the date), a key that does not belong to the certificate
     */
    public static BrokerTransport create(String brokerUrl, Path certFile, Path keyFile, Path caFile,
            boolean allowPlaintext, String alpn) throws MqttConfigurationException {
        Plan plan = plan(brokerUrl, certFile, keyFile, caFile, allowPlaintext, alpn);
        if (!plan.address().tls()) {
            return new BrokerTransport(plan.address(), new NoDelaySocketFactory(), null, null, List.of());
        }
        Instant now = Instant.now();
        ClientIdentity identity = plan.cert() == null ? null : ClientIdentity.load(plan.cert(), plan.key(), now);
        BrokerTrust trust = BrokerTrust.load(plan.ca(), now);
        TlsSocketFactory sockets = new TlsSocketFactory(sslContext(identity, trust), plan.applicationProtocols(),
                identity);
        return new BrokerTransport(plan.address(), sockets, identity, trust, plan.applicationProtocols());
    }

    /** The settings of {@link #create} checked against each other, before any file is read. */
    record Plan(BrokerAddress address, List<String> applicationProtocols, ConfiguredFile cert, ConfiguredFile key,
            ConfiguredFile ca) {
    }

    /**
     * The checks of {@link #create} that need no file: the URL, ALPN, certificate and key together or not at all,
     * and for plain MQTT no TLS file and a loopback host (unless allowed).
     */
    static Plan plan(String brokerUrl, Path certFile, Path keyFile, Path caFile, boolean allowPlaintext, String alpn)
            throws MqttConfigurationException {
        BrokerAddress address = BrokerAddress.parse(brokerUrl);
        List<String> applicationProtocols = ApplicationProtocols.resolve(alpn, address);
        ConfiguredFile cert = configured(CERT_FILE_SETTING, certFile);
        ConfiguredFile key = configured(KEY_FILE_SETTING, keyFile);
        ConfiguredFile ca = configured(CA_FILE_SETTING, caFile);
        if ((cert == null) != (key == null)) {
            String given = cert != null ? CERT_FILE_SETTING : KEY_FILE_SETTING;
            String missing = cert != null ? KEY_FILE_SETTING : CERT_FILE_SETTING;
            throw new MqttConfigurationException(given + " is set but " + missing + " is not; give the client "
                    + "certificate and its private key together, or neither.");
        }
        if (!address.tls()) {
            checkPlain(address, allowPlaintext, cert != null ? cert : ca);
        }
        return new Plan(address, applicationProtocols, cert, key, ca);
    }

    private static ConfiguredFile configured(String setting, Path path) {
        return path == null || path.toString().isBlank() ? null : new ConfiguredFile(setting, path);
    }

    /** @param unusedFile a TLS file that was configured anyway, or null */
    private static void checkPlain(BrokerAddress address, boolean allowPlaintext, ConfiguredFile unusedFile)
            throws MqttConfigurationException {
        String useTls = "use ssl://" + address.host() + ":" + BrokerAddress.DEFAULT_TLS_PORT
                + " (AWS IoT: ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883)";
        if (unusedFile != null) {
            throw new MqttConfigurationException(unusedFile.setting() + " is set but " + BROKER_URL_SETTING + " "
                    + address.url() + " is plain, unencrypted MQTT, which would ignore it; " + useTls + ", or "
                    + "unset " + unusedFile.setting() + ".");
        }
        if (!address.isLoopback() && !allowPlaintext) {
            throw new MqttConfigurationException(BROKER_URL_SETTING + " " + address.url() + " is plain, unencrypted "
                    + "MQTT to another machine; " + useTls + ", or set " + ALLOW_PLAINTEXT_SETTING
                    + "=true if the network to the broker is trusted.");
        }
    }

    private static SSLContext sslContext(ClientIdentity identity, BrokerTrust trust)
            throws MqttConfigurationException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManager[] keyManagers = identity == null ? null : new KeyManager[]{identity.keyManager()};
            context.init(keyManagers, new TrustManager[]{trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new MqttConfigurationException("This JVM cannot set up TLS for " + BROKER_URL_SETTING + ": "
                    + e.getMessage(), e);
        }
    }

    /** The server URI to give Paho's {@code MqttAsyncClient}: {@code ssl://host:port} or {@code tcp://host:port}. */
    public String pahoServerUri() {
        return address.pahoServerUri();
    }

    /**
     * The socket factory for {@code MqttConnectionOptions.setSocketFactory}: TLS 1.3/1.2 with ALPN and host name
     * verification for {@code ssl://}, plain sockets for {@code tcp://}; {@code TCP_NODELAY} on both.
     */
    public SocketFactory socketFactory() {
        return socketFactory;
    }

    /**
     * For {@code MqttConnectionOptions.setHttpsHostnameVerificationEnabled}: true with TLS. The socket verifies the
     * host name even if Paho's check is turned off.
     */
    public boolean pahoHostnameVerification() {
        return address.tls();
    }

    /** One line for the startup log, without secrets. */
    public String describe() {
        if (!address.tls()) {
            return address.url() + ", plain MQTT, not encrypted ("
                    + (address.isLoopback() ? "loopback" : "allowed by " + ALLOW_PLAINTEXT_SETTING) + ")";
        }
        String client = identity == null ? "no client certificate"
                : "client certificate " + CertificateDates.subject(identity.certificate()) + " valid until "
                        + identity.certificate().getNotAfter().toInstant() + " (" + identity.certFile().path() + ")";
        String trusted = trust.caFile() == null ? "the JDK's default trust store" : "CA " + trust.caFile().path();
        String alpn = applicationProtocols.isEmpty() ? "none" : String.join(",", applicationProtocols);
        return address.url() + ", TLS 1.3/1.2 with host name verification, " + client + ", trusting " + trusted
                + ", ALPN " + alpn;
    }

    /**
     * For a failed connect: the configuration problem that retrying will not fix (the broker's certificate is not
     * trusted by the CA file, is issued for another host, or the broker refused our client certificate), or empty for
     * a failure worth retrying (unreachable, refused, timed out, dropped). A client certificate refused over TLS 1.3
     * may only show as a dropped connection, which stays empty.
     */
    public Optional<MqttConfigurationException> explainConnectFailure(Throwable error) {
        return failures.explain(error);
    }

    /** What tells connect failures apart, with their kind, for {@code mmi check}. */
    ConnectFailures failures() {
        return failures;
    }

    BrokerAddress address() {
        return address;
    }

    /** The client certificate and key, or null without. */
    ClientIdentity identity() {
        return identity;
    }

    /** The ALPN protocols the handshake offers (empty for none, always empty for plain MQTT). */
    List<String> applicationProtocols() {
        return applicationProtocols;
    }
}
