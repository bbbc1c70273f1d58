package org.openjii.mmi.test;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away PKI for TLS tests, made with BouncyCastle: certificate authorities, server certificates with
 * subject alternative names, client certificates with RSA or EC keys, written as PEM files the way AWS IoT and
 * OpenSSL write them (PKCS#1 {@code BEGIN RSA PRIVATE KEY}, PKCS#8 {@code BEGIN PRIVATE KEY}, SEC1
 * {@code BEGIN EC PRIVATE KEY}, encrypted forms for negative tests).
 */
public final class TestPki {

    public enum KeyType {
        /** RSA 2048: the smallest OpenSSL's default security level accepts. */
        RSA,
        /** EC on P-256. */
        EC
    }

    public enum KeyFormat {
        /** {@code -----BEGIN RSA PRIVATE KEY-----} or, for EC, SEC1 {@code -----BEGIN EC PRIVATE KEY-----}. */
        TRADITIONAL,
        /** {@code -----BEGIN PRIVATE KEY-----} */
        PKCS8
    }

    private static final Pattern IP_LITERAL = Pattern.compile("[\\d.]+|.*:.*");
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
    private static final Duration ONE_YEAR = Duration.ofDays(365);
    /** Encryption of keys needs PBKDF2 and AES in forms only BouncyCastle's provider has; used without registering. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private TestPki() {
    }

    /** A certificate and its key pair. */
    public record Issued(X509Certificate certificate, KeyPair keyPair) {

        public Path writeCertificate(Path file) throws IOException {
            return writePem(file, certificate);
        }

        /** Writes the private key unencrypted in {@code format}, readable by its owner only (mode 0600). */
        public Path writeKey(Path file, KeyFormat format) throws IOException {
            PrivateKey key = keyPair.getPrivate();
            if (format == KeyFormat.PKCS8) {
                return ownerOnly(writePem(file, new JcaPKCS8Generator(key, null)));
            }
            return ownerOnly(writePem(file, key instanceof ECPrivateKey ec ? sec1(ec) : key));
        }

        /**
         * SEC1 as OpenSSL writes it, with the curve and the public key inside. BouncyCastle's writer copies the JDK's
         * inner encoding, which leaves the curve to the PKCS#8 wrapper it drops: OpenSSL cannot read that.
         */
        private PemObject sec1(ECPrivateKey key) {
            try {
                PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(key.getEncoded());
                SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(keyPair.getPublic().getEncoded());
                var structure = new org.bouncycastle.asn1.sec.ECPrivateKey(key.getParams().getOrder().bitLength(),
                        key.getS(), publicKey.getPublicKeyData(), pkcs8.getPrivateKeyAlgorithm().getParameters());
                return new PemObject("EC PRIVATE KEY", structure.getEncoded());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes the private key as encrypted PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}). */
        public Path writeEncryptedPkcs8Key(Path file, char[] passphrase) throws IOException {
            try {
                var encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(BC)
                        .setPassword(passphrase)
                        .build();
                return writePem(file, new JcaPKCS8Generator(keyPair.getPrivate(), encryptor));
            } catch (OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes the private key as OpenSSL's legacy encrypted PKCS#1 ({@code Proc-Type: 4,ENCRYPTED}). */
        public Path writeEncryptedTraditionalKey(Path file, char[] passphrase) throws IOException {
            var encryptor = new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC).build(passphrase);
            return writePem(file, new JcaMiscPEMGenerator(keyPair.getPrivate(), encryptor));
        }
    }

    /** A certificate authority that issues certificates. */
    public static final class Authority {

        private final Issued self;

        private Authority(Issued self) {
            this.self = self;
        }

        /** A self-signed CA, valid from a day ago for a year. */
        public static Authority create(String commonName) {
            KeyPair keys = generate(KeyType.EC);
            X500Principal name = new X500Principal("CN=" + commonName + ",O=mmi tests");
            Instant now = Instant.now();
            X509Certificate certificate = sign(name, keys.getPublic(), name, keys, now.minus(Duration.ofDays(1)),
                    now.plus(ONE_YEAR), builder -> {
                        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                        builder.addExtension(Extension.keyUsage, true,
                                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                    });
            return new Authority(new Issued(certificate, keys));
        }

        public Issued certificate() {
            return self;
        }

        public Path writeCertificate(Path file) throws IOException {
            return self.writeCertificate(file);
        }

        /**
         * A certificate revocation list of this CA, valid from an hour ago for a day, revoking {@code revoked} (none
         * for an empty list), as PEM: what a broker's {@code crlfile} reads.
         */
        public Path writeCrl(Path file, X509Certificate... revoked) throws IOException {
            Instant now = Instant.now();
            X509v2CRLBuilder builder = new X509v2CRLBuilder(
                    X500Name.getInstance(self.certificate().getSubjectX500Principal().getEncoded()),
                    Date.from(now.minus(Duration.ofHours(1))));
            builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
            for (X509Certificate certificate : revoked) {
                builder.addCRLEntry(certificate.getSerialNumber(), Date.from(now.minus(Duration.ofMinutes(1))),
                        CRLReason.keyCompromise);
            }
            try {
                builder.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils()
                        .createAuthorityKeyIdentifier(self.keyPair().getPublic()));
                builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(SERIALS
                        .incrementAndGet())));
                X509CRLHolder crl = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(self.keyPair()
                        .getPrivate()));
                return writePem(file, new JcaX509CRLConverter().getCRL(crl));
            } catch (GeneralSecurityException | OperatorCreationException e) {
                throw new IllegalStateException("cannot make a test CRL", e);
            }
        }

        /** A server certificate valid now, with DNS names or IP addresses as subject alternative names. */
        public Issued issueServer(String commonName, String... subjectAlternativeNames) {
            Instant now = Instant.now();
            return issue(commonName, KeyType.EC, now.minus(Duration.ofDays(1)), now.plus(ONE_YEAR),
                    KeyPurposeId.id_kp_serverAuth, subjectAlternativeNames);
        }

        /** A client certificate valid now. */
        public Issued issueClient(String commonName, KeyType keyType) {
            Instant now = Instant.now();
            return issueClient(commonName, keyType, now.minus(Duration.ofDays(1)), now.plus(ONE_YEAR));
        }

        /** A client certificate valid in the given period (in the past for an expired one). */
        public Issued issueClient(String commonName, KeyType keyType, Instant notBefore, Instant notAfter) {
            return issue(commonName, keyType, notBefore, notAfter, KeyPurposeId.id_kp_clientAuth);
        }

        private Issued issue(String commonName, KeyType keyType, Instant notBefore, Instant notAfter,
                KeyPurposeId purpose, String... subjectAlternativeNames) {
            KeyPair keys = generate(keyType);
            X500Principal subject = new X500Principal("CN=" + commonName + ",O=mmi tests");
            X509Certificate certificate = sign(subject, keys.getPublic(), self.certificate().getSubjectX500Principal(),
                    self.keyPair(), notBefore, notAfter, builder -> {
                        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                        builder.addExtension(Extension.keyUsage, true,
                                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
                        if (subjectAlternativeNames.length > 0) {
                            GeneralName[] names = new GeneralName[subjectAlternativeNames.length];
                            for (int i = 0; i < names.length; i++) {
                                String name = subjectAlternativeNames[i];
                                names[i] = new GeneralName(
                                        IP_LITERAL.matcher(name).matches() ? GeneralName.iPAddress
                                                : GeneralName.dNSName,
                                        name);
                            }
                            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
                        }
                    });
            return new Issued(certificate, keys);
        }
    }

    private interface Extensions {

        void add(X509v3CertificateBuilder builder) throws IOException, GeneralSecurityException;
    }

    private static X509Certificate sign(X500Principal subject, PublicKey subjectKey, X500Principal issuer,
            KeyPair issuerKeys, Instant notBefore, Instant notAfter, Extensions extensions) {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter), subject,
                    subjectKey);
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    utils.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            extensions.add(builder);
            String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA"
                    : "SHA256withRSA";
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a test certificate for " + subject, e);
        }
    }

    private static KeyPair generate(KeyType type) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type.name());
            if (type == KeyType.RSA) {
                generator.initialize(2048, new SecureRandom());
            } else {
                generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As a private key should be kept (mmi refuses one that others may read). */
    public static Path ownerOnly(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        return file;
    }

    private static Path writePem(Path file, Object pemObject) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
                JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(pemObject);
        }
        return file;
    }
}
