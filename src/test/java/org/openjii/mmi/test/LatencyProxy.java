package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback that holds every chunk for a fixed one-way delay in each direction, preserving order: a
 * 50 ms delay makes a 100 ms round trip (as to a distant AWS region) without root or the kernel's netem, which this
 * machine's kernel lacks. Each connection gets a reader and a writer thread per direction; bandwidth is not limited.
 */
public final class LatencyProxy extends TcpRelay {

    private final long delayNanos;

    private LatencyProxy(InetSocketAddress target, Duration oneWay) throws IOException {
        super(target, "latency-proxy");
        this.delayNanos = oneWay.toNanos();
    }

    /** A proxy to {@code host:port} that delays each direction by {@code oneWay}. */
    public static LatencyProxy start(String host, int port, Duration oneWay) throws IOException {
        LatencyProxy proxy = new LatencyProxy(new InetSocketAddress(host, port), oneWay);
        proxy.listen();
        return proxy;
    }

    /** Reads on this thread, writes each chunk on a second one once its delay has passed. */
    @Override
    protected void pump(Direction direction, Socket from, Socket to) throws IOException, InterruptedException {
        DelayQueue<Chunk> queue = new DelayQueue<>();
        Thread writer = daemon("latency-proxy-write-" + direction.name().toLowerCase(Locale.ROOT), () -> {
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
            }
        });
        byte[] buffer = new byte[64 * 1024];
        long seq = 0;
        try (InputStream in = from.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                queue.put(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos, seq++));
            }
        } catch (IOException e) {
            // The connection ended; the writer sends the queued chunks first.
        }
        queue.put(new Chunk(null, System.nanoTime() + delayNanos, seq));
        // The sockets are closed once this returns: after the queued chunks went out.
        writer.join();
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
