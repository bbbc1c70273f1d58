package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The JDK's TLS socket with three settings that no later {@link #setSSLParameters} can take away: the protocol
 * versions (TLS 1.3 and 1.2), the ALPN protocols, and host name verification ("HTTPS" endpoint identification).
 *
 * <p>
 * Why: right before its handshake, Paho's {@code SSLNetworkModule.start()} calls
 * {@code socket.setSSLParameters(new SSLParameters())} twice, once with the SNI host name and once with "HTTPS"
 * endpoint identification. A fresh {@code SSLParameters} holds an empty ALPN list, which the JDK's socket takes over,
 * so the ALPN a factory set is gone by the handshake (seen on Java 17: ALPN {@code []} after Paho's calls). Pinning
 * it here keeps Paho's {@code ssl://} path, where Paho runs the handshake itself inside {@code connect}, under its
 * connection timeout (30 s by default). Protocols and host name verification are pinned too, so that no caller, and
 * no {@code setHttpsHostnameVerificationEnabled(false)}, can weaken them.
 *
 * <p>
 * The other way to get ALPN past Paho, a {@code tcp://} URI with a plain socket factory that returns a TLS socket,
 * defers the handshake to Paho's first write, under the 1 s socket timeout Paho sets after connecting and racing its
 * reader thread for the handshake: with a 30 s connect timeout it connected to a server that answered the
 * handshake 2 or 3 s late, but lost every connection to one that answered 4, 5 or 8 s late, after 2 to 3 s
 * ({@code Connection lost (32109)}, {@code SocketTimeoutException: Read timed out}, which looks like a
 * network failure), where this path connected ({@code TlsHandshakeTest} keeps that case).
 *
 * <p>
 * A handshake that ends with the broker hanging up after it got our client certificate is reported as
 * {@link HungUpAfterClientCertificateException}, so that it can be told from a network failure. Everything else is
 * passed to the JDK's socket unchanged.
 */
final class PinnedSettingsSslSocket extends SSLSocket {

    static final String HOSTNAME_VERIFICATION = "HTTPS";

    /**
     * The broker hung up during the handshake right after it asked for and got our client certificate: how a broker
     * refuses a certificate over TLS 1.2 when its alert is lost to the connection reset (OpenSSL in Mosquitto does
     * that: the client sees only "Broken pipe").
     */
    static final class HungUpAfterClientCertificateException extends SSLHandshakeException {

        HungUpAfterClientCertificateException(IOException hangUp) {
            super("the broker closed the connection after receiving the client certificate: " + hangUp.getMessage());
            initCause(hangUp);
        }
    }

    private final SSLSocket jdk;
    private final String[] protocols;
    private final String[] applicationProtocols;
    private final Predicate<SSLSocket> clientCertificateShown;

    /** @param clientCertificateShown whether the handshake on a JDK socket sent our client certificate */
    PinnedSettingsSslSocket(SSLSocket jdk, List<String> protocols, List<String> applicationProtocols,
            Predicate<SSLSocket> clientCertificateShown) {
        this.jdk = jdk;
        this.protocols = protocols.toArray(String[]::new);
        this.applicationProtocols = applicationProtocols.toArray(String[]::new);
        this.clientCertificateShown = clientCertificateShown;
        jdk.setSSLParameters(pin(jdk.getSSLParameters()));
    }

    /** Applies the pinned settings to {@code parameters}; the rest (SNI, cipher suites, ...) is the caller's. */
    private SSLParameters pin(SSLParameters parameters) {
        parameters.setProtocols(protocols.clone());
        parameters.setApplicationProtocols(applicationProtocols.clone());
        parameters.setEndpointIdentificationAlgorithm(HOSTNAME_VERIFICATION);
        return parameters;
    }

    @Override
    public void setSSLParameters(SSLParameters parameters) {
        jdk.setSSLParameters(pin(parameters));
    }

    @Override
    public SSLParameters getSSLParameters() {
        return jdk.getSSLParameters();
    }

    @Override
    public void startHandshake() throws IOException {
        try {
            jdk.startHandshake();
        } catch (SocketException hangUp) {
            throw clientCertificateShown.test(jdk) ? new HungUpAfterClientCertificateException(hangUp) : hangUp;
        }
    }

    // --- Everything below is plain delegation to the JDK's socket.

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
        jdk.connect(endpoint);
    }

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
        jdk.connect(endpoint, timeout);
    }

    @Override
    public void bind(SocketAddress bindpoint) throws IOException {
        jdk.bind(bindpoint);
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return jdk.getInputStream();
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return jdk.getOutputStream();
    }

    @Override
    public void close() throws IOException {
        jdk.close();
    }

    @Override
    public void shutdownInput() throws IOException {
        jdk.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        jdk.shutdownOutput();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return jdk.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return jdk.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        jdk.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return jdk.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        return jdk.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] enabledProtocols) {
        jdk.setEnabledProtocols(enabledProtocols);
    }

    @Override
    public SSLSession getSession() {
        return jdk.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
        return jdk.getHandshakeSession();
    }

    @Override
    public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
        jdk.addHandshakeCompletedListener(listener);
    }

    @Override
    public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
        jdk.removeHandshakeCompletedListener(listener);
    }

    @Override
    public void setUseClientMode(boolean mode) {
        jdk.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
        return jdk.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        jdk.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return jdk.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        jdk.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return jdk.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        jdk.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return jdk.getEnableSessionCreation();
    }

    @Override
    public String getApplicationProtocol() {
        return jdk.getApplicationProtocol();
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        return jdk.getHandshakeApplicationProtocol();
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLSocket, List<String>, String> selector) {
        jdk.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLSocket, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return jdk.getHandshakeApplicationProtocolSelector();
    }

    @Override
    public InetAddress getInetAddress() {
        return jdk.getInetAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return jdk.getLocalAddress();
    }

    @Override
    public int getPort() {
        return jdk.getPort();
    }

    @Override
    public int getLocalPort() {
        return jdk.getLocalPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return jdk.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return jdk.getLocalSocketAddress();
    }

    @Override
    public SocketChannel getChannel() {
        return jdk.getChannel();
    }

    @Override
    public void setTcpNoDelay(boolean on) throws SocketException {
        jdk.setTcpNoDelay(on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return jdk.getTcpNoDelay();
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        jdk.setSoLinger(on, linger);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return jdk.getSoLinger();
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        jdk.sendUrgentData(data);
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        jdk.setOOBInline(on);
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        return jdk.getOOBInline();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        jdk.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return jdk.getSoTimeout();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        jdk.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return jdk.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        jdk.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return jdk.getReceiveBufferSize();
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        jdk.setKeepAlive(on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return jdk.getKeepAlive();
    }

    @Override
    public void setTrafficClass(int trafficClass) throws SocketException {
        jdk.setTrafficClass(trafficClass);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return jdk.getTrafficClass();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        jdk.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return jdk.getReuseAddress();
    }

    @Override
    public boolean isConnected() {
        return jdk.isConnected();
    }

    @Override
    public boolean isBound() {
        return jdk.isBound();
    }

    @Override
    public boolean isClosed() {
        return jdk.isClosed();
    }

    @Override
    public boolean isInputShutdown() {
        return jdk.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return jdk.isOutputShutdown();
    }

    @Override
    public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        jdk.setPerformancePreferences(connectionTime, latency, bandwidth);
    }

    @Override
    public <T> SSLSocket setOption(SocketOption<T> name, T value) throws IOException {
        jdk.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return jdk.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return jdk.supportedOptions();
    }

    @Override
    public String toString() {
        return jdk.toString();
    }
}
