package org.openjii.mmi.routes;

import java.io.IOException;
import java.nio.file.Files;

import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;

/**
 * What the command ITs on a {@link MmiRouteTestSupport} bridge set up beside it: a simulated MultispeQ on a socat
 * pseudo-terminal as the bridge's device ({@code mmi.device.port}), a builder for the requester's HiveMQ client on
 * the test broker, and at the end the command topic's retained requests cleared, so they reach no later class.
 */
final class PtyCommandRig implements AutoCloseable {

    private final PtySimulator device;
    private final String commandTopic;

    private PtyCommandRig(PtySimulator device, String commandTopic) {
        this.device = device;
        this.commandTopic = commandTopic;
    }

    /**
     * Starts the simulator (skipped without socat, failed under CI) and points the bridge at it.
     *
     * @param name the pseudo-terminal's name, {@code tty<name>}
     * @param simulatorOptions {@link SimulatorOptions#parse} text
     * @param commandTopic the topic the requests go to
     */
    static PtyCommandRig start(String name, String simulatorOptions, String commandTopic) throws IOException {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        PtySimulator device = PtySimulator.start(Files.createTempDirectory("mmi-" + name).resolve("tty" + name),
                SimulatorOptions.parse(simulatorOptions));
        MmiRouteTestSupport.override("mmi.device.port", device.hostLink().toString());
        return new PtyCommandRig(device, commandTopic);
    }

    /** A client of the test broker named {@code clientId}; the caller picks the MQTT version. */
    static MqttClientBuilder requester(String clientId) {
        return MqttClient.builder()
                .identifier(clientId)
                .serverHost("127.0.0.1")
                .serverPort(MmiRouteTestSupport.broker.port());
    }

    /** Clears the retained requests (an empty retained message), then stops the simulator. */
    @Override
    public void close() {
        try {
            Mqtt5BlockingClient cleaner = requester("rig-cleaner").useMqttVersion5().buildBlocking();
            cleaner.connectWith().cleanStart(true).send();
            cleaner.publishWith().topic(commandTopic).retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
            cleaner.disconnect();
        } finally {
            device.close();
        }
    }
}
