package org.openjii.mmi.delivery.tls;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The client certificate (with any intermediates after it in the same file) and its private key, checked before the
 * first connect: both files readable PEM, the certificate valid today, the key the certificate's own.
 */
final class ClientIdentity {

    /** When the certificate was last given to a broker ({@link System#nanoTime()}), 0 before that. */
    private volatile long shownAtNanos;

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final ConfiguredFile certFile;
    /** The JDK's TLS sockets whose handshake asked for this certificate; weak, as sockets come and go. */
    private final Set<Socket> shownOn = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private ClientIdentity(List<X509Certificate> chain, PrivateKey key, ConfiguredFile certFile) {
        this.chain = chain;
        this.key = key;
        this.certFile = certFile;
    }

    static ClientIdentity load(ConfiguredFile certFile, ConfiguredFile keyFile, Instant now)
            throws MqttConfigurationException {
        List<X509Certificate> chain = PemFiles.readCertificates(certFile);
        X509Certificate certificate = chain.get(0);
        var invalid = CertificateDates.problem(certificate, "the client certificate", now);
        if (invalid.isPresent()) {
            throw certFile.problem(invalid.get());
        }
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        checkKeyBelongsTo(certificate, key, certFile, keyFile);
        return new ClientIdentity(chain, key, certFile);
    }

    /**
     * Signs a test message with the key and verifies it with the certificate's public key: that works for every key
     * form (a SEC1 EC key need not carry its public key) and proves the pair, which a TLS handshake would otherwise
     * only reveal as the broker's terse "decrypt_error" or a dropped connection.
     */
    private static void checkKeyBelongsTo(X509Certificate certificate, PrivateKey key, ConfiguredFile certFile,
            ConfiguredFile keyFile) throws MqttConfigurationException {
        String certificateAlgorithm = certificate.getPublicKey().getAlgorithm();
        String mismatch = "the private key does not belong to the certificate in " + certFile;
        if (!certificateAlgorithm.equals(key.getAlgorithm())) {
            throw keyFile.problem(mismatch + " (an " + key.getAlgorithm() + " key for an " + certificateAlgorithm
                    + " certificate)");
        }
        byte[] message = "mmi key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(signatureAlgorithm(key));
            signer.initSign(key);
            signer.update(message);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(signatureAlgorithm(key));
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(message);
            if (!verifier.verify(signature)) {
                throw keyFile.problem(mismatch + " (their public keys differ)");
            }
        } catch (GeneralSecurityException e) {
            // The exception text is about algorithms and parameters, never the key's value.
            throw keyFile.problem(mismatch + " (" + e.getMessage() + ")");
        }
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448 and the like name their own signature
        };
    }

    X509Certificate certificate() {
        return chain.get(0);
    }

    ConfiguredFile certFile() {
        return certFile;
    }

    /** Whether the broker asked for this certificate during the handshake on {@code socket}, and was given it. */
    boolean wasShownOn(Socket socket) {
        return shownOn.contains(socket);
    }

    /**
     * Whether a broker asked for this certificate, and was given it, in the last {@code period}: a connection closed
     * right after that is the broker refusing the certificate.
     */
    boolean shownWithin(Duration period) {
        long shown = shownAtNanos;
        return shown != 0 && System.nanoTime() - shown <= period.toNanos();
    }

    /**
     * A key manager that always offers this one certificate. The JDK's own would offer none when the broker's list
     * of acceptable issuers does not name ours, and the broker would then report a missing certificate instead of
     * rejecting the one we have, which hides the real problem.
     */
    X509ExtendedKeyManager keyManager() {
        return new SingleIdentityKeyManager();
    }

    private final class SingleIdentityKeyManager extends X509ExtendedKeyManager {

        private static final String ALIAS = "client";

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            if (!offers(keyTypes)) {
                return null;
            }
            if (socket != null) {
                shownOn.add(socket);
            }
            shownAtNanos = System.nanoTime();
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            if (!offers(keyTypes)) {
                return null;
            }
            shownAtNanos = System.nanoTime();
            return ALIAS;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return offers(new String[]{keyType}) ? new String[]{ALIAS} : null;
        }

        /** The handshake asks once per key type it can use; only ours matches. */
        private boolean offers(String[] keyTypes) {
            return keyTypes != null && Arrays.asList(keyTypes).contains(key.getAlgorithm());
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.toArray(X509Certificate[]::new) : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
