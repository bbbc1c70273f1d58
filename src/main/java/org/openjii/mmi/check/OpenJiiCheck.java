package org.openjii.mmi.check;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Producer;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.component.multispeq.MultispeqEndpoint;
import org.openjii.mmi.component.multispeq.transport.SerialPortInfo;
import org.openjii.mmi.component.multispeq.transport.SerialPortScanner;
import org.openjii.mmi.delivery.DeliverySettings;
import org.openjii.mmi.delivery.MqttCheck;
import org.openjii.mmi.delivery.MqttReasonCodes;
import org.openjii.mmi.delivery.MqttVersion;
import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.delivery.tls.BrokerTransport;
import org.openjii.mmi.delivery.tls.MqttConfigurationException;
import org.openjii.mmi.delivery.tls.TransportCheck;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.PromptAnswers;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.openjii.KeyFiles;
import org.openjii.mmi.openjii.OnboardingConfig;
import org.openjii.mmi.openjii.OpenJiiDownloads;
import org.openjii.mmi.openjii.OpenJiiMode;
import org.openjii.mmi.openjii.OpenJiiPlan;
import org.openjii.mmi.openjii.ThingNames;
import org.openjii.mmi.support.DeviceJson;

/**
 * {@code mmi check --openjii DIR}: what the openJII mode would make of DIR (docs/openjii.md), one line per finding.
 * The downloads (each file against openJII's schema, each bundle complete), then per Thing: its onboarding file and
 * endpoint, each experiment with its topic and its procedures as the plan would run them, its key material (the
 * certificate matches the key, when it expires), its instrument (attached here or not), and the way to its broker up
 * to a CONNACK. The check connects as {@code <thingName>-check}, so a running bridge keeps its connection: openJII's
 * policy lets a certificate connect with any client id ({@code iot:Connect} on {@code client/${iot:ClientId}}), and
 * only subscribing to its scripts needs the Thing name, which the check does not do. It publishes nothing: a test
 * message on a data topic would reach openJII's pipeline, and the policy allows no other topic.
 */
public final class OpenJiiCheck {

    /** An instrument that answered on a port: its Thing name and what the plan needs of it. */
    record Instrument(String port, String deviceId, String version, String firmware) {

        String thingName() {
            return ThingNames.of(ThingNames.MULTISPEQ, deviceId);
        }

        /** openJII's {@code sensorVersion}: the device_version without a leading v. */
        String sensorVersion() {
            return version == null ? null : version.startsWith("v") ? version.substring(1) : version;
        }
    }

    private final CamelContext context;
    private final PropertiesComponent properties;
    private final CheckReport report;
    private final Duration timeout;
    private final Path dir;

    public OpenJiiCheck(CamelContext context, CheckReport report, Duration timeout, Path dir) {
        this.context = context;
        this.properties = context.getPropertiesComponent();
        this.report = report;
        this.timeout = timeout;
        this.dir = dir;
    }

    /** Every step, each reported. */
    public void run() throws Exception {
        OpenJiiDownloads.Snapshot snapshot;
        try {
            snapshot = OpenJiiDownloads.read(dir);
        } catch (IOException e) {
            report.fail("downloads", e.getMessage(), "give the folder with openJII's downloads (--openjii DIR)");
            return;
        }
        downloads(snapshot);
        Map<String, Instrument> instruments = instruments();
        CommandPolicy policy = CommandPolicy.ofCommaSeparated(properties.resolveProperty("mmi.commands.allow")
                .orElse(""));
        PromptAnswers answers = new PromptAnswers(List.of(), Boolean.parseBoolean(properties.resolveProperty(
                "mmi.commands.acknowledge-alerts").orElse("false").trim()));
        try (KeyFiles keyFiles = new KeyFiles()) {
            for (String thing : snapshot.thingNames()) {
                new ThingSteps(thing, snapshot.configs().get(thing), snapshot.keys().get(thing), instruments.get(
                        thing), policy, answers, keyFiles).run();
            }
        }
        for (Instrument instrument : instruments.values()) {
            if (!snapshot.thingNames().contains(instrument.thingName())) {
                report.fail("instrument " + instrument.deviceId(), "the MultispeQ at " + instrument.port()
                        + " has no Thing in " + dir + ", so it is not measured",
                        "register it in openJII with"
                                + " serial number " + instrument.deviceId() + " (its Thing is "
                                + instrument.thingName() + ") and download its credentials and onboarding file");
            }
        }
    }

    private void downloads(OpenJiiDownloads.Snapshot snapshot) {
        for (OpenJiiDownloads.Problem problem : snapshot.problems()) {
            report.fail("download " + problem.origin(), problem.message(), problem.configFor() != null
                    ? "download the onboarding file again from openJII (the device's Onboarding tab)"
                    : "download it again from openJII, or remove it from " + dir);
        }
        if (snapshot.thingNames().isEmpty()) {
            report.fail("downloads", "no openJII onboarding file or credentials in " + dir, "put the device's"
                    + " {thingName}-credentials.zip and {thingName}-config.json there (or a group's"
                    + " -credentials.zip and -configs.zip)");
            return;
        }
        report.pass("downloads", dir + ": " + snapshot.configs().size() + " onboarding file(s), "
                + snapshot.keys().size() + " set(s) of key material, for " + String.join(", ", snapshot
                        .thingNames()));
    }

    /** The MultispeQs that answer on the bridge's ports ({@code mmi.device.port}), by Thing name. */
    private Map<String, Instrument> instruments() throws Exception {
        List<String> ports = ports();
        context.start();
        // All ports at once: an absent one takes the producer's first-connect wait (10 s) to say so.
        ExecutorService probes = context.getExecutorServiceManager()
                .newFixedThreadPool(this, "OpenJiiCheckProbe",
                        Math.max(1, ports.size()));
        List<Future<Probe>> results = new ArrayList<>();
        try {
            for (int i = 0; i < ports.size(); i++) {
                String name = "openjii-check-" + (i + 1);
                String port = ports.get(i);
                results.add(probes.submit(() -> probe(name, port)));
            }
            Map<String, Instrument> found = new LinkedHashMap<>();
            List<String> silent = new ArrayList<>();
            for (Future<Probe> result : results) {
                Probe probe = result.get();
                if (probe.instrument() != null) {
                    found.put(probe.instrument().thingName(), probe.instrument());
                } else {
                    silent.add(probe.port() + " (" + probe.problem() + ")");
                }
            }
            String looked = "mmi.device.port=" + properties.resolveProperty("mmi.device.port").orElse("sim").trim();
            if (found.isEmpty()) {
                report.skip("instruments", "no MultispeQ answered at " + (ports.isEmpty() ? looked
                        : String.join(
                                ", ", silent) + "; " + looked)
                        + "; a running bridge holds the ports it serves");
            } else {
                report.pass("instruments", String.join(", ", found.values()
                        .stream()
                        .map(i -> "MultispeQ "
                                + i.deviceId() + " at " + i.port())
                        .toList())
                        + (silent.isEmpty() ? ""
                                : "; nothing at " + String.join(", ", silent)));
            }
            return found;
        } finally {
            context.getExecutorServiceManager().shutdownNow(probes);
        }
    }

    /** What answered on a port: an instrument, or why not. */
    private record Probe(String port, Instrument instrument, String problem) {
    }

    private List<String> ports() {
        String setting = properties.resolveProperty("mmi.device.port").orElse("sim").trim();
        List<String> ports = Arrays.stream(setting.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (!ports.equals(List.of("auto"))) {
            return ports;
        }
        String patterns = properties.resolveProperty("mmi.device.scan-patterns")
                .orElse(String.join(",",
                        SerialPortScanner.DEFAULT_PATTERNS));
        return SerialPortScanner.list(Arrays.asList(patterns.split(",")))
                .stream()
                .map(SerialPortInfo::preferredPath)
                .toList();
    }

    /** Handshakes on one port through the {@code multispeq:} component, as the bridge would, then lets it go. */
    private Probe probe(String name, String port) {
        MultispeqEndpoint endpoint = context.getEndpoint("multispeq:" + name, MultispeqEndpoint.class);
        endpoint.getConfiguration().setPort(port);
        endpoint.getConfiguration().setParseJson(false);
        endpoint.getConfiguration().setReconnectMaxDelay(1000);
        properties.resolveProperty("mmi.simulator.options").ifPresent(endpoint.getConfiguration()::setSimulator);
        Producer producer = null;
        try {
            producer = endpoint.createProducer();
            ServiceHelper.startService(producer);
            Exchange exchange = endpoint.createExchange();
            exchange.getIn().setBody("hello");
            producer.process(exchange);
            Message reply = exchange.getMessage();
            String id = reply.getHeader(MultispeqConstants.DEVICE_ID, String.class);
            if (id == null) {
                return new Probe(port, null, exchange.getException() == null ? "no device_id in its handshake"
                        : Failures.describe(exchange.getException()));
            }
            return new Probe(port, new Instrument(port, id, reply.getHeader(MultispeqConstants.DEVICE_VERSION,
                    String.class), reply.getHeader(MultispeqConstants.DEVICE_FIRMWARE, String.class)), null);
        } catch (Exception e) {
            return new Probe(port, null, Failures.describe(e));
        } finally {
            ServiceHelper.stopAndShutdownService(producer);
            removeQuietly(endpoint);
        }
    }

    private void removeQuietly(MultispeqEndpoint endpoint) {
        try {
            context.removeEndpoint(endpoint);
        } catch (Exception e) {
            // The check is over for this port; a failure to stop it changes none of its lines.
        }
    }

    /** The lines of one Thing. */
    private final class ThingSteps {

        private final String thing;
        private final OpenJiiDownloads.ConfigFile config;
        private final OpenJiiDownloads.KeyMaterial keys;
        private final Instrument instrument;
        private final CommandPolicy policy;
        private final PromptAnswers answers;
        private final KeyFiles keyFiles;

        ThingSteps(String thing, OpenJiiDownloads.ConfigFile config, OpenJiiDownloads.KeyMaterial keys,
                Instrument instrument, CommandPolicy policy, PromptAnswers answers, KeyFiles keyFiles) {
            this.thing = thing;
            this.config = config;
            this.keys = keys;
            this.instrument = instrument;
            this.policy = policy;
            this.answers = answers;
            this.keyFiles = keyFiles;
        }

        void run() throws Exception {
            boolean configured = config();
            if (configured) {
                for (OnboardingConfig.Experiment experiment : config.config().experiments()) {
                    experiment(experiment);
                }
            }
            instrument();
            if (keys == null) {
                report.fail(thing + " credentials", "no key material for " + thing + " in " + dir, "download the"
                        + " device's credentials again (openJII shows a private key only once: a new download"
                        + " issues a new certificate)");
                return;
            }
            if (!configured) {
                report.skip(thing + " broker", "no onboarding file, so no endpoint");
                return;
            }
            broker();
        }

        private boolean config() {
            if (config == null) {
                return report.fail(thing + " config", "no onboarding file for " + thing + " in " + dir,
                        "download " + thing + "-config.json from the device's Onboarding tab in openJII");
            }
            OnboardingConfig onboarding = config.config();
            if (!ThingNames.MULTISPEQ.equals(onboarding.deviceType())) {
                return report.fail(thing + " config", thing + " is a " + onboarding.deviceType() + ", not a"
                        + " MultispeQ", "mmi serves MultispeQs only; remove its files from " + dir);
            }
            return report.pass(thing + " config", "from " + config.origin() + ", endpoint " + onboarding.endpoint()
                    + " (" + OpenJiiMode.brokerUrl(properties, onboarding) + "), " + onboarding.experiments().size()
                    + " experiment(s)");
        }

        private void experiment(OnboardingConfig.Experiment experiment) {
            String sensor = instrument != null ? instrument.sensorVersion() + "/" + instrument.deviceId()
                    : "{sensorVersion}/{sensorId}";
            String name = experiment.experimentName() == null || experiment.experimentName().isBlank() ? ""
                    : " (" + experiment.experimentName() + ")";
            report.pass(thing + " experiment " + experiment.experimentId(), "publishes to "
                    + experiment.topicPrefix() + "/" + sensor + name + (experiment.workbookVersion() == null ? ""
                            : ", workbook version " + experiment.workbookVersion()));
            int index = 0;
            for (OnboardingConfig.Procedure procedure : experiment.procedures()) {
                procedure(experiment, ++index, procedure);
            }
        }

        private void procedure(OnboardingConfig.Experiment experiment, int index,
                OnboardingConfig.Procedure procedure) {
            String step = thing + " procedure " + index;
            if (procedure instanceof OnboardingConfig.Protocol protocol) {
                try {
                    String text = OpenJiiPlan.runnableProtocol(DeviceJson.write(protocol.code()), policy, answers);
                    report.pass(step, "protocol " + (protocol.name() == null ? "" : protocol.name() + " ")
                            + protocol.protocolId() + ", " + text.length() + " bytes, published with protocol_id "
                            + protocol.protocolId());
                } catch (MultispeqException | IllegalArgumentException e) {
                    report.fail(step, "protocol " + protocol.protocolId() + " is not run: " + e.getMessage(),
                            "allow what it needs by name with mmi.commands.allow (answers to alerts:"
                                    + " mmi.commands.acknowledge-alerts), or change it in openJII");
                }
            } else if (procedure instanceof OnboardingConfig.Command command) {
                try {
                    policy.checkCommand(command.content());
                    report.pass(step, "command '" + command.content() + "' (" + command.format() + ")");
                } catch (MultispeqException e) {
                    report.fail(step, "command '" + command.content() + "' is not sent: " + e.getMessage(),
                            "allow it by name with mmi.commands.allow");
                }
            } else if (procedure instanceof OnboardingConfig.Question question) {
                boolean answered = question.answer() != null && !question.answer().isNull();
                report.pass(step, "question " + question.name() + (answered ? " = " + DeviceJson.write(question
                        .answer()) + ", sent with every measurement of experiment " + experiment.experimentId()
                        : " is unanswered: left out of the measurements"));
            }
        }

        private void instrument() {
            if (instrument != null) {
                report.pass(thing + " instrument", "attached at " + instrument.port() + " (MultispeQ "
                        + instrument.deviceId() + ", " + instrument.version() + ", firmware " + instrument.firmware()
                        + ")");
            } else {
                report.skip(thing + " instrument", "not attached here: " + thing + " connects only while its"
                        + " MultispeQ (serial " + thing.substring(thing.indexOf('_') + 1) + ") is");
            }
        }

        private void broker() throws Exception {
            KeyFiles.Paths files = keyFiles.write(keys);
            String url = OpenJiiMode.brokerUrl(properties, config.config());
            TransportCheck transport;
            BrokerTransport broker;
            try {
                var settings = DeliverySettings.fromProperties(properties, url);
                transport = TransportCheck.of(url, files.certificate(), files.privateKey(), files.rootCas(), false,
                        settings.alpn());
                TransportCheck.Outcome readable = transport.checkFiles();
                boolean filesOk = readable.passed() ? report.pass(thing + " credentials", "from " + keys.origin()
                        + ": certificate, private key and Amazon's root CA")
                        : report.fail(thing + " credentials", readable.detail(), readable.hint());
                if (!filesOk || !report.outcome(thing + " certificate", transport.certificates(Instant.now()))) {
                    return;
                }
                broker = transport.transport();
            } catch (MqttConfigurationException e) {
                report.fail(thing + " credentials", e.getMessage(), "download the device's credentials again");
                return;
            }
            if (!report.outcome(thing + " TLS handshake", TransportCheck.handshake(broker, timeout,
                    BrokerCheck.ALERT_WAIT))) {
                report.skip(thing + " MQTT CONNECT", "an earlier step failed");
                return;
            }
            String clientId = thing + "-check";
            MqttSteps.connect(broker, clientId, timeout, MqttVersion.V5, BrokerCredentials.NONE, 30,
                    (client, connected) -> connected(connected, transport, clientId));
        }

        /** The Thing's MQTT CONNECT step: the broker's answer, and for a refusal what to do in openJII. */
        private boolean connected(MqttCheck.Connected connected, TransportCheck transport, String clientId) {
            String step = thing + " MQTT CONNECT";
            if (connected.ok()) {
                return report.pass(step, "connected to " + transport.url() + " as '" + clientId + "' with " + thing
                        + "'s certificate (clean start; nothing published: openJII's policy allows its data topics"
                        + " only)");
            }
            if (connected.explained() != null) {
                return report.fail(step, "TLS rejected", connected.explained().getMessage());
            }
            if (MqttReasonCodes.isFailure(connected.reasonCode())) {
                return report.fail(step, "CONNECT refused: " + MqttReasonCodes.describe(connected.reasonCode()),
                        "in openJII the certificate must be active and attached to " + thing);
            }
            return report.fail(step, "no CONNACK (" + connected.failure() + ")", "AWS IoT closes the connection like"
                    + " this for an inactive or revoked certificate: download the credentials again");
        }
    }
}
