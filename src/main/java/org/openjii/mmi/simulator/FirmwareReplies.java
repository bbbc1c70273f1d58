package org.openjii.mmi.simulator;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Random;

import org.openjii.mmi.device.ProtocolTimeoutEstimator;
import org.openjii.mmi.support.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * What the simulated device answers, in the recorded formats of its {@link FirmwareProfile}: the console commands that
 * print a reply, and the output chosen for a protocol (a forced output, the public measurement a known protocol
 * gives, or a generic sample) with its run time.
 */
final class FirmwareReplies {

    /** The output of a protocol run: its sample and how long the run takes before the sample is printed. */
    record Run(ArrayNode sample, Duration runTime) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqSimulator.class);
    private static final DateTimeFormatter DEVICE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'.000Z'")
            .withZone(ZoneOffset.UTC);

    private final SimulatorOptions options;
    private final SimulatorData data;
    private final ArrayNode forcedSample;

    /**
     * @throws IllegalArgumentException when the forced output ({@link SimulatorOptions#output()} or
     *     {@link SimulatorOptions#outputJson()}) cannot be read as a measurement
     */
    FirmwareReplies(SimulatorOptions options, SimulatorData data) {
        this.options = options;
        this.data = data;
        this.forcedSample = forcedSample(options, data);
    }

    private static ArrayNode forcedSample(SimulatorOptions options, SimulatorData data) {
        if (options.outputJson().isPresent()) {
            return SimulatorData.sampleOfDocument(options.outputJson().get(), "outputJson");
        }
        return options.output()
                .map(output -> SimulatorOptions.OUTPUT_NAMES.contains(output)
                        ? data.sample(output)
                        : SimulatorData.sampleOfFile(output))
                .orElse(null);
    }

    /** The reply to a console command that prints one; an unknown command gets the profile's bad-command line. */
    Reply toCommand(String word) {
        return switch (word) {
            case "hello", "1000" -> Reply.text(options.deviceName() + " Ready\n");
            case "battery" -> Reply.text(options.batteryFormat() == BatteryFormat.JSON
                    ? "{\"battery\":" + options.battery() + "}\n"
                    : "battery:" + options.battery() + "\n");
            case "device_info", "1007" -> options.profile().deviceInfoChecksummed()
                    ? Reply.checksummed(data.deviceInfo(options))
                    : Reply.text(data.deviceInfo(options));
            case "memory" -> Reply.text(SimulatorData.MEMORY_LINE);
            case "print_memory", "print_calibrations" -> options.profile() == FirmwareProfile.FW_2
                    ? Reply.text(data.printMemory(options))
                    : Reply.checksummed(data.printMemory(options));
            case "compiled" -> Reply.text(SimulatorData.COMPILED_LINE);
            case "temp" -> Reply.text(data.tempLines());
            case "print_date" -> {
                Instant now = options.clock().instant().truncatedTo(ChronoUnit.SECONDS);
                yield Reply.text("{\"device_time\":\"" + DEVICE_TIME.format(now) + "\",\"device_time\":"
                        + now.getEpochSecond() + "}\n");
            }
            default -> Reply.text(options.profile().badCommand(word));
        };
    }

    /** The protocol of a request line, or {@code null} when it is not a JSON array. */
    static JsonNode protocol(String text) {
        try {
            JsonNode protocol = DeviceJson.parse(text);
            return protocol != null && protocol.isArray() ? protocol : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** fw 1.17 {@code do_protocol()}: the error echoes the protocol, with a valid checksum over invalid JSON. */
    static Reply badProtocol(String text) {
        return Reply.checksummed("{\"error\":\"bad json protocol (braces or CRC)\"              " + text + "      \"}");
    }

    /** What a run of {@code protocol} prints, and after how long. */
    Run run(JsonNode protocol, String text) {
        ArrayNode sample;
        if (forcedSample != null) {
            sample = forcedSample.deepCopy();
        } else {
            String known = data.knownOutput(protocol);
            sample = known != null ? data.sample(known) : data.genericSample(protocol);
            LOG.debug("{}: protocol {} -> output {}", options.deviceId(), abbreviate(text),
                    known != null ? known : "generic");
        }
        Duration runTime = options.runTime().orElseGet(() -> {
            Duration estimate = Duration.ofMillis(ProtocolTimeoutEstimator.estimateMillis(protocol));
            return estimate.compareTo(options.maxRunTime()) > 0 ? options.maxRunTime() : estimate;
        });
        return new Run(sample, runTime);
    }

    /** A frame of a continuous command ({@code hall}, {@code 1053}, {@code all_sensors}). */
    String streamFrame(Random random) {
        return data.streamFrame(random);
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }
}
