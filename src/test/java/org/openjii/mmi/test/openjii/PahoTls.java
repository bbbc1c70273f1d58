package org.openjii.mmi.test.openjii;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.openjii.mmi.test.TestPki;

/** Mutual TLS for the tests' Paho MQTT 5 clients, from certificates in memory. */
public final class PahoTls {

    private static final char[] PASSWORD = "test".toCharArray();

    private PahoTls() {
    }

    /** A socket factory presenting {@code client} and trusting servers {@code trusted} issued. */
    public static SSLSocketFactory socketFactory(TestPki.Issued client, X509Certificate trusted) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.keyPair().getPrivate(), PASSWORD,
                    new Certificate[]{client.certificate()});
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, PASSWORD);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", trusted);
            TrustManagerFactory trustManagers = TrustManagerFactory
                    .getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLSv1.2");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot make a TLS context for " + client.certificate()
                    .getSubjectX500Principal(), e);
        }
    }

    /** Clean-start options over mutual TLS (the server's name is checked: it must be {@code localhost}). */
    public static MqttConnectionOptions options(TestPki.Issued client, X509Certificate trusted) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSocketFactory(socketFactory(client, trusted));
        options.setConnectionTimeout(10);
        return options;
    }

    /**
     * Options for a recorder that misses nothing across broker restarts: a session that outlives them (the broker
     * runs with persistence) and automatic reconnects, as {@code MqttRecorder.subscribeDurably} sets them.
     */
    public static MqttConnectionOptions durableOptions(TestPki.Issued client, X509Certificate trusted) {
        MqttConnectionOptions options = options(client, trusted);
        options.setCleanStart(false);
        options.setSessionExpiryInterval(600L);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 2);
        return options;
    }
}
