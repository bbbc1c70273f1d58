package org.openjii.mmi.test.openjii;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Mosquitto 2.0.11 broker logged ({@code log_type all}, {@code connection_messages true}), read into records:
 * connections with the user name (with {@code use_identity_as_username}, the client certificate's CN), publishes
 * received and denied, subscriptions, Wills, session takeovers and TLS handshake failures. Each record carries the
 * user name of the client's connection at the time.
 * <p>
 * What 2.0.11 logs, as seen in its log:
 * <ul>
 * <li>{@code New client connected from 127.0.0.1:33588 as thing-a (p5, c1, k60, u'thing-a').}</li>
 * <li>{@code Received PUBLISH from thing-a (d0, q1, r0, m1, 'topic', ... (2 bytes))}; the same with {@code Denied}
 * when the ACL refuses it (then a PUBACK with reason 135, "not authorized", for MQTT 5 and 3.1.1 alike).</li>
 * <li>{@code Received SUBSCRIBE from thing-a}, then one {@code \tfilter (QoS 1)} line per filter. The
 * {@code acl_file} never refuses a subscription: the SUBACK grants it, and the read ACL filters what is delivered
 * (retained messages included). A subscription outside the policy is therefore only visible here.</li>
 * <li>{@code Will message specified (4 bytes) (r1, q1).} then {@code \ttopic}; {@code No will message specified.}</li>
 * <li>{@code Client thing-a already connected, closing old connection.}: a session takeover.</li>
 * <li>{@code Received DISCONNECT from thing-a}, then {@code Client thing-a disconnected.}: the client ended its
 * connection itself.</li>
 * <li>{@code OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed}, then
 * {@code Client <unknown> disconnected: Protocol error.}: a refused handshake (unknown, expired or revoked
 * certificate). When the client's certificate had already arrived as the broker accepted the connection, the handshake
 * fails there and the same refusal is one line:
 * {@code Client connection from 127.0.0.1 failed: error:0A000086:SSL routines::certificate verify failed.}</li>
 * </ul>
 */
public final class MosquittoLog {

    /** A connection accepted; {@code username} is null when the client has none. */
    public record Connection(long time, String clientId, String username, int protocolVersion, boolean cleanStart,
            int keepAlive) {
    }

    /** A PUBLISH the broker received (or denied). */
    public record Publish(long time, String clientId, String username, boolean dup, int qos, boolean retain,
            int messageId, String topic, int bytes) {
    }

    /** One filter of a SUBSCRIBE, with the QoS asked for. */
    public record Subscription(long time, String clientId, String username, String filter, int qos) {
    }

    /** A DISCONNECT the client sent: it ended its connection itself. */
    public record Disconnect(long time, String clientId, String username) {
    }

    /** A Will set on CONNECT. */
    public record Will(long time, String clientId, String username, String topic, boolean retain, int qos) {
    }

    private static final Pattern LINE = Pattern.compile("^(\\d+): (.*)$");
    private static final Pattern CONNECTED = Pattern.compile(
            "New client connected from \\S+ as (\\S+) \\(p(\\d+), c(\\d), k(\\d+)(?:, u'(.*)')?\\)\\.");
    private static final Pattern PUBLISH = Pattern.compile(
            "(Received|Denied) PUBLISH from (\\S+) \\(d(\\d), q(\\d), r(\\d), m(\\d+), '(.*)', \\.\\.\\. \\((\\d+) bytes\\)\\)");
    private static final Pattern SUBSCRIBE = Pattern.compile("Received SUBSCRIBE from (\\S+)");
    private static final Pattern FILTER = Pattern.compile("\t(.*) \\(QoS (\\d+)\\)");
    private static final Pattern WILL = Pattern
            .compile("Will message specified \\(\\d+ bytes\\) \\(r(\\d), q(\\d)\\)\\.");
    private static final Pattern DISCONNECT = Pattern.compile("Received DISCONNECT from (\\S+)");
    private static final Pattern TAKEOVER = Pattern
            .compile("Client (\\S+) already connected, closing old connection\\.");
    private static final Pattern FAILED_ACCEPT = Pattern.compile("Client connection from \\S+ failed: .*");

    private final List<Connection> connections = new ArrayList<>();
    private final List<Publish> publishes = new ArrayList<>();
    private final List<Publish> denied = new ArrayList<>();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final List<Will> wills = new ArrayList<>();
    private final List<Disconnect> disconnects = new ArrayList<>();
    private final List<String> takeovers = new ArrayList<>();
    private final List<String> tlsErrors = new ArrayList<>();

    private MosquittoLog() {
    }

    /** Reads a log's text. */
    public static MosquittoLog parse(String text) {
        MosquittoLog log = new MosquittoLog();
        Map<String, String> usernames = new HashMap<>();
        String subscriber = null;
        Connection willOf = null;
        Matcher will = null;
        for (String raw : text.split("\n")) {
            Matcher line = LINE.matcher(raw);
            if (!line.matches()) {
                continue;
            }
            long time = Long.parseLong(line.group(1));
            String message = line.group(2);
            Matcher m;
            if (will != null && willOf != null && message.startsWith("\t")) {
                log.wills.add(new Will(time, willOf.clientId(), willOf.username(), message.substring(1),
                        will.group(1).equals("1"), Integer.parseInt(will.group(2))));
                will = null;
                continue;
            }
            will = null;
            if (subscriber != null && (m = FILTER.matcher(message)).matches()) {
                log.subscriptions.add(new Subscription(time, subscriber, usernames.get(subscriber), m.group(1),
                        Integer.parseInt(m.group(2))));
                continue;
            }
            subscriber = null;
            if ((m = CONNECTED.matcher(message)).matches()) {
                willOf = new Connection(time, m.group(1), m.group(5), Integer.parseInt(m.group(2)),
                        m.group(3).equals("1"), Integer.parseInt(m.group(4)));
                log.connections.add(willOf);
                usernames.put(willOf.clientId(), willOf.username());
            } else if ((m = PUBLISH.matcher(message)).matches()) {
                Publish publish = new Publish(time, m.group(2), usernames.get(m.group(2)), m.group(3).equals("1"),
                        Integer.parseInt(m.group(4)), m.group(5).equals("1"), Integer.parseInt(m.group(6)),
                        m.group(7), Integer.parseInt(m.group(8)));
                (m.group(1).equals("Denied") ? log.denied : log.publishes).add(publish);
            } else if ((m = SUBSCRIBE.matcher(message)).matches()) {
                subscriber = m.group(1);
            } else if ((m = WILL.matcher(message)).matches()) {
                will = m;
            } else if ((m = DISCONNECT.matcher(message)).matches()) {
                log.disconnects.add(new Disconnect(time, m.group(1), usernames.get(m.group(1))));
            } else if ((m = TAKEOVER.matcher(message)).matches()) {
                log.takeovers.add(m.group(1));
            } else if (message.startsWith("OpenSSL Error") || FAILED_ACCEPT.matcher(message).matches()) {
                log.tlsErrors.add(message);
            }
        }
        return log;
    }

    public List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** The client ids that connected, in order of their first connection. */
    public List<String> clientIds() {
        return List.copyOf(new LinkedHashSet<>(connections.stream().map(Connection::clientId).toList()));
    }

    /** The client ids that connected with a certificate whose CN (the user name) is {@code commonName}. */
    public List<String> clientIdsOf(String commonName) {
        return List.copyOf(new LinkedHashSet<>(connections.stream()
                .filter(c -> commonName.equals(c.username()))
                .map(Connection::clientId)
                .toList()));
    }

    /** The PUBLISH packets the broker accepted. */
    public List<Publish> publishes() {
        return List.copyOf(publishes);
    }

    public List<Publish> publishesFrom(String clientId) {
        return publishes.stream().filter(p -> p.clientId().equals(clientId)).toList();
    }

    /** The accepted publishes with the retain flag (a device on openJII has no right to retain). */
    public List<Publish> retainedPublishes() {
        return publishes.stream().filter(Publish::retain).toList();
    }

    /** The publishes the ACL refused. */
    public List<Publish> deniedPublishes() {
        return List.copyOf(denied);
    }

    public List<Subscription> subscriptions() {
        return List.copyOf(subscriptions);
    }

    public List<Will> wills() {
        return List.copyOf(wills);
    }

    /** The DISCONNECTs clients sent, in order. */
    public List<Disconnect> disconnects() {
        return List.copyOf(disconnects);
    }

    /** The client ids whose connection a newer connection with the same id took over, once per takeover. */
    public List<String> takeovers() {
        return List.copyOf(takeovers);
    }

    /**
     * TLS errors ({@code OpenSSL Error...} lines, and {@code Client connection from ... failed: ...} for a handshake
     * that failed as the connection was accepted). Besides refused certificates they include
     * {@code unexpected eof while reading} from connections closed without a TLS handshake, as the check that the
     * broker is up makes one.
     */
    public List<String> tlsErrors() {
        return List.copyOf(tlsErrors);
    }

    /**
     * Handshakes refused for the client's certificate ({@code certificate verify failed}): unknown issuer, expired,
     * or revoked by the CRL (2.0.11 with OpenSSL 3 does not say which).
     */
    public List<String> refusedCertificates() {
        return tlsErrors.stream().filter(error -> error.contains("certificate verify failed")).toList();
    }
}
