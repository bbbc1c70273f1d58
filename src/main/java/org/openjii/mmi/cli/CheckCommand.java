package org.openjii.mmi.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import org.apache.camel.CamelContext;
import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.check.BrokerCheck;
import org.openjii.mmi.check.CheckReport;
import org.openjii.mmi.check.OpenJiiCheck;
import org.openjii.mmi.openjii.OpenJiiMode;
import org.openjii.mmi.topic.TopicTemplate;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mmi check}: the options, and the lines the steps report ({@link Report}). The steps are
 * {@link BrokerCheck}'s (configuration to PUBACK) or, with openJII's downloads, {@link OpenJiiCheck}'s.
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
            try (BrokerCheck check = new BrokerCheck(context, report, Duration.ofSeconds(timeoutSeconds), clientId,
                    topic)) {
                check.run();
            }
        }
        return report.failed ? 1 : 0;
    }

    /** The printed lines; ✔ ✘ – and — where the terminal's character set has them, ASCII otherwise. */
    static final class Report implements CheckReport {

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

        @Override
        public boolean pass(String step, String detail) {
            print(passed + " " + step + ": " + detail);
            return true;
        }

        @Override
        public boolean fail(String step, String problem, String hint) {
            failed = true;
            print(failedMark + " " + step + ": " + strip(problem) + dash + strip(hint));
            return false;
        }

        @Override
        public boolean skip(String step, String why) {
            print(skipped + " " + step + ": skipped (" + why + ")");
            return false;
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
