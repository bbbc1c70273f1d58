package org.openjii.mmi.component.iot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.FlowControl;
import org.openjii.mmi.delivery.MqttConnection;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.delivery.OutboxBudget;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two identities in one process, as two openJII Things on one gateway: each publishes over its own connection with
 * its own client id and certificate (the broker's log says who sent what), and when the broker revokes one
 * certificate (its CRL) the other goes on; once the certificate is accepted again, nothing is missing for either.
 */
class TwoIdentitiesIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern RECEIVED_PUBLISH = Pattern
            .compile("Received PUBLISH from (\\S+) \\(d\\d, q1, r0, m\\d+, '(things/[ab])/\\d+'");

    @TempDir
    Path dir;

    private TestPki.Authority authority;
    private TestPki.Issued thingA;
    private Path crl;
    private MosquittoBroker broker;
    private MqttRecorder recorder;
    private CamelContext context;
    private ProducerTemplate template;

    @BeforeEach
    void start() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        authority = TestPki.Authority.create("things CA");
        Path ca = authority.writeCertificate(dir.resolve("ca.pem"));
        TestPki.Issued server = authority.issueServer("broker", "localhost");
        crl = authority.writeCrl(dir.resolve("crl.pem"));
        int plainPort = MosquittoBroker.freePort();
        // The recorder listens on a plain listener of its own, with a session that survives the restarts.
        broker = MosquittoBroker.startMutualTls(dir, ca, server.writeCertificate(dir.resolve("server.pem")),
                server.writeKey(dir.resolve("server.key"), KeyFormat.TRADITIONAL), "crlfile " + crl,
                "persistence true", "persistence_location " + dir + "/", "listener " + plainPort + " 127.0.0.1");
        recorder = MqttRecorder.subscribeDurably("tcp://127.0.0.1:" + plainPort, "recorder", "things/#");

        thingA = authority.issueClient("thing-a", KeyType.EC);
        TestPki.Issued thingB = authority.issueClient("thing-b", KeyType.RSA);
        context = new DefaultCamelContext();
        IotComponent iot = context.getComponent("iot", IotComponent.class);
        iot.addIdentity("thing-a", settings("thing-a", thingA, ca), null);
        iot.addIdentity("thing-b", settings("thing-b", thingB, ca), null);
        context.start();
        template = context.createProducerTemplate();
    }

    private Delivery.Settings settings(String name, TestPki.Issued client, Path ca) throws Exception {
        return new Delivery.Settings(broker.url(), client.writeCertificate(dir.resolve(name + ".pem.crt")),
                client.writeKey(dir.resolve(name + ".pem.key"), KeyFormat.TRADITIONAL), ca, false, null,
                new MqttConnection.Settings(name, 60, 3600, null, 10, Duration.ofSeconds(2)),
                FlowControl.unlimited(100), null, dir.resolve("outbox-" + name), OutboxBudget.forData(64L << 20),
                Outbox.FullPolicy.REJECT,
                Duration.ofMinutes(15));
    }

    @AfterEach
    void stop() throws Exception {
        if (context != null) {
            context.close();
        }
        if (recorder != null) {
            recorder.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private void publish(String thing, String letter, int from, int to) {
        for (int n = from; n < to; n++) {
            template.sendBodyAndHeader("iot:data?identity=" + thing + "&topic=things/" + letter + "/" + n,
                    "{\"n\":" + n + "}", IotConstants.IDENTITY, thing);
        }
    }

    private Set<String> received(String letter) {
        return recorder.messages()
                .stream()
                .map(MqttRecorder.Received::topic)
                .filter(topic -> topic.startsWith("things/" + letter + "/"))
                .collect(Collectors.toSet());
    }

    private static Set<String> topics(String letter, int count) {
        return IntStream.range(0, count).mapToObj(n -> "things/" + letter + "/" + n).collect(Collectors.toSet());
    }

    private Delivery delivery(String thing) {
        return context.getComponent("iot", IotComponent.class).identity(thing).delivery();
    }

    /** Restarts the broker around {@code change}, with the recorder away as Mosquitto needs it to queue for it. */
    private void restartBroker(ThrowingRunnable change) throws Exception {
        recorder.leave(broker);
        broker.stop();
        change.run();
        broker.restart();
        recorder.reconnect();
    }

    private interface ThrowingRunnable {

        void run() throws Exception;
    }

    @Test
    void eachIdentityPublishesOnItsOwnConnectionAndARevokedOneStopsOnlyItself() throws Exception {
        publish("thing-a", "a", 0, 10);
        publish("thing-b", "b", 0, 10);
        await().atMost(WAIT).until(() -> received("a").size() == 10 && received("b").size() == 10);

        // The certificate of thing-a is revoked: the broker refuses its TLS handshake from now on.
        restartBroker(() -> authority.writeCrl(crl, thingA.certificate()));
        publish("thing-a", "a", 10, 20);
        publish("thing-b", "b", 10, 20);
        await().atMost(WAIT).until(() -> received("b").size() == 20);
        // Its readiness says why: the broker refuses its certificate (named by file).
        await().atMost(WAIT)
                .until(() -> delivery("thing-a").connection()
                        .state()
                        .detail()
                        .contains(
                                "thing-a.pem.crt: the broker"));
        assertThat(received("a")).isEqualTo(topics("a", 10));
        assertThat(delivery("thing-a").outbox().depth()).isEqualTo(10);
        assertThat(delivery("thing-b").connection().isConnected()).isTrue();

        // Accepted again: what waited in thing-a's outbox arrives, and nothing is missing for either.
        restartBroker(() -> authority.writeCrl(crl));
        await().atMost(WAIT).until(() -> received("a").size() == 20);
        assertThat(received("a")).isEqualTo(topics("a", 20));
        assertThat(received("b")).isEqualTo(topics("b", 20));

        // Who sent what, as the broker saw it: each identity only its own messages, over its own connection.
        Matcher publishes = RECEIVED_PUBLISH.matcher(broker.logText());
        List<String> senders = publishes.results().map(m -> m.group(1) + " " + m.group(2)).distinct().toList();
        assertThat(senders).containsExactlyInAnyOrder("thing-a things/a", "thing-b things/b");
        assertThat(broker.logText()).contains("as thing-a (p5, c0, k60, u'thing-a')",
                "as thing-b (p5, c0, k60, u'thing-b')");
    }
}
