package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Decides whether to trust the broker: the JDK's PKIX trust manager over the CA file's certificates (or the JDK's
 * default trust store), with the broker's host name checked as HTTPS does. When it refuses, the refusal is re-thrown
 * as one of two types, so {@link BrokerTransport#explainConnectFailure} can tell an untrusted certificate (wrong CA
 * file) from a certificate for another host (wrong URL) without reading the JDK's message texts.
 */
final class BrokerTrust extends X509ExtendedTrustManager {

    /** The broker's certificate chain does not lead to a certificate of the CA file, or is out of date. */
    static final class UntrustedBrokerCertificateException extends CertificateException {

        UntrustedBrokerCertificateException(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /** The broker's certificate is trusted but issued for another host than the URL's. */
    static final class BrokerHostnameMismatchException extends CertificateException {

        BrokerHostnameMismatchException(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    private final X509ExtendedTrustManager jdk;
    private final ConfiguredFile caFile;

    private BrokerTrust(X509ExtendedTrustManager jdk, ConfiguredFile caFile) {
        this.jdk = jdk;
        this.caFile = caFile;
    }

    /** @param caFile null for the JDK's default trust store */
    static BrokerTrust load(ConfiguredFile caFile, Instant now) throws MqttConfigurationException {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(caFile == null ? null : trustStore(caFile, now));
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return new BrokerTrust(x509, caFile);
                }
            }
            throw new IllegalStateException("the JDK's TrustManagerFactory made no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | IOException e) {
            String what = caFile == null ? "the JDK's default trust store" : caFile.toString();
            throw new MqttConfigurationException("Cannot build the TLS trust from " + what + ": " + e.getMessage(),
                    e);
        }
    }

    private static KeyStore trustStore(ConfiguredFile caFile, Instant now)
            throws MqttConfigurationException, GeneralSecurityException, IOException {
        List<X509Certificate> authorities = PemFiles.readCertificates(caFile);
        // A bundle may keep an expired root beside current ones; only a file with nothing valid is a mistake.
        List<String> problems = authorities.stream()
                .map(authority -> CertificateDates.problem(authority, "the CA certificate", now))
                .flatMap(Optional::stream)
                .toList();
        if (problems.size() == authorities.size()) {
            throw caFile.problem(problems.get(0));
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        for (int i = 0; i < authorities.size(); i++) {
            store.setCertificateEntry("ca-" + i, authorities.get(i));
        }
        return store;
    }

    /** The CA file, or null for the JDK's default trust store. */
    ConfiguredFile caFile() {
        return caFile;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClassified(chain, authType, () -> jdk.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClassified(chain, authType, () -> jdk.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            jdk.checkServerTrusted(chain, authType);
        } catch (CertificateException refused) {
            throw new UntrustedBrokerCertificateException(innermostMessage(refused), refused);
        }
    }

    private interface TrustCheck {

        void run() throws CertificateException;
    }

    /**
     * Runs {@code fullCheck} (chain and host name); when it refuses, runs the check again without the connection,
     * which leaves out the host name: if the chain alone fails, the CA is the problem; if it passes, the host name was.
     */
    private void checkClassified(X509Certificate[] chain, String authType, TrustCheck fullCheck)
            throws CertificateException {
        try {
            fullCheck.run();
        } catch (CertificateException refused) {
            try {
                jdk.checkServerTrusted(chain, authType);
            } catch (CertificateException chainRefused) {
                throw new UntrustedBrokerCertificateException(innermostMessage(chainRefused), refused);
            }
            throw new BrokerHostnameMismatchException(refused.getMessage(), refused);
        }
    }

    /** "PKIX path building failed: ...: unable to find valid certification path" says the most at its innermost. */
    private static String innermostMessage(Throwable error) {
        Throwable innermost = error;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        return innermost.getMessage() != null ? innermost.getMessage() : error.getMessage();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        jdk.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        jdk.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        jdk.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return jdk.getAcceptedIssuers();
    }
}
