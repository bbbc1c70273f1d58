package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback that holds every chunk for a fixed one-way delay in each direction, preserving order: a
 * 50 ms delay makes a 100 ms round trip (as to a distant AWS region) without root or the kernel's netem, which this
 * machine's kernel lacks. Each connection gets two reader and two writer threads; bandwidth is not limited.
 */
public final class LatencyProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayNanos;
    private volatile boolean closed;

    private LatencyProxy(InetSocketAddress target, Duration oneWay) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.delayNanos = oneWay.toNanos();
        Thread acceptor = new Thread(this::accept, "latency-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy to {@code host:port} that delays each direction by {@code oneWay}. */
    public static LatencyProxy start(String host, int port, Duration oneWay) throws IOException {
        return new LatencyProxy(new InetSocketAddress(host, port), oneWay);
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                pipe(client, upstream, "up");
                pipe(upstream, client, "down");
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pipe(Socket from, Socket to, String direction) {
        DelayQueue<Chunk> queue = new DelayQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            long seq = 0;
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    queue.put(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos, seq++));
                }
            } catch (IOException e) {
                // The connection ended; the writer closes the other side after the queued chunks.
            }
            queue.put(new Chunk(null, System.nanoTime() + delayNanos, seq));
        }, "latency-proxy-read-" + direction);
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                while (true) {
                    Chunk chunk = queue.take();
                    if (chunk.bytes == null) {
                        break;
                    }
                    out.write(chunk.bytes);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // The other side went away.
            } finally {
                closeQuietly(to);
                closeQuietly(from);
            }
        }, "latency-proxy-write-" + direction);
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
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
    }

    /** Bytes due at {@code dueNanos}; {@code seq} keeps chunks read in the same nanosecond in order. */
    private record Chunk(byte[] bytes, long dueNanos, long seq) implements Delayed {

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Chunk chunk = (Chunk) other;
            return dueNanos != chunk.dueNanos ? Long.compare(dueNanos, chunk.dueNanos) : Long.compare(seq, chunk.seq);
        }
    }
}
