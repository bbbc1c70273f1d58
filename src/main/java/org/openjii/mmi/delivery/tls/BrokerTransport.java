package org.openjii.mmi.delivery.tls;

import java.nio.file.Path;
import java.util.Optional;

import javax.net.SocketFactory;

/** STUB until the delivery-tls branch lands: plain tcp only. */
public final class BrokerTransport {

    private final String url;

    private BrokerTransport(String url) {
        this.url = url;
    }

    public static BrokerTransport create(String brokerUrl, Path certFile, Path keyFile, Path caFile,
            boolean allowPlaintext, String alpn) throws MqttConfigurationException {
        if (!brokerUrl.startsWith("tcp://")) {
            throw new MqttConfigurationException("stub: only tcp:// " + brokerUrl);
        }
        return new BrokerTransport(brokerUrl);
    }

    public String pahoServerUri() {
        return url;
    }

    public SocketFactory socketFactory() {
        return SocketFactory.getDefault();
    }

    public boolean pahoHostnameVerification() {
        return true;
    }

    public String describe() {
        return url;
    }

    public Optional<MqttConfigurationException> explainConnectFailure(Throwable error) {
        return Optional.empty();
    }
}
