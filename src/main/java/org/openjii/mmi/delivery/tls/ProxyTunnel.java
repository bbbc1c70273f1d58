package org.openjii.mmi.delivery.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * A tunnel to the broker through an HTTP proxy, opened with {@code CONNECT host:port} (RFC 9110, 9.3.6), for
 * {@code mmi check}. The bridge's own connection has Netty's proxy handler do this; the check does it itself to report
 * the proxy's answer as the proxy gave it. Hand-written: the JDK's HTTP client opens such tunnels only for its own
 * HTTPS requests, never as a socket.
 */
final class ProxyTunnel {

    /** A proxy's answer has a status line and a few headers; more is not a proxy speaking. */
    private static final int MAX_ANSWER_BYTES = 16 * 1024;

    /** The proxy answered CONNECT with something other than 2xx. */
    static final class RefusedException extends IOException {

        private static final long serialVersionUID = 1L;
        private final int status;
        private final String reason;

        RefusedException(int status, String reason) {
            super("the proxy answered CONNECT with HTTP " + status + (reason.isEmpty() ? "" : " " + reason));
            this.status = status;
            this.reason = reason;
        }

        int status() {
            return status;
        }

        String reason() {
            return reason;
        }
    }

    private ProxyTunnel() {
    }

    /**
     * Connects to the proxy and asks it for a tunnel to {@code host:port}.
     *
     * @return the socket, now a tunnel to the broker
     * @throws RefusedException when the proxy answered, but not with 2xx (407: authentication required)
     * @throws IOException when the proxy cannot be reached, or did not answer as an HTTP proxy
     */
    static Socket open(HttpProxy proxy, String host, int port, Duration timeout) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(proxy.host(), proxy.port()), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            String authority = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
            StringBuilder request = new StringBuilder("CONNECT ").append(authority)
                    .append(" HTTP/1.1\r\nHost: ")
                    .append(authority)
                    .append("\r\n");
            if (proxy.authenticates()) {
                String credentials = proxy.username() + ":" + (proxy.password() == null ? "" : proxy.password());
                request.append("Proxy-Authorization: Basic ")
                        .append(Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                        .append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String statusLine = readAnswer(socket.getInputStream());
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("\\d{3}")) {
                throw new IOException("the proxy answered CONNECT with '" + statusLine.strip()
                        + "', which is no HTTP status line: is " + proxy.host() + ":" + proxy.port()
                        + " an HTTP proxy?");
            }
            int status = Integer.parseInt(parts[1]);
            if (status / 100 != 2) {
                throw new RefusedException(status, parts.length > 2 ? parts[2].strip() : "");
            }
            socket.setSoTimeout(0);
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Reads the answer up to its empty line; returns its first line. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        int previous = -1;
        int lineLength = 0;
        while (answer.size() < MAX_ANSWER_BYTES) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("the proxy closed the connection without answering CONNECT");
            }
            answer.write(b);
            if (b == '\n') {
                if (lineLength == 0 || (lineLength == 1 && previous == '\r')) {
                    String text = answer.toString(StandardCharsets.ISO_8859_1);
                    return text.substring(0, text.indexOf('\n')).strip();
                }
                lineLength = 0;
            } else {
                lineLength++;
            }
            previous = b;
        }
        throw new IOException("the proxy's answer to CONNECT has no end within " + MAX_ANSWER_BYTES + " bytes");
    }
}
