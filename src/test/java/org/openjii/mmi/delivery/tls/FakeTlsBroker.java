package org.openjii.mmi.delivery.tls;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.openjii.mmi.test.TestPki;

/**
 * A TLS server on loopback that accepts an MQTT 5 CONNECT with a CONNACK: enough for an MQTT client to connect, and
 * able to do
 * what Mosquitto cannot be made to do in a test: record the ALPN protocol each client negotiated, and start each
 * handshake only after a delay, as a slow broker far away would.
 */
final class FakeTlsBroker implements AutoCloseable {

    /** The server's ALPN list: a client offering other protocols gets a no_application_protocol alert. */
    static final String SERVED_PROTOCOL = "x-amzn-mqtt-ca";

    /** MQTT 5 CONNACK: type 2, remaining length 3, no session present, reason Success, no properties. */
    private static final byte[] CONNACK = {0x20, 0x03, 0x00, 0x00, 0x00};
    private static final int PINGREQ = 0xC0;
    private static final byte[] PINGRESP = {(byte) 0xD0, 0x00};

    private final ServerSocket server;
    private final SSLSocketFactory tls;
    private final Duration handshakeDelay;
    /** One thread accepts, one per connection serves: a connection kept open never holds up the next. */
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor();
    private final List<String> negotiatedProtocols = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    private FakeTlsBroker(TestPki.Issued serverCertificate, Duration handshakeDelay)
            throws IOException, GeneralSecurityException {
        this.server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        this.tls = serverContext(serverCertificate).getSocketFactory();
        this.handshakeDelay = handshakeDelay;
    }

    /** Starts accepting on a free loopback port; every handshake begins {@code handshakeDelay} after the accept. */
    static FakeTlsBroker start(TestPki.Issued serverCertificate, Duration handshakeDelay)
            throws IOException, GeneralSecurityException {
        FakeTlsBroker broker = new FakeTlsBroker(serverCertificate, handshakeDelay);
        broker.workers.execute(broker::acceptLoop);
        return broker;
    }

    int port() {
        return server.getLocalPort();
    }

    /** The ALPN protocol of every completed handshake, "" where the client offered none. */
    List<String> negotiatedProtocols() {
        return List.copyOf(negotiatedProtocols);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket plain = server.accept();
                connections.add(plain);
                delays.schedule(() -> workers.execute(() -> serve(plain)), handshakeDelay.toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket plain) {
        try (SSLSocket socket = (SSLSocket) tls.createSocket(plain, null, true)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[]{SERVED_PROTOCOL});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            negotiatedProtocols.add(socket.getApplicationProtocol());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            in.readUnsignedByte(); // CONNECT
            skipRestOfPacket(in);
            out.write(CONNACK);
            out.flush();
            for (int type = in.read(); type != -1; type = in.read()) {
                skipRestOfPacket(in);
                if (type == PINGREQ) {
                    out.write(PINGRESP);
                    out.flush();
                }
            }
        } catch (IOException clientGone) {
            // The client failed the handshake or went away: what the test asserts is on the client's side.
        }
    }

    /** Skips the rest of a packet whose first byte was read: the variable-length remaining length, then the body. */
    private static void skipRestOfPacket(DataInputStream in) throws IOException {
        int remaining = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            remaining += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        in.readNBytes(remaining);
    }

    private static SSLContext serverContext(TestPki.Issued certificate) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "test-only".toCharArray();
        store.setKeyEntry("server", certificate.keyPair().getPrivate(), password,
                new X509Certificate[]{certificate.certificate()});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket connection : connections) {
            connection.close();
        }
        delays.shutdownNow();
        workers.shutdownNow();
    }
}
