package org.openjii.mmi.test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A TCP proxy on loopback between an MQTT client and a plain-MQTT broker that can fail the client's PUBLISH packets,
 * as a flapping link or a proxy that stops forwarding does: {@link Fault#CLOSE} drops the connection as the packet
 * passes (neither side gets a DISCONNECT), {@link Fault#SWALLOW} forwards nothing of it and keeps the connection, so
 * the client waits for a PUBACK that never comes. Everything else passes unchanged, in both directions.
 * <p>
 * It reads the client's side packet by packet (MQTT's fixed header: the type in the first byte's high nibble, then the
 * remaining length as a variable byte integer; a PUBLISH's variable header starts with its topic, a two-byte length
 * and UTF-8, in MQTT 3.1.1 and 5 alike). Hand-written: no proxy we could start knows MQTT packets.
 */
public final class MqttFaultProxy extends TcpRelay {

    /** What happens to a PUBLISH that is failed. */
    public enum Fault {
        /** Both connections are closed, as the packet would have been forwarded. */
        CLOSE,
        /** The packet is dropped; the connection stays. */
        SWALLOW
    }

    private static final int PUBLISH = 3;

    private final AtomicInteger failed = new AtomicInteger();
    private volatile Fault fault = Fault.CLOSE;
    private volatile Predicate<String> topics = topic -> false;
    private final AtomicInteger toFail = new AtomicInteger();

    private MqttFaultProxy(InetSocketAddress target) throws IOException {
        super(target, "mqtt-fault-proxy");
    }

    /** A proxy to the broker at {@code host:port}, passing everything until told otherwise. */
    public static MqttFaultProxy start(String host, int port) throws IOException {
        MqttFaultProxy proxy = new MqttFaultProxy(new InetSocketAddress(host, port));
        proxy.listen();
        return proxy;
    }

    /** {@code tcp://127.0.0.1:<port>}. */
    public String url() {
        return "tcp://127.0.0.1:" + port();
    }

    /** Fails the next {@code count} PUBLISH packets whose topic {@code matches}, each with {@code how}. */
    public void failPublishes(int count, Fault how, Predicate<String> matches) {
        fault = how;
        topics = matches;
        toFail.set(count);
    }

    /** PUBLISH packets failed so far. */
    public int failed() {
        return failed.get();
    }

    @Override
    protected void pump(Direction direction, Socket from, Socket to) throws IOException {
        if (direction == Direction.UP) {
            packets(from, to);
        } else {
            copy(from, to);
        }
    }

    /** The client's packets to the broker, one at a time, failing those it was told to. */
    private void packets(Socket client, Socket broker) throws IOException {
        try (DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = broker.getOutputStream()) {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    break;
                }
                ByteArrayOutputStream header = new ByteArrayOutputStream();
                header.write(first);
                int length = 0;
                int shift = 0;
                int b;
                do {
                    b = in.readUnsignedByte();
                    header.write(b);
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                byte[] body = new byte[length];
                in.readFully(body);
                if ((first >> 4) == PUBLISH && fails(topic(body))) {
                    failed.incrementAndGet();
                    if (fault == Fault.CLOSE) {
                        break;
                    }
                    continue;
                }
                out.write(header.toByteArray());
                out.write(body);
                out.flush();
            }
        } catch (EOFException e) {
            // The client closed in the middle of a packet.
        }
    }

    private boolean fails(String topic) {
        if (!topics.test(topic)) {
            return false;
        }
        return toFail.getAndUpdate(left -> Math.max(0, left - 1)) > 0;
    }

    private static String topic(byte[] body) {
        int length = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        return new String(body, 2, length, StandardCharsets.UTF_8);
    }
}
