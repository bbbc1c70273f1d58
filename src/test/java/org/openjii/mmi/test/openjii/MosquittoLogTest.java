package org.openjii.mmi.test.openjii;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.test.openjii.MosquittoLog.Connection;
import org.openjii.mmi.test.openjii.MosquittoLog.Disconnect;
import org.openjii.mmi.test.openjii.MosquittoLog.Publish;
import org.openjii.mmi.test.openjii.MosquittoLog.Subscription;
import org.openjii.mmi.test.openjii.MosquittoLog.Will;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads lines Mosquitto 2.0.11 wrote (copied from its log under the ACL of {@link OpenJiiPolicy}). */
class MosquittoLogTest {

    private static final String LOG = """
            1796606246: mosquitto version 2.0.11 running
            1796606247: New connection from 127.0.0.1:33588 on port 18883.
            1796606247: New client connected from 127.0.0.1:33588 as thing-a (p5, c1, k60, u'thing-a').
            1796606247: No will message specified.
            1796606247: Sending CONNACK to thing-a (0, 0)
            1796606248: Received PUBLISH from thing-a (d0, q1, r0, m1, 'experiment/data_ingest/v1/e1/multispeq/1/s1', ... (2 bytes))
            1796606248: Sending PUBACK to thing-a (m1, rc16)
            1796606248: Denied PUBLISH from thing-a (d0, q1, r0, m2, 'mmi/status', ... (2 bytes))
            1796606248: Sending PUBACK to thing-a (m2, rc135)
            1796606248: Received PUBLISH from thing-a (d0, q1, r1, m3, 'experiment/data_ingest/v1/e1/multispeq/1/s1', ... (8 bytes))
            1796606250: Received SUBSCRIBE from thing-a
            1796606250: \tdevice/scripts/v1/multispeq/1/thing-b (QoS 1)
            1796606250: \tdevice/scripts/v1/+/+/thing-a (QoS 1)
            1796606250: thing-a 1 device/scripts/v1/multispeq/1/thing-b
            1796606250: thing-a 1 device/scripts/v1/+/+/thing-a
            1796606250: Sending SUBACK to thing-a
            1796606272: New client connected from 127.0.0.1:34828 as openjii-cloud (p5, c1, k60, u'openjii-cloud').
            1796606272: Received PUBLISH from openjii-cloud (d0, q1, r1, m1, 'device/scripts/v1/multispeq/1/thing-b', ... (9 bytes))
            1796606278: Received SUBSCRIBE from rec
            1796606278: \texperiment/# (QoS 1)
            1796606279: New client connected from 127.0.0.1:34864 as gateway-1 (p2, c0, k30, u'thing-a').
            1796606287: New client connected from 127.0.0.1:55722 as thing-b (p5, c1, k60, u'thing-b').
            1796606287: Will message specified (4 bytes) (r1, q1).
            1796606287: \tmmi/status
            1796606287: Sending CONNACK to thing-b (0, 0)
            1796606291: New connection from 127.0.0.1:37272 on port 18883.
            1796606291: Client thing-b already connected, closing old connection.
            1796606291: New client connected from 127.0.0.1:37272 as thing-b (p5, c1, k60, u'thing-b').
            1796606293: New connection from 127.0.0.1:37304 on port 18883.
            1796606292: OpenSSL Error[0]: error:0A000126:SSL routines::unexpected eof while reading
            1796606293: OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed
            1796606293: Client <unknown> disconnected: Protocol error.
            1796606293: New connection from 127.0.0.1:37306 on port 18883.
            1796606293: Client connection from 127.0.0.1 failed: error:0A000086:SSL routines::certificate verify failed.
            1796606293: Received DISCONNECT from gateway-1
            1796606293: Client gateway-1 disconnected.
            1796606294: Received PUBLISH from thing-b (d0, q1, r0, m1, 'exp""";

    private final MosquittoLog log = MosquittoLog.parse(LOG);

    @Test
    void shouldReadConnectionsWithTheCertificatesCommonName() {
        assertThat(log.connections()).first()
                .isEqualTo(new Connection(1796606247L, "thing-a", "thing-a", 5, true, 60));
        assertThat(log.clientIds()).containsExactly("thing-a", "openjii-cloud", "gateway-1", "thing-b");
        assertThat(log.clientIdsOf("thing-a")).containsExactly("thing-a", "gateway-1");
        assertThat(log.connections().get(2)).isEqualTo(new Connection(1796606279L, "gateway-1", "thing-a", 2, false,
                30));
    }

    @Test
    void shouldReadPublishesReceivedAndDenied() {
        assertThat(log.publishesFrom("thing-a")).containsExactly(
                new Publish(1796606248L, "thing-a", "thing-a", false, 1, false, 1,
                        "experiment/data_ingest/v1/e1/multispeq/1/s1", 2),
                new Publish(1796606248L, "thing-a", "thing-a", false, 1, true, 3,
                        "experiment/data_ingest/v1/e1/multispeq/1/s1", 8));
        assertThat(log.deniedPublishes()).extracting(Publish::topic).containsExactly("mmi/status");
        assertThat(log.retainedPublishes()).extracting(Publish::clientId)
                .containsExactly("thing-a",
                        "openjii-cloud");
        // The last line was cut while the broker wrote it: not read.
        assertThat(log.publishesFrom("thing-b")).isEmpty();
    }

    @Test
    void shouldReadSubscriptionsWillsTakeoversAndTlsErrors() {
        assertThat(log.subscriptions()).containsExactly(
                new Subscription(1796606250L, "thing-a", "thing-a", "device/scripts/v1/multispeq/1/thing-b", 1),
                new Subscription(1796606250L, "thing-a", "thing-a", "device/scripts/v1/+/+/thing-a", 1),
                new Subscription(1796606278L, "rec", null, "experiment/#", 1));
        assertThat(log.wills()).containsExactly(new Will(1796606287L, "thing-b", "thing-b", "mmi/status", true, 1));
        assertThat(log.takeovers()).containsExactly("thing-b");
        assertThat(log.tlsErrors()).hasSize(3);
        // The same refusal, as the broker logs it when the handshake failed while it read packets, and when it failed
        // as the connection was accepted (the client's certificate had already arrived).
        assertThat(log.refusedCertificates()).containsExactly(
                "OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed",
                "Client connection from 127.0.0.1 failed: error:0A000086:SSL routines::certificate verify failed.");
    }

    @Test
    void shouldReadTheDisconnectsClientsSent() {
        assertThat(log.disconnects()).containsExactly(new Disconnect(1796606293L, "gateway-1", "thing-a"));
    }

    @Test
    void shouldListWhatOpenJiisPolicyRefuses() {
        assertThat(OpenJiiPolicy.violations(log)).containsExactlyInAnyOrder(
                "denied PUBLISH from thing-a on 'mmi/status'",
                "retained PUBLISH from thing-a on 'experiment/data_ingest/v1/e1/multispeq/1/s1' (a device has no"
                        + " retain right)",
                "Will from thing-b on 'mmi/status'",
                "SUBSCRIBE from thing-a to 'device/scripts/v1/multispeq/1/thing-b' (not its own"
                        + " device/scripts/v1/+/+/thing-a)",
                "SUBSCRIBE from rec to 'experiment/#' (not its own device/scripts/v1/+/+/rec)",
                "client id gateway-1 connected with the certificate of thing-a");
        assertThat(OpenJiiPolicy.violations(MosquittoLog.parse(""))).isEmpty();
    }

    @Test
    void shouldKnowTheChannelsOfThePolicy() {
        assertThat(OpenJiiPolicy.isDataTopic("experiment/data_ingest/v1/e/multispeq/2.3/0042")).isTrue();
        assertThat(OpenJiiPolicy.isDataTopic("experiment/data_ingest/v1/e/multispeq/2.3/0042/p")).isTrue();
        assertThat(OpenJiiPolicy.isDataTopic("experiment/data_ingest/v1/e/multispeq/2.3")).isFalse();
        assertThat(OpenJiiPolicy.isDataTopic("experiment/data_ingest/v1/e/multispeq/2.3/0042/p/x")).isFalse();
        assertThat(OpenJiiPolicy.isDataTopic("mmi/gateway/status")).isFalse();
        assertThat(OpenJiiPolicy.maySubscribe("t", "device/scripts/v1/multispeq/2/t")).isTrue();
        assertThat(OpenJiiPolicy.maySubscribe("t", "device/scripts/v1/+/+/t")).isTrue();
        assertThat(OpenJiiPolicy.maySubscribe("t", "device/scripts/v1/multispeq/2/u")).isFalse();
        assertThat(OpenJiiPolicy.maySubscribe("t", "device/scripts/v1/#")).isFalse();
        assertThat(OpenJiiPolicy.maySubscribe("t", "device/scripts/v1/multispeq/2/t/x")).isFalse();
    }
}
