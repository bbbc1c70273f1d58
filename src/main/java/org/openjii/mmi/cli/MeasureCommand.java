package org.openjii.mmi.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.component.multispeq.MultispeqEndpoint;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.message.Failures;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mmi measure}: one protocol run with a progress indicator while the device measures, then a readable summary,
 * the device's JSON on request, and with {@code --publish} the same ingest pipeline and outbox as {@code mmi run}.
 */
@Command(name = "measure", mixinStandardHelpOptions = true, description = "Run one measurement protocol, show a"
        + " summary (device, battery, duration, values); --publish sends it through the bridge's pipeline.")
final class MeasureCommand extends ConfiguredCommand {

    /** How long --publish waits for the broker's PUBACKs before leaving the messages to the next mmi run. */
    static final Duration PUBLISH_WAIT = Duration.ofSeconds(30);
    private static final String DEVICE_NAME = "measure";

    @Option(names = "--port", required = true, description = "Serial port, auto, or sim.")
    String port;

    @Option(names = "--protocol", required = true, description = "A protocol file, a bundled protocol (par, spad,"
            + " phi2, rides, recall-settings), classpath:..., or inline JSON.")
    String protocol;

    @Option(names = "--answer", description = "The answer to the protocol's next prompt, in order (repeatable).")
    List<String> answers = new ArrayList<>();

    @Option(names = "--acknowledge-alerts", description = "Acknowledge the protocol's alerts without an --answer.")
    boolean acknowledgeAlerts;

    @Option(names = "--json", description = "Also print the device's JSON, pretty-printed.")
    boolean json;

    @Option(names = "--publish", description = "Validate, enrich and publish it like mmi run (outbox, MQTT broker of"
            + " the configuration), and wait up to 30 s for the broker to acknowledge.")
    boolean publish;

    @Override
    public Integer call() throws Exception {
        String protocolText;
        MeasurementProtocol parsed;
        try {
            protocolText = protocolText(protocol);
            parsed = MeasurementProtocol.parse(protocolText);
        } catch (IllegalArgumentException | IOException e) {
            err.println("mmi measure: --protocol " + protocol + ": " + e.getMessage());
            return 2;
        }
        if (publish && configurationProblem("measure")) {
            return 2;
        }
        if (!publish) {
            try (CamelContext context = new DefaultCamelContext()) {
                context.start();
                return measure(context, null, protocolText, parsed);
            }
        }
        Pipeline pipeline;
        try {
            pipeline = Pipeline.start(configuration);
        } catch (Exception e) {
            err.println("mmi measure: " + Failures.describe(e));
            return 1;
        }
        try (pipeline) {
            return measure(pipeline.context(), pipeline, protocolText, parsed);
        }
    }

    /** @param pipeline the bridge to publish through, or null */
    private int measure(CamelContext context, Pipeline pipeline, String protocolText, MeasurementProtocol parsed)
            throws Exception {
        MultispeqEndpoint endpoint = context.getEndpoint("multispeq:" + DEVICE_NAME, MultispeqEndpoint.class);
        endpoint.getConfiguration().setPort(port);
        // The text as the device printed it: the ingest route parses it like a measuring loop's reply.
        endpoint.getConfiguration().setParseJson(false);
        endpoint.getConfiguration().setAcknowledgeAlerts(acknowledgeAlerts);
        endpoint.getConfiguration().setReconnectMaxDelay(1000);
        if (pipeline != null) {
            context.getPropertiesComponent()
                    .resolveProperty("mmi.simulator.options")
                    .ifPresent(endpoint.getConfiguration()::setSimulator);
        }
        ProducerTemplate template = context.createProducerTemplate();
        long started = System.nanoTime();
        CompletableFuture<Exchange> run = template.asyncSend(endpoint, exchange -> {
            exchange.getIn().setBody(protocolText);
            exchange.getIn().setHeader(MultispeqConstants.ANSWERS, answers);
        });
        Exchange reply = waitWithProgress(run, parsed.estimatedDuration());
        Duration duration = Duration.ofNanos(System.nanoTime() - started);
        Exception failure = reply.getException();
        if (failure != null) {
            String reason = failure instanceof MultispeqException e ? e.reason() + ": " : "";
            err.println("mmi measure: " + reason + Failures.describe(failure));
            return 1;
        }
        String text = reply.getMessage().getBody(String.class);
        JsonNode measurement = DeviceJson.parse(text);
        out.println("Measured with " + parsed.compact().length() + " bytes of protocol on " + port + ":");
        out.print(MeasurementSummary.format(measurement, duration));
        if (json) {
            out.println(DeviceJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(measurement));
        }
        return pipeline != null ? publish(pipeline, reply) : 0;
    }

    /** Through direct:ingest (validate, split, enrich, dead letters, outbox) as routes/commands.camel.yaml does. */
    private int publish(Pipeline pipeline, Exchange reply) throws Exception {
        List<String> ids;
        try {
            ids = pipeline.ingest(reply);
        } catch (Exception e) {
            err.println("mmi measure: not published: " + Failures.describe(e));
            return 1;
        }
        if (pipeline.delivery() == null) {
            out.println("Not published: mmi.mqtt.broker-url=log (the message is in the log above)");
            return 0;
        }
        out.println("Queued " + ids.size() + " message(s) in the outbox: " + ids);
        long waiting = pipeline.awaitDelivered(PUBLISH_WAIT);
        if (waiting > 0) {
            out.println(waiting + " message(s) not yet acknowledged by " + pipeline.broker()
                    + "; they stay in the outbox " + pipeline.delivery().outbox().file() + " for the next mmi run");
            return 3;
        }
        out.println("Published: acknowledged by " + pipeline.broker());
        return 0;
    }

    /** Waits for the run, drawing a progress line on a terminal (the duration is the protocol's estimate). */
    private Exchange waitWithProgress(CompletableFuture<Exchange> run, Duration estimate) throws Exception {
        boolean terminal = System.console() != null;
        long started = System.nanoTime();
        if (!terminal) {
            err.printf(Locale.ROOT, "Measuring (about %d s) ...%n", Math.max(1, estimate.toSeconds()));
        }
        while (true) {
            try {
                Exchange reply = run.get(200, TimeUnit.MILLISECONDS);
                if (terminal) {
                    err.print("\r" + " ".repeat(60) + "\r");
                }
                return reply;
            } catch (TimeoutException stillMeasuring) {
                if (terminal) {
                    err.print("\r" + progressLine(Duration.ofNanos(System.nanoTime() - started), estimate));
                    err.flush();
                }
            }
        }
    }

    /**
     * {@code Measuring [#######.............] 4.2 s of ~10 s}. Hand-written: the total is only an estimate (prompts and
     * clamp waits are open-ended), which the progress-bar libraries' fixed totals do not model.
     */
    static String progressLine(Duration elapsed, Duration estimate) {
        int width = 20;
        double fraction = estimate.isZero() ? 0 : Math.min(0.99, (double) elapsed.toMillis() / estimate.toMillis());
        int filled = (int) Math.round(fraction * width);
        return String.format(Locale.ROOT, "Measuring [%s%s] %.1f s of ~%d s", "#".repeat(filled),
                ".".repeat(width - filled), elapsed.toMillis() / 1000.0, Math.max(1, estimate.toSeconds()));
    }

    /** The protocol's JSON text: inline, a file, classpath:/file: locations, or a bundled protocol's name. */
    static String protocolText(String value) throws IOException {
        String text = value.strip();
        if (text.startsWith("[") || text.startsWith("{")) {
            return text;
        }
        if (text.startsWith("file:")) {
            return Files.readString(Path.of(text.substring("file:".length())), StandardCharsets.UTF_8);
        }
        String resource = text.startsWith("classpath:") ? text.substring("classpath:".length())
                : Files.isRegularFile(Path.of(text)) ? null : "protocols/" + text + ".json";
        if (resource == null) {
            return Files.readString(Path.of(text), StandardCharsets.UTF_8);
        }
        try (InputStream in = MeasureCommand.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no such file, and not a bundled protocol (par, spad, phi2, rides,"
                        + " recall-settings, spad-legacy-mmi)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
