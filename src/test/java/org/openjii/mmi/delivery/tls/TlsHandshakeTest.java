package org.openjii.mmi.delivery.tls;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.TestPki;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TLS handshake as the MQTT client really runs it, against {@link FakeTlsBroker}: the ALPN protocols reach the
 * handshake, a slow handshake is waited for, and the failures only the broker's certificate reveals are explained.
 */
class TlsHandshakeTest {

    /** Longer than a handshake normally takes; only the client's connect timeout (10 s here) bounds it. */
    private static final Duration SLOW_HANDSHAKE = Duration.ofSeconds(5);

    @TempDir
    static Path dir;

    private static TestPki.Authority authority;
    private static Path caFile;

    @BeforeAll
    static void makePki() throws Exception {
        authority = TestPki.Authority.create("handshake test CA");
        caFile = authority.writeCertificate(dir.resolve("ca.pem"));
    }

    private static FakeTlsBroker brokerFor(String... subjectAlternativeNames) throws Exception {
        return FakeTlsBroker.start(authority.issueServer("fake broker", subjectAlternativeNames), Duration.ZERO);
    }

    private static BrokerTransport transport(FakeTlsBroker broker, Path ca, String alpn) throws Exception {
        return BrokerTransport.create("ssl://localhost:" + broker.port(), null, null, ca, false, alpn);
    }

    @Test
    void offersTheAwsIotAlpnThroughTheClient() throws Exception {
        try (FakeTlsBroker broker = brokerFor("localhost")) {
            TransportConnections.connectAndClose(transport(broker, caFile, ApplicationProtocols.AWS_IOT_MQTT), "alpn");

            assertThat(broker.negotiatedProtocols()).containsExactly(ApplicationProtocols.AWS_IOT_MQTT);
        }
    }

    @Test
    void automaticAlpnOffersNothingOffPort443() throws Exception {
        try (FakeTlsBroker broker = brokerFor("localhost")) {
            TransportConnections.connectAndClose(transport(broker, caFile, null), "no-alpn");

            assertThat(broker.negotiatedProtocols()).containsExactly("");
        }
    }

    @Test
    void waitsForAHandshakeThatStartsLate() throws Exception {
        try (FakeTlsBroker broker = FakeTlsBroker.start(authority.issueServer("slow broker", "localhost"),
                SLOW_HANDSHAKE)) {
            long start = System.nanoTime();
            TransportConnections.connectAndClose(transport(broker, caFile, ApplicationProtocols.AWS_IOT_MQTT), "slow");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).isGreaterThanOrEqualTo(SLOW_HANDSHAKE);
            assertThat(broker.negotiatedProtocols()).containsExactly(ApplicationProtocols.AWS_IOT_MQTT);
        }
    }

    @Test
    void aCertificateForAnotherHostIsAConfigurationProblem() throws Exception {
        try (FakeTlsBroker broker = brokerFor("broker.example")) {
            String problem = TransportConnections.explainedFailure(transport(broker, caFile, null));

            assertThat(problem).startsWith(BrokerTransport.BROKER_URL_SETTING + " ssl://localhost:" + broker.port()
                    + ": the broker's certificate is not issued for host localhost");
        }
    }

    @Test
    void aBrokerTheCaFileDoesNotVouchForIsAConfigurationProblem() throws Exception {
        Path rogueCa = TestPki.Authority.create("rogue CA").writeCertificate(dir.resolve("rogue-ca.pem"));
        try (FakeTlsBroker broker = brokerFor("localhost")) {
            String problem = TransportConnections.explainedFailure(transport(broker, rogueCa, null));

            assertThat(problem).startsWith(BrokerTransport.CA_FILE_SETTING + " " + rogueCa
                    + ": the broker's certificate is not trusted by this CA");
        }
    }

    @Test
    void withoutACaFileTheJdkTrustStoreDecides() throws Exception {
        try (FakeTlsBroker broker = brokerFor("localhost")) {
            String problem = TransportConnections.explainedFailure(transport(broker, null, null));

            assertThat(problem).startsWith(BrokerTransport.CA_FILE_SETTING
                    + " is not set and the JDK's default trust store does not trust the broker's certificate");
        }
    }

    @Test
    void anUnreachableBrokerIsWorthRetrying() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        BrokerTransport transport = BrokerTransport.create("ssl://localhost:" + closedPort, null, null, caFile, false,
                null);

        assertThat(TransportConnections.connectFailure(transport).explained()).isNull();
    }
}
