package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback: each connection accepted is relayed to the target, each direction on its own daemon thread
 * through {@link #pump}, which subclasses fill in (pass bytes, delay them, fail packets). When either direction ends,
 * both sockets are closed; {@link #close()} stops accepting and closes every connection still open.
 */
public abstract class TcpRelay implements AutoCloseable {

    /** Which way a {@link #pump} moves bytes. */
    public enum Direction {
        /** From the client that connected to the relay towards the target. */
        UP,
        /** From the target back to the client. */
        DOWN
    }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final String name;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    /**
     * Binds a free port on loopback; {@link #listen()} starts accepting.
     *
     * @param name the prefix of the relay's thread names
     */
    protected TcpRelay(InetSocketAddress target, String name) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.name = name;
    }

    /** Starts accepting: called once the subclass is constructed, so no pump sees it half made. */
    protected final void listen() {
        daemon(name + "-accept", this::accept);
    }

    /**
     * Moves bytes from {@code from} to {@code to} until either side goes away (an {@link IOException} ends it too);
     * both sockets are closed after it returns.
     */
    protected abstract void pump(Direction direction, Socket from, Socket to) throws IOException,
            InterruptedException;

    public int port() {
        return server.getLocalPort();
    }

    /** Connections relayed so far. */
    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                connections.incrementAndGet();
                relay(Direction.UP, client, upstream);
                relay(Direction.DOWN, upstream, client);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void relay(Direction direction, Socket from, Socket to) {
        daemon(name + "-" + direction.name().toLowerCase(Locale.ROOT), () -> {
            try {
                pump(direction, from, to);
            } catch (IOException e) {
                // One side went away.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        });
    }

    /** Copies bytes as they come, for a direction that needs nothing else. */
    protected static void copy(Socket from, Socket to) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }

    /** Starts {@code work} on a daemon thread named {@code threadName}. */
    protected static Thread daemon(String threadName, Runnable work) {
        Thread thread = new Thread(work, threadName);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        sockets.forEach(TcpRelay::closeQuietly);
    }
}
