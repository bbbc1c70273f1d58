package org.openjii.mmi.cli;

import java.time.Duration;

import org.apache.camel.util.TimeUtils;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The commands of {@code mmi shell}, as picocli commands: parsing, {@code help} and JLine's completion. */
@Command(name = "", description = "mmi shell commands (the Python tool's, on the bridge's own parts):", footer = {"",
        "Typical: connect_device sim, connect, publish, continuous publish 10s, stop, status, exit.",
        "The Python tool's one-letter keys work too: c, d, s, f, t, v, m, k, h, q."})
final class ShellCommands implements Runnable {

    private final ShellSession session;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    ShellCommands(ShellSession session) {
        this.session = session;
    }

    @Override
    public void run() {
        help();
    }

    @Command(name = "help", aliases = "h", description = "List the commands.")
    void help() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "connect", aliases = "c", description = "Open the MQTT connection (mmi.mqtt.broker-url;"
            + " the embedded broker by default) with the outbox, as mmi run does.")
    void connect() {
        session.connect();
    }

    @Command(name = "disconnect", aliases = "d", description = "Close the MQTT connection after the outbox"
            + " drained (up to 10 s).")
    void disconnect() {
        session.disconnect();
    }

    @Command(name = "status", aliases = "s", description = "MQTT connection, outbox, device, data topic, continuous"
            + " publish, and the bridge status as mmi run publishes it on mmi.mqtt.status-topic.")
    void status() {
        session.status();
    }

    @Command(name = "config", aliases = "f", description = "The effective mmi.* and camel.* settings (secrets"
            + " masked).")
    void config() {
        session.config();
    }

    @Command(name = "set_topic", aliases = "t", description = "Use this data topic template from now on"
            + " (reconnects when connected), e.g."
            + " experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/{sensorId}.")
    void setTopic(@Parameters(paramLabel = "TOPIC") String topic) {
        session.setTopic(topic);
    }

    @Command(name = "connect_device", aliases = "v", description = "Open the MultispeQ at PORT (sim, auto, or a"
            + " path; default mmi.device.port) and say hello.")
    void connectDevice(@Parameters(paramLabel = "PORT", arity = "0..1") String port) {
        session.connectDevice(port);
    }

    @Command(name = "publish", aliases = "m", description = "Measure once with PROTOCOL (default"
            + " mmi.device.protocol) and publish the run through the ingest route and outbox.")
    void publish(@Parameters(paramLabel = "PROTOCOL", arity = "0..1") String protocol) {
        session.publish(protocol);
    }

    @Command(name = "continuous", description = "continuous publish [INTERVAL]: measure and publish every INTERVAL"
            + " (default mmi.device.interval) until stop, Enter or Ctrl-C.")
    void continuous(@Parameters(paramLabel = "publish") String publish,
            @Parameters(paramLabel = "INTERVAL", arity = "0..1") String interval) {
        if (!"publish".equals(publish)) {
            spec.commandLine().getOut().println("Usage: continuous publish [INTERVAL]");
            return;
        }
        continuousPublish(interval);
    }

    @Command(name = "continuous_publish", aliases = "k", description = "The Python tool's name for continuous"
            + " publish [INTERVAL].")
    void continuousPublish(@Parameters(paramLabel = "INTERVAL", arity = "0..1") String interval) {
        String text = interval != null ? interval : session.defaultInterval();
        long millis;
        try {
            millis = TimeUtils.toMilliSeconds(text);
        } catch (RuntimeException e) {
            spec.commandLine().getOut().println("Not a duration: " + text + " (e.g. 10s, 1m)");
            return;
        }
        session.startContinuous(Duration.ofMillis(Math.max(1000, millis)));
    }

    @Command(name = "stop", description = "Stop a continuous publish (an empty line or Ctrl-C does too).")
    void stop() {
        session.stopContinuous();
    }

    @Command(name = "exit", aliases = {"quit", "q"}, description = "Stop, let the outbox drain (up to 10 s), and"
            + " leave.")
    void exit() {
        session.requestExit();
    }
}
