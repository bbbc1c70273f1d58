package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

import io.netty.buffer.ByteBufAllocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link BrokerTransport#create} accepts and refuses before any connection, and the sockets it makes. */
class BrokerTransportTest {

    private static final String AWS_URL = "ssl://a1b2c3-ats.iot.eu-west-1.amazonaws.com:8883";

    @TempDir
    static Path dir;

    private static Path caFile;
    private static TestPki.Issued rsaClient;
    private static Path rsaCert;
    private static Path rsaPkcs1Key;
    private static Path rsaPkcs8Key;
    private static Path ecCert;
    private static Path ecKey;

    @BeforeAll
    static void makePki() throws IOException {
        TestPki.Authority authority = TestPki.Authority.create("config test CA");
        caFile = authority.writeCertificate(dir.resolve("AmazonRootCA1.pem"));
        rsaClient = authority.issueClient("gateway-rsa", KeyType.RSA);
        rsaCert = rsaClient.writeCertificate(dir.resolve("rsa-certificate.pem.crt"));
        rsaPkcs1Key = rsaClient.writeKey(dir.resolve("rsa-private.pem.key"), KeyFormat.TRADITIONAL);
        rsaPkcs8Key = rsaClient.writeKey(dir.resolve("rsa-private.pkcs8.key"), KeyFormat.PKCS8);
        TestPki.Issued ecClient = authority.issueClient("gateway-ec", KeyType.EC);
        ecCert = ecClient.writeCertificate(dir.resolve("ec-certificate.pem.crt"));
        ecKey = ecClient.writeKey(dir.resolve("ec-private.pem.key"), KeyFormat.TRADITIONAL);
    }

    private static BrokerTransport tls(Path cert, Path key) throws MqttConfigurationException {
        return BrokerTransport.create(AWS_URL, cert, key, caFile, false, null);
    }

    /** The message of the exception {@code create} throws for these files. */
    private static String refusal(Path cert, Path key) {
        return refusal(cert, key, caFile);
    }

    private static String refusal(Path cert, Path key, Path ca) {
        try {
            BrokerTransport.create(AWS_URL, cert, key, ca, false, null);
        } catch (MqttConfigurationException expected) {
            assertThat(expected.getMessage()).as("one sentence").endsWith(".").doesNotContain("\n");
            return expected.getMessage();
        }
        throw new AssertionError("create() accepted " + cert + ", " + key + ", " + ca);
    }

    @Test
    void readsTheKeyFormsAwsIotAndOpensslWrite() throws Exception {
        assertThat(Files.readString(rsaPkcs1Key)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(rsaPkcs8Key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(ecKey)).startsWith("-----BEGIN EC PRIVATE KEY-----");

        assertThat(tls(rsaCert, rsaPkcs1Key).describe()).contains("CN=gateway-rsa");
        assertThat(tls(rsaCert, rsaPkcs8Key).describe()).contains("CN=gateway-rsa");
        assertThat(tls(ecCert, ecKey).describe()).contains("CN=gateway-ec");
    }

    @Test
    void describesTheConnectionWithoutSecrets() throws Exception {
        String description = tls(rsaCert, rsaPkcs1Key).describe();

        assertThat(description).contains(AWS_URL, "TLS", "CN=gateway-rsa",
                rsaClient.certificate().getNotAfter().toInstant().toString(), rsaCert.toString(), "CA " + caFile,
                "ALPN none");
        assertThat(description).doesNotContain(rsaPkcs1Key.toString());
        assertThat(containsKeyMaterial(description, rsaPkcs1Key)).isFalse();
    }

    /** As OpenSSH refuses an unprotected key: whoever can read it can connect as the Thing. */
    @Test
    void aKeyOthersMayReadOrTheGroupMayChangeIsRefused() throws Exception {
        for (String mode : new String[]{"rw-rw-rw-", "rw-r--r--", "rw-rw----", "rw-------"}) {
            Path key = Files.copy(rsaPkcs1Key, dir.resolve("mode-" + mode + ".key"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
            if (mode.equals("rw-------")) {
                assertThat(tls(rsaCert, key)).isNotNull();
                continue;
            }
            assertThat(refusal(rsaCert, key)).as(mode)
                    .startsWith(BrokerTransport.KEY_FILE_SETTING + " " + key + ": the private key is ")
                    .contains("(mode " + mode + ")")
                    .contains("chmod 600");
        }
        // A Kubernetes Secret mounted for the pod's fsGroup: owner and group may read.
        Path groupReadable = Files.copy(rsaPkcs1Key, dir.resolve("mode-r--r-----.key"));
        Files.setPosixFilePermissions(groupReadable, java.nio.file.attribute.PosixFilePermissions.fromString(
                "r--r-----"));
        assertThat(tls(rsaCert, groupReadable)).isNotNull();
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("missing.pem");

        assertThat(refusal(missing, rsaPkcs1Key))
                .isEqualTo(BrokerTransport.CERT_FILE_SETTING + " " + missing + ": the file does not exist.");
        assertThat(refusal(rsaCert, missing)).startsWith(BrokerTransport.KEY_FILE_SETTING + " " + missing + ":");
        assertThat(refusal(rsaCert, rsaPkcs1Key, missing))
                .startsWith(BrokerTransport.CA_FILE_SETTING + " " + missing + ":");
    }

    @Test
    void aDirectoryIsNotAFile() {
        assertThat(refusal(rsaCert, rsaPkcs1Key, dir)).contains(BrokerTransport.CA_FILE_SETTING, "directory");
    }

    @Test
    void aFileThatIsNotPemIsNamed() throws IOException {
        Path der = Files.write(dir.resolve("certificate.der"), new byte[]{0x30, (byte) 0x82, 0x01, 0x0a, 0x02});
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a key\n");

        assertThat(refusal(der, rsaPkcs1Key)).isEqualTo(BrokerTransport.CERT_FILE_SETTING + " " + der
                + ": the file holds no certificate (expected a PEM -----BEGIN CERTIFICATE----- block).");
        assertThat(refusal(rsaCert, text)).startsWith(
                BrokerTransport.KEY_FILE_SETTING + " " + text + ": the file holds no private key (expected");
    }

    @Test
    void aDamagedPemBlockIsNamed() throws IOException {
        Path damaged = Files.writeString(dir.resolve("damaged.pem"),
                "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        Path damagedKey = Files.writeString(dir.resolve("damaged.key"),
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n");

        assertThat(refusal(damaged, rsaPkcs1Key)).startsWith(BrokerTransport.CERT_FILE_SETTING + " " + damaged
                + ": the file is not valid PEM");
        assertThat(refusal(rsaCert, damagedKey)).isEqualTo(BrokerTransport.KEY_FILE_SETTING + " " + damagedKey
                + ": the file is not a PEM private key mmi can read (expected -----BEGIN RSA PRIVATE KEY-----, "
                + "-----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----).");
    }

    @Test
    void swappedCertificateAndKeyAreNamed() {
        assertThat(refusal(rsaPkcs1Key, rsaCert)).startsWith(BrokerTransport.CERT_FILE_SETTING + " " + rsaPkcs1Key
                + ": the file holds a private key where a certificate is expected");
    }

    @Test
    void aCertificateInTheKeyFileIsNamed() {
        assertThat(refusal(rsaCert, ecCert)).isEqualTo(BrokerTransport.KEY_FILE_SETTING + " " + ecCert
                + ": the file holds a certificate, not a private key (are " + BrokerTransport.CERT_FILE_SETTING
                + " and " + BrokerTransport.KEY_FILE_SETTING + " swapped?).");
    }

    @Test
    void encryptedKeysAreRefusedWithoutShowingThem() throws IOException {
        char[] passphrase = "correct horse".toCharArray();
        Path pkcs8 = rsaClient.writeEncryptedPkcs8Key(dir.resolve("encrypted-pkcs8.key"), passphrase);
        Path traditional = rsaClient.writeEncryptedTraditionalKey(dir.resolve("encrypted-pkcs1.key"), passphrase);
        assertThat(Files.readString(pkcs8)).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
        assertThat(Files.readString(traditional)).contains("Proc-Type: 4,ENCRYPTED");

        for (Path key : List.of(pkcs8, traditional)) {
            String message = refusal(rsaCert, key);
            assertThat(message).startsWith(BrokerTransport.KEY_FILE_SETTING + " " + key
                    + ": the private key is encrypted with a passphrase");
            assertThat(containsKeyMaterial(message, key)).isFalse();
        }
    }

    @Test
    void anExpiredCertificateIsNamedWithItsDate() throws IOException {
        TestPki.Authority authority = TestPki.Authority.create("expiry CA");
        Instant expiredOn = Instant.parse("2025-03-01T12:00:00Z");
        TestPki.Issued expired = authority.issueClient("gateway-expired", KeyType.EC,
                expiredOn.minus(Duration.ofDays(365)), expiredOn);
        Path cert = expired.writeCertificate(dir.resolve("expired.pem.crt"));
        Path key = expired.writeKey(dir.resolve("expired.pem.key"), KeyFormat.TRADITIONAL);

        assertThat(refusal(cert, key)).startsWith(BrokerTransport.CERT_FILE_SETTING + " " + cert
                + ": the client certificate CN=gateway-expired,O=mmi tests expired on 2025-03-01T12:00:00Z (this "
                + "machine's clock says ");
    }

    @Test
    void aCertificateNotYetValidPointsAtTheClock() throws IOException {
        TestPki.Authority authority = TestPki.Authority.create("future CA");
        Instant validFrom = Instant.parse("2099-01-01T00:00:00Z");
        TestPki.Issued future = authority.issueClient("gateway-future", KeyType.EC, validFrom,
                validFrom.plus(Duration.ofDays(365)));
        Path cert = future.writeCertificate(dir.resolve("future.pem.crt"));
        Path key = future.writeKey(dir.resolve("future.pem.key"), KeyFormat.TRADITIONAL);

        assertThat(refusal(cert, key)).contains(cert.toString(), "is not valid before 2099-01-01T00:00:00Z",
                "clock");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() throws IOException {
        TestPki.Issued other = TestPki.Authority.create("other CA").issueClient("other", KeyType.RSA);
        Path otherKey = other.writeKey(dir.resolve("other-rsa.key"), KeyFormat.TRADITIONAL);

        String message = refusal(rsaCert, otherKey);

        assertThat(message).isEqualTo(BrokerTransport.KEY_FILE_SETTING + " " + otherKey
                + ": the private key does not belong to the certificate in " + BrokerTransport.CERT_FILE_SETTING
                + " " + rsaCert + " (their public keys differ).");
        assertThat(containsKeyMaterial(message, otherKey)).isFalse();
    }

    @Test
    void aKeyOfAnotherAlgorithmIsRefused() {
        assertThat(refusal(rsaCert, ecKey)).contains(ecKey.toString(), "does not belong to the certificate",
                "an EC key for an RSA certificate");
    }

    @Test
    void aCaFileWithOnlyExpiredCertificatesIsRefused() throws IOException {
        TestPki.Authority authority = TestPki.Authority.create("CA of the ca-file check");
        // An expired "CA" certificate is enough to show the check: its issuer does not matter here.
        Path expiredCa = authority
                .issueClient("old root", KeyType.EC, Instant.parse("2020-01-01T00:00:00Z"),
                        Instant.parse("2021-01-01T00:00:00Z"))
                .writeCertificate(dir.resolve("expired-ca.pem"));

        assertThat(refusal(rsaCert, rsaPkcs1Key, expiredCa)).startsWith(BrokerTransport.CA_FILE_SETTING + " "
                + expiredCa + ": the CA certificate CN=old root,O=mmi tests expired on 2021-01-01T00:00:00Z");
    }

    @Test
    void certificateAndKeyComeTogether() {
        assertThat(refusal(rsaCert, null)).isEqualTo(BrokerTransport.CERT_FILE_SETTING + " is set but "
                + BrokerTransport.KEY_FILE_SETTING + " is not; give the client certificate and its private key "
                + "together, or neither.");
        assertThat(refusal(null, rsaPkcs1Key)).startsWith(BrokerTransport.KEY_FILE_SETTING + " is set but "
                + BrokerTransport.CERT_FILE_SETTING + " is not");
    }

    @Test
    void emptyPathsMeanUnset() throws Exception {
        BrokerTransport transport = BrokerTransport.create(AWS_URL, Path.of(""), Path.of(""), caFile, false, null);

        assertThat(transport.describe()).contains("no client certificate");
    }

    @Test
    void withoutCaFileTheJdkTrustStoreIsUsed() throws Exception {
        assertThat(BrokerTransport.create(AWS_URL, rsaCert, rsaPkcs1Key, null, false, null).describe())
                .contains("trusting the JDK's default trust store");
    }

    // --- URLs and plain MQTT

    @ParameterizedTest
    @ValueSource(strings = {"tcp://127.0.0.1:1883", "tcp://localhost:1883", "mqtt://127.0.0.5", "tcp://[::1]:1883"})
    void plainMqttToLoopbackIsAllowed(String url) throws Exception {
        BrokerTransport transport = BrokerTransport.create(url, null, null, null, false, null);

        assertThat(transport.tls()).isFalse();
        assertThat(transport.sslContext()).isNull();
        assertThat(transport.describe()).contains("plain MQTT, not encrypted (loopback)");
    }

    @Test
    void plainMqttToAnotherMachineNeedsTheSetting() throws Exception {
        String url = "tcp://broker.example:1883";

        assertThatThrownBy(() -> BrokerTransport.create(url, null, null, null, false, null))
                .isInstanceOf(MqttConfigurationException.class)
                .hasMessage(BrokerTransport.BROKER_URL_SETTING + " " + url + " is plain, unencrypted MQTT to another"
                        + " machine; use ssl://broker.example:8883 (AWS IoT: "
                        + "ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883), or set "
                        + BrokerTransport.ALLOW_PLAINTEXT_SETTING + "=true if the network to the broker is trusted.");
        assertThat(BrokerTransport.create(url, null, null, null, true, null).describe())
                .contains("allowed by " + BrokerTransport.ALLOW_PLAINTEXT_SETTING);
    }

    @Test
    void aLoopbackLookalikeNameIsNotLoopback() {
        assertThatThrownBy(() -> BrokerTransport.create("tcp://127.0.0.1.example:1883", null, null, null, false, null))
                .hasMessageContaining(BrokerTransport.ALLOW_PLAINTEXT_SETTING);
    }

    @Test
    void tlsFilesWithAPlainUrlAreRefused() {
        assertThatThrownBy(() -> BrokerTransport.create("tcp://localhost:1883", rsaCert, rsaPkcs1Key, null, false,
                null)).hasMessageStartingWith(BrokerTransport.CERT_FILE_SETTING + " is set but "
                        + BrokerTransport.BROKER_URL_SETTING + " tcp://localhost:1883 is plain, unencrypted MQTT");
        assertThatThrownBy(() -> BrokerTransport.create("tcp://localhost:1883", null, null, caFile, false, null))
                .hasMessageStartingWith(BrokerTransport.CA_FILE_SETTING + " is set but");
    }

    @Test
    void schemesAndDefaultPortsMeanTlsOrNotOnTheirPorts() throws Exception {
        assertThat(address(BrokerTransport.create("mqtts://broker.example", null, null, caFile, false, null)))
                .isEqualTo("tls broker.example:8883");
        assertThat(address(BrokerTransport.create("SSL://broker.example:443/", null, null, caFile, false, null)))
                .isEqualTo("tls broker.example:443");
        assertThat(address(BrokerTransport.create("mqtt://localhost", null, null, null, false, null)))
                .isEqualTo("plain localhost:1883");
        assertThat(address(BrokerTransport.create("tcp://[::1]:1884", null, null, null, false, null)))
                .isEqualTo("plain ::1:1884");
    }

    /** As {@code aws iot describe-endpoint --endpoint-type iot:Data-ATS} prints it, and as the Python MMI took it. */
    @Test
    void aBareAwsIotEndpointIsTlsOn8883AndWith443TakesAlpn() throws Exception {
        String host = "a1b2c3d4e5f6g7-ats.iot.eu-central-1.amazonaws.com";
        assertThat(BrokerTransport.normalizeUrl(host)).isEqualTo("ssl://" + host + ":8883");
        assertThat(BrokerTransport.normalizeUrl(host + ":443")).isEqualTo("ssl://" + host + ":443");
        assertThat(BrokerTransport.normalizeUrl("ssl://" + host + ":8883")).isEqualTo("ssl://" + host + ":8883");
        assertThat(BrokerTransport.normalizeUrl("broker.example")).isEqualTo("broker.example");

        BrokerTransport on8883 = BrokerTransport.create(host, null, null, caFile, false, null);
        assertThat(address(on8883)).isEqualTo("tls " + host + ":8883");
        assertThat(on8883.applicationProtocols()).isEmpty();
        BrokerTransport on443 = BrokerTransport.create(host + ":443", null, null, caFile, false, null);
        assertThat(address(on443)).isEqualTo("tls " + host + ":443");
        assertThat(on443.applicationProtocols()).containsExactly("x-amzn-mqtt-ca");
    }

    private static String address(BrokerTransport transport) {
        return (transport.tls() ? "tls " : "plain ") + transport.host() + ":" + transport.port();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "log", "http://broker.example", "ssl://", "ssl://broker.example:8883/topic",
            "ssl://broker example:8883", "ssl://broker.example:8883?x=1"})
    void malformedUrlsAreNamed(String url) {
        assertThatThrownBy(() -> BrokerTransport.create(url, null, null, null, true, null))
                .isInstanceOf(MqttConfigurationException.class)
                .hasMessageStartingWith(BrokerTransport.BROKER_URL_SETTING)
                .hasMessageContaining("expected ssl://host:8883");
    }

    @Test
    void aPasswordInTheUrlIsNeverRepeated() {
        assertThatThrownBy(
                () -> BrokerTransport.create("ssl://user:s3cret@broker.example:8883", null, null, null, false, null))
                .hasMessageStartingWith(BrokerTransport.BROKER_URL_SETTING + " carries a user name or password")
                .hasMessageNotContaining("s3cret");
    }

    // --- ALPN

    @Test
    void automaticAlpnOffersAwsIotMqttOnPort443Only() throws Exception {
        assertThat(BrokerTransport.create("ssl://broker.example:443", null, null, caFile, false, null)
                .applicationProtocols()).containsExactly("x-amzn-mqtt-ca");
        assertThat(BrokerTransport.create("ssl://broker.example:8883", null, null, caFile, false, null)
                .applicationProtocols()).isEmpty();
        assertThat(BrokerTransport.create("tcp://localhost:443", null, null, null, false, null)
                .applicationProtocols()).isEmpty();
    }

    @Test
    void explicitAlpnWins() throws Exception {
        assertThat(BrokerTransport.create("ssl://broker.example:443", null, null, caFile, false, "")
                .applicationProtocols()).isEmpty();
        assertThat(BrokerTransport.create("ssl://broker.example:8883", null, null, caFile, false, " mqtt , x-y ")
                .applicationProtocols()).containsExactly("mqtt", "x-y");
        assertThat(BrokerTransport.create("ssl://broker.example:443", null, null, caFile, false, null).describe())
                .contains("ALPN x-amzn-mqtt-ca");
    }

    @Test
    void alpnNeedsTlsAndPrintableNames() {
        assertThatThrownBy(() -> BrokerTransport.create("tcp://localhost:1883", null, null, null, false, "mqtt"))
                .hasMessageStartingWith(BrokerTransport.ALPN_SETTING + " is set to mqtt but");
        assertThatThrownBy(() -> BrokerTransport.create("ssl://broker.example", null, null, caFile, false, "a b"))
                .hasMessageStartingWith(BrokerTransport.ALPN_SETTING + " 'a b' is not a protocol name");
    }

    // --- TLS

    @Test
    void theClientsTlsOffersAlpnOnPort443AndOnlyTls13And12() throws Exception {
        BrokerTransport transport = BrokerTransport.create("ssl://broker.example:443", rsaCert, rsaPkcs1Key, caFile,
                false, null);

        SSLEngine engine = transport.sslContext().newEngine(ByteBufAllocator.DEFAULT, "broker.example", 443);

        assertThat(engine.getSSLParameters().getApplicationProtocols()).containsExactly("x-amzn-mqtt-ca");
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(engine.getUseClientMode()).isTrue();
    }

    @Test
    void theChecksSocketIsTheSameTlsWithHostNameVerification() throws Exception {
        BrokerTransport transport = BrokerTransport.create("ssl://broker.example:443", rsaCert, rsaPkcs1Key, caFile,
                false, null);

        try (SSLSocket socket = transport.newCheckSocket()) {
            SSLParameters effective = socket.getSSLParameters();

            assertThat(effective.getApplicationProtocols()).containsExactly("x-amzn-mqtt-ca");
            assertThat(effective.getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
            assertThat(socket.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
            assertThat(socket.getTcpNoDelay()).isTrue();
        }
    }

    @Test
    void networkFailuresAreWorthRetrying() throws Exception {
        BrokerTransport transport = tls(rsaCert, rsaPkcs1Key);

        assertThat(transport.explainConnectFailure(new IOException("connect failed", new ConnectException("refused"))))
                .isEmpty();
        assertThat(transport.explainConnectFailure(new IOException("Connection reset"))).isEmpty();
    }

    /** True when {@code text} contains any line of the base64 body of the PEM key in {@code keyFile}. */
    private static boolean containsKeyMaterial(String text, Path keyFile) throws IOException {
        return Files.readAllLines(keyFile, StandardCharsets.US_ASCII)
                .stream()
                .filter(line -> !line.startsWith("-----") && !line.contains(":") && line.length() >= 16)
                .peek(line -> Base64.getDecoder().decode(line))
                .anyMatch(text::contains);
    }
}
