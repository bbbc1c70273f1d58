package org.openjii.mmi.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

import javax.net.SocketFactory;

/**
 * Plain TCP sockets with {@code TCP_NODELAY}: without it a synchronous QoS 1 publish larger than one TCP segment
 * waits about 45 ms for the broker's delayed ACK; the benchmark's bare Paho client gets it as the bridge does. Not an
 * {@code SSLSocketFactory}: Paho refuses one for a {@code tcp://} URI.
 */
final class NoDelaySocketFactory extends SocketFactory {

    /** The one Paho calls: an unconnected socket, which Paho connects. */
    @Override
    public Socket createSocket() throws IOException {
        return noDelay(new Socket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return noDelay(new Socket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return noDelay(new Socket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return noDelay(new Socket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return noDelay(new Socket(address, port, localAddress, localPort));
    }

    private static Socket noDelay(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        return socket;
    }
}
