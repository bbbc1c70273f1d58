package org.openjii.mmi.test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.MqttConnAck;
import org.eclipse.paho.mqttv5.common.packet.MqttConnect;
import org.eclipse.paho.mqttv5.common.packet.MqttDisconnect;
import org.eclipse.paho.mqttv5.common.packet.MqttPingReq;
import org.eclipse.paho.mqttv5.common.packet.MqttPingResp;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPubAck;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttWireMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * An MQTT 5 broker that answers each QoS 1 PUBLISH with the next PUBACK reason code of a script, for behaviour no
 * real broker here can be made to show on demand (AWS IoT Core's 0x97 Quota exceeded). It speaks just enough of the
 * protocol for one client (CONNECT, PUBLISH QoS 1, PINGREQ, DISCONNECT), with Paho's own packet classes, and records
 * what it received. When the script runs out it answers success.
 */
public final class ScriptedBroker implements AutoCloseable {

    /** One PUBLISH as received. */
    public record Received(String topic, Map<String, String> userProperties, int reasonCodeSent, Instant at) {
    }

    private final ServerSocket server;
    private final Queue<Integer> pubackCodes;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private ScriptedBroker(List<Integer> pubackCodes) throws IOException {
        this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        this.pubackCodes = new ConcurrentLinkedQueue<>(pubackCodes);
        this.acceptor = new Thread(this::serve, "scripted-broker");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Starts on a free loopback port; PUBLISH number i gets {@code pubackCodes[i]}, later ones success. */
    public static ScriptedBroker start(Integer... pubackCodes) throws IOException {
        return new ScriptedBroker(List.of(pubackCodes));
    }

    public String url() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket client = server.accept()) {
                converse(client.getInputStream(), client.getOutputStream());
            } catch (SocketException e) {
                // Closed by the test or by the client.
            } catch (IOException | MqttException e) {
                if (!server.isClosed()) {
                    throw new IllegalStateException("Scripted broker failed: " + e, e);
                }
            }
        }
    }

    private void converse(InputStream in, OutputStream out) throws IOException, MqttException {
        DataInputStream data = new DataInputStream(in);
        while (true) {
            MqttWireMessage packet = read(data);
            if (packet == null || packet instanceof MqttDisconnect) {
                return;
            }
            if (packet instanceof MqttConnect) {
                write(out, new MqttConnAck(false, 0, new MqttProperties()));
            } else if (packet instanceof MqttPublish publish) {
                Integer scripted = pubackCodes.poll();
                int code = scripted == null ? 0 : scripted;
                Map<String, String> properties = publish.getProperties()
                        .getUserProperties()
                        .stream()
                        .collect(Collectors.toMap(UserProperty::getKey, UserProperty::getValue, (a, b) -> b));
                received.add(new Received(publish.getTopicName(), properties, code, Instant.now()));
                write(out, new MqttPubAck(code, publish.getMessageId(), new MqttProperties()));
            } else if (packet instanceof MqttPingReq) {
                write(out, new MqttPingResp());
            }
        }
    }

    /** One packet: fixed header byte, remaining length (variable byte integer), the rest. Null at end of stream. */
    private static MqttWireMessage read(DataInputStream in) throws IOException, MqttException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(first);
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            packet.write(digit);
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] rest = new byte[length];
        in.readFully(rest);
        packet.write(rest);
        return MqttWireMessage.createWireMessage(packet.toByteArray());
    }

    private static void write(OutputStream out, MqttWireMessage packet) throws IOException, MqttException {
        out.write(packet.getHeader());
        out.write(packet.getPayload());
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
