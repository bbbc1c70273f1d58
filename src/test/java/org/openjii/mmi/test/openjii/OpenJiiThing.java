package org.openjii.mmi.test.openjii;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;

/**
 * One registered openJII device (an AWS IoT Thing): its name, its current credentials (an RSA key and a certificate
 * whose CN is the Thing name, as AWS's {@code CreateKeysAndCertificate} issues them) and its current onboarding
 * config. {@link OpenJiiDownloadsFixture} makes them and writes their downloads.
 */
public final class OpenJiiThing {

    private final String deviceType;
    private final String serial;
    private final String thingName;
    private TestPki.Issued credentials;
    private OnboardingConfig config;

    OpenJiiThing(String deviceType, String serial, TestPki.Issued credentials, String endpoint) {
        this.deviceType = deviceType;
        this.serial = serial;
        this.thingName = thingName(deviceType, serial);
        this.credentials = credentials;
        this.config = OnboardingConfig.of(thingName, deviceType, endpoint);
    }

    /**
     * The Thing name openJII registers a device under: {@code {deviceType}_{serial}}, each UTF-16 unit outside
     * {@code [a-zA-Z0-9:_-]} replaced by {@code -} ({@code buildThingName} in openJII's
     * {@code apps/backend/src/iot/application/use-cases/register-iot-device/register-iot-device.ts}).
     */
    public static String thingName(String deviceType, String serial) {
        return sanitise(deviceType) + "_" + sanitise(serial);
    }

    private static String sanitise(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            boolean allowed = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ':'
                    || c == '_' || c == '-';
            out.append(allowed ? c : '-');
        }
        return out.toString();
    }

    public String deviceType() {
        return deviceType;
    }

    /** The serial number it was registered with (for a MultispeQ, the {@code device_id} of its handshake). */
    public String serial() {
        return serial;
    }

    public String thingName() {
        return thingName;
    }

    /** The current key and certificate. */
    public TestPki.Issued credentials() {
        return credentials;
    }

    public X509Certificate certificate() {
        return credentials.certificate();
    }

    /** The current config (what the newest {@code {thingName}-config.json} written holds). */
    public OnboardingConfig config() {
        return config;
    }

    /** Binds the Thing to exactly these experiments (in memory; write the config to deliver it). */
    public OpenJiiThing onboard(Experiment... experiments) {
        config = config.withExperiments(experiments);
        return this;
    }

    void replaceConfig(OnboardingConfig newConfig) {
        if (!newConfig.thingName().equals(thingName)) {
            throw new IllegalArgumentException("A config for " + newConfig.thingName() + " is not " + thingName
                    + "'s");
        }
        config = newConfig;
    }

    /** Takes new credentials; returns the certificate they replace. */
    X509Certificate replaceCredentials(TestPki.Issued newCredentials) {
        X509Certificate old = credentials.certificate();
        credentials = newCredentials;
        return old;
    }

    /** {@code certificatePem} of openJII's credentials response: the certificate as AWS returns it. */
    public String certificatePem() {
        return pem(credentials.certificate());
    }

    /** {@code publicKey}: {@code -----BEGIN PUBLIC KEY-----}, as AWS returns it. */
    public String publicKeyPem() {
        return pem(credentials.keyPair().getPublic());
    }

    /** {@code privateKey}: PKCS#1 {@code -----BEGIN RSA PRIVATE KEY-----}, as AWS returns it. */
    public String privateKeyPem() {
        return pem(credentials.keyPair().getPrivate());
    }

    static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return thingName;
    }
}
