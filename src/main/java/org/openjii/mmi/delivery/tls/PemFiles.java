package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads certificates and private keys from PEM files as AWS IoT issues them: {@code -----BEGIN CERTIFICATE-----}
 * (one or several), and a private key as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), PKCS#8 ({@code BEGIN PRIVATE KEY}) or
 * SEC1 ({@code BEGIN EC PRIVATE KEY}). BouncyCastle parses the PEM; the JDK's providers make the key and certificate
 * objects, so TLS runs on the JDK's own classes. Nothing read from a key file ever goes into a message, not even the
 * parser's own error text.
 */
final class PemFiles {

    private static final String KEY_FORMS = "-----BEGIN RSA PRIVATE KEY-----, -----BEGIN PRIVATE KEY----- or "
            + "-----BEGIN EC PRIVATE KEY-----";

    private PemFiles() {
    }

    /** The certificates in {@code file}, in file order; at least one. */
    static List<X509Certificate> readCertificates(ConfiguredFile file) throws MqttConfigurationException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object block : readBlocks(file, false)) {
            X509CertificateHolder holder = block instanceof X509TrustedCertificateBlock trusted
                    ? trusted.getCertificateHolder()
                    : block instanceof X509CertificateHolder plain ? plain : null;
            if (holder != null) {
                certificates.add(toJdk(holder, file));
            } else if (isPrivateKey(block)) {
                throw file.problem("the file holds a private key where a certificate is expected (are two of the "
                        + "file settings swapped?)");
            }
            // Other blocks (parameters, CRLs) are not certificates and do no harm.
        }
        if (certificates.isEmpty()) {
            throw file.problem("the file holds no certificate (expected a PEM -----BEGIN CERTIFICATE----- block)");
        }
        return List.copyOf(certificates);
    }

    /** The one private key in {@code file}; encrypted keys are refused. */
    static PrivateKey readPrivateKey(ConfiguredFile file) throws MqttConfigurationException {
        PrivateKeyInfo keyInfo = null;
        boolean sawCertificate = false;
        for (Object block : readBlocks(file, true)) {
            if (block instanceof PEMEncryptedKeyPair || block instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw file.problem("the private key is encrypted with a passphrase, which mmi does not take; give "
                        + "the key unencrypted, as AWS IoT issues it (openssl pkey -in <encrypted> -out <plain>)");
            }
            PrivateKeyInfo found = block instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo()
                    : block instanceof PrivateKeyInfo info ? info : null;
            if (found != null && keyInfo != null) {
                throw file.problem("the file holds more than one private key; keep only the certificate's key");
            }
            keyInfo = found != null ? found : keyInfo;
            sawCertificate |= block instanceof X509CertificateHolder;
            // A SEC1 key may come after an "EC PARAMETERS" block (openssl ecparam -genkey): it is ignored.
        }
        if (keyInfo == null) {
            throw file.problem(sawCertificate
                    ? "the file holds a certificate, not a private key (are " + BrokerTransport.CERT_FILE_SETTING
                            + " and " + BrokerTransport.KEY_FILE_SETTING + " swapped?)"
                    : "the file holds no private key (expected " + KEY_FORMS + ")");
        }
        checkPrivate(file);
        return toJdk(keyInfo, file);
    }

    /** Refuses a private key that others may read ({@link PrivateFileMode}). */
    private static void checkPrivate(ConfiguredFile file) throws MqttConfigurationException {
        String problem = PrivateFileMode.problem(file.path(), "the private key");
        if (problem != null) {
            throw file.problem(problem);
        }
    }

    /**
     * Made with the JDK's own key factories, by algorithm name: BouncyCastle's converter would ask the JDK for an
     * "ECDSA" key factory, which only BouncyCastle's provider has.
     */
    private static PrivateKey toJdk(PrivateKeyInfo keyInfo, ConfiguredFile file) throws MqttConfigurationException {
        ASN1ObjectIdentifier algorithm = keyInfo.getPrivateKeyAlgorithm().getAlgorithm();
        String keyFactory = algorithm.equals(PKCSObjectIdentifiers.rsaEncryption) ? "RSA"
                : algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey) ? "EC" : null;
        if (keyFactory == null) {
            throw file.problem("the private key is of a kind mmi does not use (algorithm " + algorithm
                    + "; expected RSA or EC)");
        }
        try {
            return KeyFactory.getInstance(keyFactory).generatePrivate(new PKCS8EncodedKeySpec(keyInfo.getEncoded()));
        } catch (GeneralSecurityException | IOException e) {
            throw file.problem("the " + keyFactory + " private key cannot be loaded (its structure is damaged)");
        }
    }

    private static List<Object> readBlocks(ConfiguredFile file, boolean holdsSecrets)
            throws MqttConfigurationException {
        file.checkReadable();
        List<Object> blocks = new ArrayList<>();
        // ISO-8859-1 reads any bytes: a binary (DER) file becomes "no PEM block" rather than a decoding error.
        try (Reader reader = Files.newBufferedReader(file.path(), StandardCharsets.ISO_8859_1);
                PEMParser parser = new PEMParser(reader)) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            // BouncyCastle reports damaged base64 or ASN.1 with runtime exceptions as well.
            throw file.problem(holdsSecrets
                    ? "the file is not a PEM private key mmi can read (expected " + KEY_FORMS + ")"
                    : "the file is not valid PEM (" + e.getMessage() + ")");
        }
        return blocks;
    }

    private static boolean isPrivateKey(Object block) {
        return block instanceof PEMKeyPair || block instanceof PrivateKeyInfo || block instanceof PEMEncryptedKeyPair
                || block instanceof PKCS8EncryptedPrivateKeyInfo;
    }

    private static X509Certificate toJdk(X509CertificateHolder holder, ConfiguredFile file)
            throws MqttConfigurationException {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw file.problem("the file holds a certificate the JDK cannot read (" + e.getMessage() + ")");
        }
    }
}
