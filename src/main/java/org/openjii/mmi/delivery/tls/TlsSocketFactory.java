package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Makes TLS sockets for the broker connection: TLS 1.3 and 1.2 only, the configured ALPN, host name verification
 * on, {@code TCP_NODELAY} on; those settings are pinned against Paho's resets by {@link PinnedSettingsSslSocket}.
 * {@code TCP_NODELAY} because a synchronous QoS 1 publish larger than one TCP segment otherwise waits about 45 ms for
 * the broker's delayed ACK (stack-notes, "Performance traps").
 */
final class TlsSocketFactory extends SSLSocketFactory {

    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final SSLSocketFactory jdk;
    private final List<String> applicationProtocols;
    private final Predicate<SSLSocket> clientCertificateShown;

    /** @param identity the client certificate the context presents, or null */
    TlsSocketFactory(SSLContext context, List<String> applicationProtocols, ClientIdentity identity) {
        this.jdk = context.getSocketFactory();
        this.applicationProtocols = List.copyOf(applicationProtocols);
        this.clientCertificateShown = identity == null ? socket -> false : identity::wasShownOn;
    }

    /** The one Paho calls: an unconnected socket, which Paho connects and then hands the handshake. */
    @Override
    public Socket createSocket() throws IOException {
        return pinned(jdk.createSocket());
    }

    @Override
    public Socket createSocket(Socket plain, String host, int port, boolean autoClose) throws IOException {
        return pinned(jdk.createSocket(plain, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return pinned(jdk.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return pinned(jdk.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return pinned(jdk.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return pinned(jdk.createSocket(address, port, localAddress, localPort));
    }

    private Socket pinned(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        return new PinnedSettingsSslSocket((SSLSocket) socket, PROTOCOLS, applicationProtocols,
                clientCertificateShown);
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return jdk.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return jdk.getSupportedCipherSuites();
    }
}
