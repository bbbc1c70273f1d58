package org.openjii.mmi.check;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.ConfigurationKeys;
import org.openjii.mmi.broker.EmbeddedBroker;
import org.openjii.mmi.broker.EmbeddedBrokerPresence;
import org.openjii.mmi.control.CommandTopics;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.DeliverySettings;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.delivery.tls.TransportCheck;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

/**
 * {@code mmi check}: walks the way from the configuration to a PUBACK, one step at a time, and reports for the first
 * step that fails what is wrong and how to fix it; a failure skips the steps that depend on it. The checks are the
 * bridge's own (the settings parsing of {@link DeliverySettings}, the file and certificate checks of
 * {@link BrokerTransport} through {@link TransportCheck}, its TLS); the MQTT steps ({@link MqttSteps}) use a separate
 * short-lived client with clean start, so nothing of the bridge's session is touched. A default broker URL starts the
 * embedded broker for the check, on a free port; {@link #close()} stops it.
 */
public final class BrokerCheck implements AutoCloseable {

    /** How long the TLS 1.3 step listens for the broker's refusal of the client certificate after the handshake. */
    public static final Duration ALERT_WAIT = Duration.ofSeconds(2);

    private final CamelContext context;
    private final PropertiesComponent properties;
    private final CheckReport report;
    private final Duration timeout;
    private final String clientId;
    private final String topic;
    private Delivery.Settings settings;
    private TransportCheck transport;
    private String checkClientId;
    private String checkTopic;
    private EmbeddedBroker embedded;

    /**
     * @param context the configuration ({@code MmiApplication.configuration}), not started
     * @param timeout the limit of each network step
     * @param clientId the check's client id; {@code null}: the bridge's with {@code -check} appended
     * @param topic the test publish's topic template, {@code {clientId}} being the bridge's client id
     */
    public BrokerCheck(CamelContext context, CheckReport report, Duration timeout, String clientId, String topic) {
        this.context = context;
        this.properties = context.getPropertiesComponent();
        this.report = report;
        this.timeout = timeout;
        this.clientId = clientId;
        this.topic = topic;
    }

    /** Stops the embedded broker the check started, if any. */
    @Override
    public void close() {
        if (embedded != null) {
            embedded.stop();
        }
    }

    /** The steps in order, each reported. */
    public void run() {
        if (!configuration()) {
            report.skipAll("files", "certificate", "DNS", "TCP connect", "TLS handshake", "MQTT CONNECT",
                    "publish");
            return;
        }
        boolean filesOk = files();
        boolean certificateOk = filesOk ? certificate()
                : report.skip("certificate", "the files must be fixed first");
        List<InetAddress> addresses = dns();
        boolean tcpOk = addresses != null ? tcp(addresses) : report.skip("TCP connect", "no address to connect to");
        boolean reachable = addresses != null && tcpOk;
        if (transport.proxy() != null) {
            // Through a proxy, DNS and TCP were the proxy's; the proxy resolves and reaches the broker.
            reachable = reachable ? report.outcome("proxy", transport.tunnel(timeout))
                    : report.skip("proxy", "the proxy is not reachable");
        }
        if (!(filesOk && certificateOk && reachable)) {
            if (transport.tls()) {
                report.skipAll("TLS handshake");
            } else {
                report.notNeeded("TLS handshake", "tcp:// is plain MQTT, not encrypted");
            }
            report.skipAll("MQTT CONNECT", "publish");
            return;
        }
        BrokerTransport broker;
        try {
            broker = transport.transport();
        } catch (MqttConfigurationException e) {
            report.fail(transport.tls() ? "TLS handshake" : "MQTT CONNECT", e.getMessage(),
                    "fix the setting named");
            report.skipAll(transport.tls() ? "MQTT CONNECT" : null, "publish");
            return;
        }
        if (transport.tls()) {
            if (!report.outcome("TLS handshake", TransportCheck.handshake(broker, timeout, ALERT_WAIT))) {
                report.skipAll("MQTT CONNECT", "publish");
                return;
            }
        } else {
            report.notNeeded("TLS handshake", "tcp:// is plain MQTT, not encrypted");
        }
        mqtt(broker);
    }

    private boolean configuration() {
        String step = "configuration";
        String hint = "correct the key named, in application.properties, the --config file, --set or its MMI_*"
                + " environment variable";
        try {
            ConfigurationKeys.check(properties, System.getProperties(), System.getenv());
            String brokerUrl = properties.resolveProperty(BrokerTransport.BROKER_URL_SETTING).orElse("log").trim();
            if ("log".equals(brokerUrl)) {
                return report.fail(step, BrokerTransport.BROKER_URL_SETTING + " is log: the bridge prints what it"
                        + " would publish and connects to no broker, so there is nothing to check",
                        "set "
                                + BrokerTransport.BROKER_URL_SETTING
                                + ", e.g. ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883 (--set, --config"
                                + " or MMI_MQTT_BROKER_URL)");
            }
            String embeddedNote = "";
            if (EmbeddedBroker.BROKER_URL.equals(brokerUrl)) {
                // The default: the broker runs inside mmi run. Start one the same way (on a free port, so a
                // running bridge's 1883 is not in the way) and check the way to it: the broker starts, the
                // bridge's client connects and publishes.
                EmbeddedBrokerPresence.require(context);
                properties.addOverrideProperty(EmbeddedBroker.PORT_SETTING, "0");
                embedded = EmbeddedBroker.fromProperties(context);
                embedded.start();
                brokerUrl = embedded.url();
                embeddedNote = " (the embedded broker, started for this check as mmi run starts it)";
            }
            settings = DeliverySettings.fromProperties(context.getPropertiesComponent(), brokerUrl);
            String bridgeClientId = settings.connection().clientId();
            CommandTopics.checkClientId(bridgeClientId);
            transport = TransportCheck.of(settings.brokerUrl(), settings.certFile(), settings.keyFile(),
                    settings.caFile(), settings.allowPlaintext(), settings.alpn(), settings.proxy());
            checkClientId = clientId != null ? clientId : bridgeClientId + "-check";
            checkTopic = TopicTemplate.parse(topic).render(Map.of("clientId", bridgeClientId));
            return report.pass(step,
                    transport.url() + embeddedNote + ", client id '" + bridgeClientId + "' (the check connects"
                            + " as '" + checkClientId + "'), " + settings.connection().version() + ", "
                            + settings.connection().credentials().describe()
                            + (settings.proxy() == null ? ""
                                    : ", through the HTTP proxy " + settings.proxy()
                                            .describe())
                            + ", keep-alive " + settings.connection().effectiveKeepAliveSeconds()
                            + " s, QoS 1, test topic " + checkTopic);
        } catch (MqttConfigurationException | InvalidTopicException e) {
            return report.fail(step, e.getMessage(), hint);
        } catch (RuntimeException e) {
            return report.fail(step, Failures.describe(e), hint);
        }
    }

    private boolean files() {
        if (!transport.tls()) {
            return report.notNeeded("files", "tcp:// is plain MQTT: no certificate, key or CA");
        }
        return report.outcome("files", transport.checkFiles());
    }

    private boolean certificate() {
        if (!transport.tls()) {
            return report.notNeeded("certificate", "tcp:// is plain MQTT");
        }
        return report.outcome("certificate", transport.certificates(Instant.now()));
    }

    /** The broker's addresses (through a proxy: the proxy's), or null when the host does not resolve. */
    private List<InetAddress> dns() {
        String host = transport.proxy() != null ? transport.proxy().host() : transport.host();
        try {
            List<InetAddress> addresses = Arrays.asList(InetAddress.getAllByName(host));
            String shown = addresses.stream().map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
            boolean loopback = addresses.stream().allMatch(InetAddress::isLoopbackAddress);
            if (transport.loopback() && shown.equals(host)) {
                report.pass("DNS", host + " is a loopback address (this machine), nothing to resolve");
            } else {
                report.pass("DNS", host + " → " + shown + (loopback ? " (loopback: this machine)" : ""));
            }
            return addresses;
        } catch (UnknownHostException e) {
            report.fail("DNS", "cannot resolve " + host, "check the host in " + BrokerTransport.BROKER_URL_SETTING
                    + " (AWS IoT: aws iot describe-endpoint --endpoint-type iot:Data-ATS) and this machine's DNS"
                    + " (/etc/resolv.conf; in Kubernetes the pod's DNS policy)");
            return null;
        }
    }

    private boolean tcp(List<InetAddress> addresses) {
        int port = transport.proxy() != null ? transport.proxy().port() : transport.port();
        IOException first = null;
        InetAddress firstAddress = null;
        for (InetAddress address : addresses) {
            long started = System.nanoTime();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), (int) timeout.toMillis());
                long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
                return report.pass("TCP connect", "connected to " + address.getHostAddress() + ":" + port + " in "
                        + millis + " ms");
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                    firstAddress = address;
                }
            }
        }
        String where = firstAddress.getHostAddress() + ":" + port;
        String portHint = "check the port in " + BrokerTransport.BROKER_URL_SETTING + " (AWS IoT: 8883, or 443"
                + " where 8883 is blocked)";
        if (first instanceof SocketTimeoutException) {
            return report.fail("TCP connect", "no answer from " + where + " within " + timeout.toSeconds() + " s",
                    "a firewall probably drops connections to port " + port + "; " + portHint);
        }
        if (first instanceof ConnectException) {
            return report.fail("TCP connect", "connection refused by " + where, (transport.loopback()
                    ? "nothing listens on port " + port + " of this machine (is the broker running?); "
                    : "nothing listens on port " + port + " there, or a firewall refuses: ") + portHint);
        }
        if (first instanceof NoRouteToHostException) {
            return report.fail("TCP connect", "no route to " + where, "check this machine's network (cable,"
                    + " Wi-Fi, default route, proxy); " + portHint);
        }
        return report.fail("TCP connect", "cannot connect to " + where + " (" + first.getMessage() + ")",
                portHint);
    }

    private void mqtt(BrokerTransport broker) {
        new MqttSteps(report, settings, checkClientId, checkTopic, timeout).run(broker);
    }
}
