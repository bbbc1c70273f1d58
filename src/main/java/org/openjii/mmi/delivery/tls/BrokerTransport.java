package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

import com.hivemq.client.internal.mqtt.MqttClientConfig;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.MqttProxyProtocol;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

/**
 * How mmi's one MQTT connection reaches the broker: the URL, and for TLS the client certificate, its key and the CA,
 * read from PEM files exactly as AWS IoT issues them. {@link #create} checks everything it can before the first
 * connect, so a wrong file stops startup with a sentence naming the setting, the file and the problem; what only the
 * broker can reveal (it does not trust our CA, or refuses our certificate) {@link #explainConnectFailure} tells apart
 * from a network failure worth retrying.
 *
 * <p>
 * The MQTT client connects to {@link #host()}:{@link #port()}, over TLS with {@link #sslContext()} when
 * {@link #tls()}: TLS 1.3/1.2, the configured CA, the client certificate and ALPN (host name verification is the
 * client's, on the engine the context makes). With an {@link HttpProxy} ({@link #withProxy}), the connection is a
 * tunnel through it ({@code CONNECT host:port}), and TLS runs inside the tunnel.
 */
public final class BrokerTransport {

    public static final String BROKER_URL_SETTING = "mmi.mqtt.broker-url";
    public static final String CERT_FILE_SETTING = "mmi.mqtt.cert-file";
    public static final String KEY_FILE_SETTING = "mmi.mqtt.key-file";
    public static final String CA_FILE_SETTING = "mmi.mqtt.ca-file";
    public static final String ALLOW_PLAINTEXT_SETTING = "mmi.mqtt.allow-plaintext";
    public static final String ALPN_SETTING = "mmi.mqtt.alpn";

    /** The TLS versions offered: AWS IoT Core accepts both; older ones are not offered. */
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** The client's TLS settings are ours ({@link #sslContext()}); this only switches TLS on. */
    private static final MqttClientSslConfig TLS_ON = MqttClientSslConfig.builder().build();

    private final BrokerAddress address;
    private final SslContext sslContext;
    private final ClientIdentity identity;
    private final BrokerTrust trust;
    private final List<String> applicationProtocols;
    private final HttpProxy proxy;
    private final ConnectFailures failures;

    private BrokerTransport(BrokerAddress address, SslContext sslContext, ClientIdentity identity,
            BrokerTrust trust, List<String> applicationProtocols, HttpProxy proxy) {
        this.address = address;
        this.sslContext = sslContext;
        this.identity = identity;
        this.trust = trust;
        this.applicationProtocols = applicationProtocols;
        this.proxy = proxy;
        this.failures = new ConnectFailures(address, trust, identity, proxy);
    }

    /** This transport through an HTTP proxy ({@code null}: directly). */
    public BrokerTransport withProxy(HttpProxy through) {
        return new BrokerTransport(address, sslContext, identity, trust, applicationProtocols, through);
    }

    /** The HTTP proxy the connection tunnels through, or null. */
    public HttpProxy proxy() {
        return proxy;
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
            return new BrokerTransport(plan.address(), null, null, null, List.of(), null);
        }
        Instant now = Instant.now();
        ClientIdentity identity = plan.cert() == null ? null : ClientIdentity.load(plan.cert(), plan.key(), now);
        BrokerTrust trust = BrokerTrust.load(plan.ca(), now);
        return new BrokerTransport(plan.address(), nettySslContext(identity, trust, plan.applicationProtocols()),
                identity, trust, plan.applicationProtocols(), null);
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

    /** The client's TLS: JDK provider, TLS 1.3/1.2, our key and trust managers, and the ALPN protocols if any. */
    private static SslContext nettySslContext(ClientIdentity identity, BrokerTrust trust, List<String> alpn)
            throws MqttConfigurationException {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .trustManager(trust)
                    .protocols(PROTOCOLS);
            if (identity != null) {
                builder.keyManager(identity.keyManager());
            }
            if (!alpn.isEmpty()) {
                builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
            }
            return builder.build();
        } catch (SSLException e) {
            throw new MqttConfigurationException("This JVM cannot set up TLS for " + BROKER_URL_SETTING + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The HiveMQ client's transport for this broker: its host and port, TLS on or off ({@link #applyTlsTo} sets our
     * TLS context), the proxy if any, and the time a TCP connect, the proxy's CONNECT, and the MQTT CONNECT may take.
     */
    public MqttClientTransportConfig clientTransportConfig(Duration connectTimeout) {
        MqttClientTransportConfigBuilder builder = MqttClientTransportConfig.builder()
                .serverHost(address.bareHost())
                .serverPort(address.port())
                .sslConfig(address.tls() ? TLS_ON : null)
                .socketConnectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .mqttConnectTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
        if (proxy != null) {
            builder.proxyConfig()
                    .protocol(MqttProxyProtocol.HTTP)
                    .host(proxy.host())
                    .port(proxy.port())
                    .username(proxy.username())
                    .password(proxy.password())
                    .handshakeTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .applyProxyConfig();
        }
        return builder.build();
    }

    /**
     * A JDK TLS socket as the MQTT connection would make it (TLS 1.3/1.2, the same key and trust, host name
     * verification, ALPN), not yet connected: {@code mmi check}'s handshake step.
     */
    SSLSocket newCheckSocket() throws IOException {
        return newCheckSocket(null);
    }

    /**
     * As {@link #newCheckSocket()}, but layered over {@code tunnel}, a socket already connected to the broker through
     * the proxy; null for a socket of its own.
     */
    SSLSocket newCheckSocket(Socket tunnel) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManager[] keyManagers = identity == null ? null : new KeyManager[]{identity.keyManager()};
            context.init(keyManagers, new TrustManager[]{trust}, null);
            SSLSocket socket = (SSLSocket) (tunnel == null ? context.getSocketFactory().createSocket()
                    : context.getSocketFactory().createSocket(tunnel, address.bareHost(), address.port(), true));
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(PROTOCOLS.toArray(String[]::new));
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            if (!address.isIpLiteral()) {
                parameters.setServerNames(List.of(new SNIHostName(address.bareHost())));
            }
            if (!applicationProtocols.isEmpty()) {
                parameters.setApplicationProtocols(applicationProtocols.toArray(String[]::new));
            }
            socket.setSSLParameters(parameters);
            socket.setTcpNoDelay(true);
            return socket;
        } catch (GeneralSecurityException e) {
            throw new IOException("This JVM cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * The URL a configured broker URL stands for: a bare AWS IoT endpoint ({@code <prefix>-ats.iot.<region>.amazonaws
     * .com}, as {@code aws iot describe-endpoint} prints it) means {@code ssl://<host>:8883}, {@code <host>:443} means
     * {@code ssl://<host>:443}; any other value is returned as it is.
     */
    public static String normalizeUrl(String url) {
        return BrokerAddress.normalize(url);
    }

    /** True for TLS ({@code ssl://}, {@code mqtts://}). */
    public boolean tls() {
        return address.tls();
    }

    /** The host as sockets and certificates name it (an IPv6 literal without brackets). */
    public String host() {
        return address.bareHost();
    }

    public int port() {
        return address.port();
    }

    /**
     * Makes a HiveMQ MQTT client built for this transport (with TLS switched on in its transport configuration) use
     * {@link #sslContext()}. The client has no ALPN setting (hivemq-mqtt-client issue 464), and AWS IoT Core on port
     * 443 needs ALPN; its TLS set-up uses a context already set on its configuration instead of making its own, so
     * ours goes there. Call before connecting.
     */
    public void applyTlsTo(MqttClient client) {
        if (sslContext != null) {
            ((MqttClientConfig) client.getConfig()).setCurrentSslContext(sslContext);
        }
    }

    /** The TLS context of the connection; {@code null} for plain MQTT. */
    public SslContext sslContext() {
        return sslContext;
    }

    /** One line for the startup log, without secrets. */
    public String describe() {
        return describeBroker() + (proxy == null ? "" : ", through the HTTP proxy " + proxy.describe());
    }

    private String describeBroker() {
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
