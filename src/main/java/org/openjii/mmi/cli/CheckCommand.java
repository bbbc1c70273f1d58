package org.openjii.mmi.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.openjii.mmi.ConfigurationKeys;
import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.broker.EmbeddedBroker;
import org.openjii.mmi.broker.EmbeddedBrokerPresence;
import org.openjii.mmi.control.CommandTopics;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.DeliverySettings;
import org.openjii.mmi.delivery.MqttCheck;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.delivery.tls.TransportCheck;
import org.openjii.mmi.openjii.OpenJiiMode;
import org.openjii.mmi.topic.InvalidTopicException;
import org.openjii.mmi.topic.TopicTemplate;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mmi check}: walks the way from the configuration to a PUBACK, one step at a time, and says for the first
 * step that fails what is wrong and how to fix it. The checks are the bridge's own (the settings parsing of
 * {@link DeliverySettings}, the file and certificate checks of {@link BrokerTransport}, its TLS); the MQTT steps use a
 * separate short-lived client with clean start ({@link MqttCheck}), so nothing of the bridge's session is touched.
 * <p>
 * The check's client id is {@code <mmi.mqtt.client-id>-check} unless {@code --client-id} says otherwise: a client with
 * the bridge's own id would take a running bridge's connection over (the broker disconnects the bridge, publishes its
 * Last Will, and with clean start discards its session and the commands queued in it). On AWS IoT Core a policy that
 * allows only the Thing name refuses that id; the failure says so, and {@code --client-id <Thing name>} checks as the
 * Thing itself while the bridge is stopped.
 */
@Command(name = "check", mixinStandardHelpOptions = true, description = {
        "Check the broker setup step by step: configuration, files, certificate, DNS, TCP, the HTTP proxy's CONNECT"
                + " (with a proxy), TLS handshake, MQTT CONNECT (protocol version, user name and password) and a test"
                + " publish. Each step prints one line, ✔ or ✘ with a hint for the fix; steps after a failure that"
                + " makes them meaningless are skipped.",
        "The check connects with its own short-lived client (clean start, no session kept) as <client-id>-check, so"
                + " a running bridge is not disturbed."}, exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                        "0:every step passed", "1:a step failed",
                        "2:usage error (unknown option, --config names no file, bad --topic)"})
final class CheckCommand implements Callable<Integer> {

    /** How long the TLS 1.3 step listens for the broker's refusal of the client certificate after the handshake. */
    static final Duration ALERT_WAIT = Duration.ofSeconds(2);

    static final String DEFAULT_TOPIC = "mmi/v1/{clientId}/check";

    @Mixin
    ConfigurationOptions configuration = new ConfigurationOptions();

    @Option(names = "--client-id", paramLabel = "ID", description = "Client id of the check's connection (default:"
            + " mmi.mqtt.client-id with -check appended). Give the Thing name to check as the bridge itself, with the"
            + " bridge stopped: a running bridge would be disconnected and its session discarded.")
    String clientId;

    @Option(names = "--topic", description = "Topic of the test publish, {clientId} being mmi.mqtt.client-id"
            + " (default: ${DEFAULT-VALUE}).", defaultValue = DEFAULT_TOPIC)
    String topic;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Limit of each network step (default:"
            + " ${DEFAULT-VALUE} s).", defaultValue = "10")
    int timeoutSeconds;

    @Option(names = "--openjii", paramLabel = "DIR", description = "Check openJII's downloads in DIR instead (default:"
            + " mmi.openjii.dir when set): each file, and per Thing its plan, key material, instrument and broker, up"
            + " to a CONNACK as <thingName>-check; nothing is published.")
    Path openJiiDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (configuration.reportsProblem("check", err::println)) {
            return CommandLine.ExitCode.USAGE;
        }
        if (timeoutSeconds < 1) {
            err.println("mmi check: --timeout must be at least 1 second, was " + timeoutSeconds);
            return CommandLine.ExitCode.USAGE;
        }
        try {
            TopicTemplate.parse(topic).requireKnown("--topic", List.of("clientId"));
        } catch (IllegalArgumentException e) {
            err.println("mmi check: --topic " + topic + ": " + e.getMessage());
            return CommandLine.ExitCode.USAGE;
        }
        Report report = new Report(spec.commandLine().getOut());
        try (CamelContext context = MmiApplication.configuration(configuration.configFile(),
                configuration.overrides)) {
            Path downloads = openJiiDir != null ? openJiiDir
                    : OpenJiiMode.dir(context.getPropertiesComponent()).orElse(null);
            if (downloads != null) {
                new OpenJiiCheck(context, report, Duration.ofSeconds(timeoutSeconds), downloads).run();
                return report.failed ? 1 : 0;
            }
            Steps steps = new Steps(context, report, Duration.ofSeconds(timeoutSeconds));
            try {
                steps.run();
            } finally {
                steps.stopEmbeddedBroker();
            }
        }
        return report.failed ? 1 : 0;
    }

    /** The steps in order; each prints its line, and a failure skips the steps that depend on it. */
    private final class Steps {

        private final CamelContext context;
        private final PropertiesComponent properties;
        private final Report report;
        private final Duration timeout;
        private Delivery.Settings settings;
        private TransportCheck transport;
        private String checkClientId;
        private String checkTopic;
        private EmbeddedBroker embedded;

        Steps(CamelContext context, Report report, Duration timeout) {
            this.context = context;
            this.properties = context.getPropertiesComponent();
            this.report = report;
            this.timeout = timeout;
        }

        void stopEmbeddedBroker() {
            if (embedded != null) {
                embedded.stop();
            }
        }

        void run() {
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
            new CheckMqttSteps(report, settings, checkClientId, checkTopic, timeout).run(broker);
        }
    }

    /** The printed lines; ✔ ✘ – and — where the terminal's character set has them, ASCII otherwise. */
    static final class Report {

        private final PrintWriter out;
        private final String passed;
        private final String failedMark;
        private final String skipped;
        private final String dash;
        boolean failed;

        Report(PrintWriter out) {
            this.out = out;
            boolean unicode = Charset.defaultCharset().newEncoder().canEncode("✔✘–—→");
            this.passed = unicode ? "✔" : "OK";
            this.failedMark = unicode ? "✘" : "FAIL";
            this.skipped = unicode ? "–" : "SKIP";
            this.dash = unicode ? " — " : " -- ";
        }

        boolean pass(String step, String detail) {
            print(passed + " " + step + ": " + detail);
            return true;
        }

        boolean fail(String step, String problem, String hint) {
            failed = true;
            print(failedMark + " " + step + ": " + strip(problem) + dash + strip(hint));
            return false;
        }

        boolean skip(String step, String why) {
            print(skipped + " " + step + ": skipped (" + why + ")");
            return false;
        }

        /** A step that does not apply to this setup: printed as skipped, but not in the way of the next ones. */
        boolean notNeeded(String step, String why) {
            skip(step, why);
            return true;
        }

        /** Skips each named step (null entries are left out) because an earlier one failed. */
        void skipAll(String... steps) {
            for (String step : steps) {
                if (step != null) {
                    skip(step, "an earlier step failed");
                }
            }
        }

        boolean outcome(String step, TransportCheck.Outcome outcome) {
            return outcome.passed() ? pass(step, outcome.detail()) : fail(step, outcome.detail(), outcome.hint());
        }

        /**
         * The transport's sentences end with a full stop, which would sit oddly before the dash and set the hints of
         * those steps apart from the others.
         */
        private static String strip(String text) {
            return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        }

        private void print(String line) {
            out.println(line);
            out.flush();
        }
    }
}
