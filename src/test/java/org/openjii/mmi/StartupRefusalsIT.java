package org.openjii.mmi;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.BridgeProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmi run} as an operator starts it, with a value that cannot work: it stops at once, with one
 * {@code mmi run:} line that names the key, instead of running in a way nobody asked for.
 */
class StartupRefusalsIT {

    /** A console log line at INFO (the production layout: time, level, thread, logger). */
    private static final Pattern INFO_LINE = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  ");
    /** AWS IoT Core's endpoint form; never connected to: the refusals come first. */
    private static final String AWS_ENDPOINT = "ssl://a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com:8883";

    @TempDir
    Path dir;

    /** Camel reads "-1s" as 0, which for the device route means "measure once": the bridge would stop measuring. */
    @Test
    void shouldRefuseANegativeMeasuringInterval() throws Exception {
        String line = startupFailure("negative-interval", Map.of("mmi.device.interval", "-1s",
                "mmi.mqtt.broker-url", "log"));

        assertThat(line).isEqualTo("mmi run: mmi.device.interval must not be negative, was '-1s'");
    }

    @Test
    void shouldRefuseAMeasuringIntervalThatIsNoDuration() throws Exception {
        String line = startupFailure("garbled-interval", Map.of("mmi.device.interval", "10x",
                "mmi.mqtt.broker-url", "log"));

        assertThat(line).startsWith("mmi run: mmi.device.interval must be a duration such as").endsWith("'10x'");
    }

    /** Camel's HTTP server only logs a port it cannot bind, and the bridge would run without health or metrics. */
    @Test
    void shouldStopWhenTheHttpPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            String line = startupFailure("http-taken", Map.of("mmi.http.port", String.valueOf(port),
                    "mmi.mqtt.broker-url", "log"));

            assertThat(line).startsWith("mmi run: mmi.http.port " + port + " on mmi.http.host 127.0.0.1: cannot listen"
                    + " there (").contains("in use").endsWith("or mmi.http.port=off");
        }
    }

    /**
     * The aws profile publishes to openJII, which files each row by experiment and protocol: both must be set (the
     * endpoint given, the check comes before any connection).
     */
    @Test
    void shouldRefuseTheAwsProfileWithoutExperimentAndProtocolIds() throws Exception {
        String line = startupFailure("aws-no-ids", Map.of("mmi.profile", "aws", "mmi.mqtt.broker-url", AWS_ENDPOINT));

        assertThat(line).isEqualTo("mmi run: mmi.experiment-id and mmi.protocol-id are not set (demo-experiment is"
                + " the placeholder for trying mmi): the aws profile publishes to openJII, which files every"
                + " measurement by its experiment and protocol; set mmi.experiment-id (MMI_EXPERIMENT_ID) and"
                + " mmi.protocol-id (MMI_PROTOCOL_ID) to the ids openJII shows for them");
    }

    @Test
    void shouldRefuseTheAwsProfileWithoutAProtocolId() throws Exception {
        String line = startupFailure("aws-no-protocol", Map.of("mmi.profile", "aws", "mmi.mqtt.broker-url",
                AWS_ENDPOINT, "mmi.experiment-id", "6f1c0d2e-0000-4000-8000-00000000e001"));

        assertThat(line).isEqualTo("mmi run: mmi.protocol-id is not set: the aws profile publishes to openJII, which"
                + " files every measurement by its experiment and protocol; set mmi.protocol-id (MMI_PROTOCOL_ID) to"
                + " the ids openJII shows for them");
    }

    /** application.properties' demo-experiment is for trying mmi on this machine, not for a lab's broker. */
    @Test
    void shouldKeepDemoExperimentFromABrokerElsewhere() throws Exception {
        String line = startupFailure("demo-elsewhere", Map.of("mmi.mqtt.broker-url", "tcp://broker.lab.invalid:1883",
                "mmi.mqtt.allow-plaintext", "true"));

        assertThat(line).isEqualTo("mmi run: mmi.experiment-id is demo-experiment, the placeholder for trying mmi on"
                + " this machine, but mmi.mqtt.broker-url names a broker on broker.lab.invalid: set mmi.experiment-id"
                + " (MMI_EXPERIMENT_ID) to the experiment the data belongs to");
    }

    /**
     * The first thing a new AWS user meets: a certificate file that is not where the configuration says. One line
     * names the key and the file; no stack trace, no Camel report of the same failure, no SIGTERM that nobody sent.
     */
    @Test
    void shouldReportAMissingCertificateFileInExactlyOneLine() throws Exception {
        Path certificate = dir.resolve("certs/device.pem.crt");
        Map<String, String> settings = Map.of("mmi.mqtt.broker-url", AWS_ENDPOINT, "mmi.experiment-id",
                "6f1c0d2e-0000-4000-8000-00000000e001", "mmi.mqtt.cert-file", certificate.toString(),
                "mmi.mqtt.key-file", dir.resolve("certs/private.pem.key").toString());

        String output = failedOutput("missing-certificate", settings, List.of());

        // Everything but the INFO lines of a start that was begun: exactly the one line.
        List<String> notInfo = output.lines().filter(line -> !INFO_LINE.matcher(line).lookingAt()).toList();
        assertThat(notInfo).as(output)
                .containsExactly("mmi run: mmi.mqtt.cert-file " + certificate + ": the file does not exist.");
        assertThat(output).doesNotContain("\tat ", "Exception", "ERROR", "\u001B[");
    }

    /** --verbose: the same line, then the stack trace and Camel's own report, for a bug report. */
    @Test
    void shouldShowTheStackTraceOfAFailedStartWithVerbose() throws Exception {
        Path certificate = dir.resolve("absent.pem.crt");
        Map<String, String> settings = Map.of("mmi.mqtt.broker-url", AWS_ENDPOINT, "mmi.experiment-id",
                "6f1c0d2e-0000-4000-8000-00000000e001", "mmi.mqtt.cert-file", certificate.toString(),
                "mmi.mqtt.key-file", dir.resolve("absent.pem.key").toString());

        String output = failedOutput("verbose", settings, List.of("--verbose"));

        assertThat(output).contains("mmi run: mmi.mqtt.cert-file " + certificate + ": the file does not exist.",
                "Error starting CamelContext", "\tat org.openjii.mmi.delivery.tls.ConfiguredFile");
    }

    /** The process ends with a failure and says why in one {@code mmi run:} line, which is returned. */
    private String startupFailure(String name, Map<String, String> settings) throws Exception {
        String output = failedOutput(name, settings, List.of());
        String line = output.lines()
                .filter(l -> l.startsWith("mmi run: "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No 'mmi run:' line in:\n" + output));
        assertThat(output).as("one line").doesNotContain("  caused by: ");
        return line;
    }

    /** What a bridge that must fail to start printed; it printed no SIGTERM line, as nothing sent one. */
    private String failedOutput(String name, Map<String, String> settings, List<String> options) throws Exception {
        Map<String, String> all = new HashMap<>(settings);
        all.put("mmi.outbox.dir", dir.resolve(name + "-outbox").toString());
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve(name + ".log"), all, options)) {
            assertThat(bridge.process().waitFor(60, TimeUnit.SECONDS)).as("the bridge stops").isTrue();
            String output = bridge.output();
            assertThat(bridge.process().exitValue()).as(output).isNotZero();
            assertThat(output).as("nothing sent a SIGTERM").doesNotContain("SIGTERM");
            return output;
        }
    }
}
