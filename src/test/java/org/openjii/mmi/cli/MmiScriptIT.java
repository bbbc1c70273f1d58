package org.openjii.mmi.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyFormat;
import org.openjii.mmi.test.TestPki.KeyType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./mmi}, the launcher, as a user runs it from a folder of their own: a path on the command line means what it
 * says there, while application.properties and routes/ still come from the checkout. And the README's quick starts
 * for a real MultispeQ and for AWS IoT Core, run as written against Mosquitto (the second over mutual TLS with
 * certificates made here in AWS IoT's file names). Runs in failsafe, after {@code package}, on the jar just built (the
 * launcher would build it otherwise).
 */
class MmiScriptIT {

    private static final Path CHECKOUT = Path.of("").toAbsolutePath();
    private static final String THING = "gateway-7";

    @TempDir
    Path site;

    /** {@code ./mmi check --config rel/site.properties} from another folder finds the file and uses its keys. */
    @Test
    void shouldFindARelativeConfigFileInTheCallersFolder() throws Exception {
        assertThat(CHECKOUT.resolve("target/mmi.jar")).as("packaged before the integration tests").exists();
        Path config = Files.createDirectories(site.resolve("rel")).resolve("site.properties");
        Files.writeString(config, "mmi.mqtt.client-id = site-7-bridge\n", StandardCharsets.UTF_8);

        Result check = run(command("mmi check --config rel/site.properties"), Map.of());

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("✔ configuration: ", "client id 'site-7-bridge'")
                .contains("✔ publish: QoS 1 to mmi/v1/site-7-bridge/check");
    }

    /** A --config that names no file: the path as the caller's folder resolves it, one line, usage exit code. */
    @Test
    void shouldNameTheMissingConfigFileFromTheCallersFolder() throws Exception {
        Result check = run(command("mmi check --config rel/absent.properties"), Map.of());

        assertThat(check.exitCode()).isEqualTo(2);
        assertThat(check.output().strip()).isEqualTo("mmi check: --config " + site.resolve("rel/absent.properties")
                + ": no such file");
    }

    /** Quick start 2, "to a broker of your own": its mmi check line, against a Mosquitto on this machine. */
    @Test
    void shouldPassTheRealMultispeqQuickStartsBrokerCheck() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        String line = readmeLines(quickStart("## Quick start 2")).stream()
                .filter(l -> l.startsWith("./mmi check "))
                .findFirst()
                .orElseThrow();
        try (MosquittoBroker broker = MosquittoBroker.start(Files.createDirectories(site.resolve("mosquitto")))) {
            Result check = run(command(line.replace("tcp://127.0.0.1:1883", broker.url())), Map.of());

            assertThat(check.exitCode()).as(check.output()).isZero();
            assertThat(check.output().lines()).allMatch(l -> l.startsWith("✔ ") || l.startsWith("– "));
        }
    }

    /**
     * Quick start 3, "with a Thing of your own": the README's site.properties, its placeholders filled in, the three
     * files in certs/ as AWS IoT names them, and both commands from the site's folder. The check passes every step
     * over mutual TLS; the bridge connects as the Thing and stops cleanly on SIGTERM.
     */
    @Test
    void shouldRunTheAwsQuickStartAsWritten() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        List<String> section = quickStart("### With a Thing of your own");
        TestPki.Authority authority = TestPki.Authority.create("quick start CA");
        Path certs = Files.createDirectories(site.resolve("certs"));
        Path caFile = authority.writeCertificate(certs.resolve("AmazonRootCA1.pem"));
        TestPki.Issued client = authority.issueClient(THING, KeyType.RSA);
        client.writeCertificate(certs.resolve(THING + "-certificate.pem.crt"));
        client.writeKey(certs.resolve(THING + "-private.pem.key"), KeyFormat.TRADITIONAL);
        TestPki.Issued server = authority.issueServer("mosquitto", "localhost", "127.0.0.1");
        Path brokerDir = Files.createDirectories(site.resolve("mosquitto"));
        try (MosquittoBroker broker = MosquittoBroker.startMutualTls(brokerDir, caFile, server.writeCertificate(
                brokerDir.resolve("server.pem")),
                server.writeKey(brokerDir.resolve("server.key"),
                        KeyFormat.TRADITIONAL))) {
            String properties = block(section, "```properties").replace(
                    "ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883", broker.url())
                    .replace("<thing-name>", THING)
                    .replace("<experiment uuid>", "6f1c0d2e-0000-4000-8000-00000000e001")
                    .replace("<protocol uuid>", "6f1c0d2e-0000-4000-8000-00000000f001");
            assertThat(properties).doesNotContain("<", ">");
            Files.writeString(site.resolve("site.properties"), properties, StandardCharsets.UTF_8);
            List<String> commands = block(section, "```bash").lines().map(l -> l.replaceAll("\\s+#.*$", "")).toList();
            assertThat(commands).hasSize(2);

            Result check = run(command(commands.get(0)), Map.of());
            assertThat(check.exitCode()).as(check.output()).isZero();
            assertThat(check.output().lines()).as(check.output()).hasSize(8).allMatch(l -> l.startsWith("✔ "));

            // No serial port scan on this machine (the environment wins over --config), no HTTP port to compete for.
            Process bridge = start(command(commands.get(1)), Map.of("MMI_DEVICE_PORT", "sim", "MMI_HTTP_PORT", "off"),
                    site.resolve("run.log"));
            try {
                await("connected as the Thing").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(bridge.isAlive()).as(Files.readString(site.resolve("run.log"))).isTrue();
                    assertThat(Files.readString(site.resolve("run.log"))).contains("MQTT connected to " + broker.url(),
                            "as '" + THING + "'");
                });
                bridge.destroy();
                assertThat(bridge.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(bridge.exitValue()).as(Files.readString(site.resolve("run.log"))).isZero();
            } finally {
                bridge.destroyForcibly();
            }
        }
    }

    /** The README's lines from the heading to the next heading of the same or a higher level. */
    private static List<String> quickStart(String heading) throws IOException {
        List<String> lines = Files.readAllLines(CHECKOUT.resolve("README.md"), StandardCharsets.UTF_8);
        int from = 0;
        while (from < lines.size() && !lines.get(from).startsWith(heading)) {
            from++;
        }
        from = from < lines.size() ? from : -1;
        assertThat(from).as("README heading %s", heading).isNotNegative();
        int level = heading.indexOf(' ');
        int to = from + 1;
        while (to < lines.size() && !heading(lines.get(to), level)) {
            to++;
        }
        return lines.subList(from, to);
    }

    /** A Markdown heading of this level or a higher one ({@code ##} ends a {@code ###} section). */
    private static boolean heading(String line, int level) {
        int hashes = line.indexOf(' ');
        return hashes > 0 && hashes <= level && line.substring(0, hashes).chars().allMatch(c -> c == '#');
    }

    private static List<String> readmeLines(List<String> section) {
        return section.stream().map(String::strip).toList();
    }

    /** The first fenced block that opens with {@code fence}, without its fences. */
    private static String block(List<String> section, String fence) {
        int from = section.indexOf(fence);
        assertThat(from).as("a %s block", fence).isNotNegative();
        StringBuilder text = new StringBuilder();
        for (int i = from + 1; !section.get(i).equals("```"); i++) {
            text.append(section.get(i)).append('\n');
        }
        return text.toString();
    }

    /** A command line as the README writes it, the launcher named by its path in this checkout. */
    private static List<String> command(String line) {
        List<String> words = new ArrayList<>();
        Matcher word = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
        while (word.find()) {
            words.add(word.group(1) != null ? word.group(1) : word.group(2));
        }
        String launcher = words.get(0);
        assertThat(launcher).matches("(\\./|~/mmi/)?mmi");
        words.set(0, CHECKOUT.resolve("mmi").toString());
        return words;
    }

    record Result(int exitCode, String output) {
    }

    private Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        Path output = site.resolve("output.txt");
        Process process = start(command, env, output);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("./mmi finished").isTrue();
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }

    private Process start(List<String> command, Map<String, String> env, Path output) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(site.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("MMI_CDS", "off");
        builder.environment().remove("MMI_TEST_FIXTURES");
        builder.environment().putAll(env);
        return builder.start();
    }
}
