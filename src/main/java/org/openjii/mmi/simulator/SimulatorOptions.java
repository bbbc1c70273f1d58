package org.openjii.mmi.simulator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a {@link MultispeqSimulator} behaves: the identity it reports, how it paces its output, what it measures and
 * which faults it injects. Build with {@link #builder()}, or from a compact spec with {@link #parse(String)}
 * ({@link SimulatorSpec}), the form used on the command line and in Camel URIs:
 *
 * <pre>
 * id=01:12:53:20,firmware=2.3465,battery=82,battery-format=colon,chunk=64,pause=1ms,run-time=2s,max-run-time=2s,
 * stream-period=1200ms,output=par_fw2.3465,seed=42,faults=crc:0.1;truncate:0.05;slow;unplug:after=5,replug=2s
 * </pre>
 *
 * The defaults describe the v2 instrument whose PAR output is public (fixtures par_fw2.3465): {@code MultispeQ},
 * version {@code "2"}, id {@code 01:12:53:20}, battery 82, firmware 2.3465. The firmware also picks the
 * {@link FirmwareProfile} ({@code firmware=1.17}, {@code 1.20}, or {@code 2.x}, which stands for 2.3465): the shape of
 * the replies that differ between firmware generations. Every value is checked here, and a wrong one is refused with
 * a message that names its spec key.
 *
 * @param deviceName {@code device_name}, e.g. {@code MultispeQ}; also the word before " Ready" in the reply to hello
 * @param deviceVersion {@code device_version}, printed as a JSON string: {@code "1"} or {@code "2"}
 * @param deviceId {@code device_id}: four lower-case hexadecimal bytes, e.g. {@code 01:12:53:20}
 * @param battery {@code device_battery} and the answer to {@code battery}, percent (above 100 occurs on real devices)
 * @param firmware {@code device_firmware} exactly as printed: a number in measurements, a string in device_info; it
 *     selects the {@link #profile()}
 * @param batteryFormatOverride the {@code battery-format} option; {@code null} leaves it to the profile
 * @param chunkSize bytes written per chunk
 * @param chunkPause pause between chunks; the device notices {@code -1+} in these pauses
 * @param runTime time a protocol "runs" before its sample is printed; empty for the protocol's estimate
 * @param maxRunTime upper bound of the estimated run time, so a RIDES run does not take minutes in a test
 * @param streamPeriod interval between frames of the continuous commands ({@code hall}, {@code 1053},
 *     {@code all_sensors})
 * @param output a bundled output name ({@link #OUTPUT_NAMES}) or a JSON file path forced for every protocol
 * @param outputJson a measurement document given as text, forced for every protocol; wins over {@code output}
 * @param seed seed of the random choices (fault draws, varying sensor values, garbage bytes)
 * @param faults probability per reply of each fault; absent faults never happen by chance
 * @param unplugAfter unplug after this many replies since the last plug-in; 0 for never
 * @param replugAfter when an unplugged device comes back; empty for never (until replugged by hand)
 * @param floodBytes bytes a {@link SimulatorFault#FLOOD} writes at most before it gives up
 * @param clock the device clock ({@code print_date})
 */
public record SimulatorOptions(String deviceName, String deviceVersion, String deviceId, int battery, String firmware,
        BatteryFormat batteryFormatOverride, int chunkSize, Duration chunkPause, Optional<Duration> runTime,
        Duration maxRunTime, Duration streamPeriod, Optional<String> output, Optional<String> outputJson, long seed,
        Map<SimulatorFault, Double> faults, int unplugAfter, Optional<Duration> replugAfter, long floodBytes,
        Clock clock) {

    /** Measurement outputs bundled with the simulator, the public fixtures of the same name. */
    public static final List<String> OUTPUT_NAMES = List.of("par_fw2.3465", "phi2_fw1.2", "rides_fw2.21",
            "recall-settings_fw2.31", "spad-calibration-prompts_fw2.011",
            "leaf-thickness-calibration-alert-prompt_fw2.191", "par-sensor-calibration-battery-low_fw2.21",
            "fluorescence-detector-offsets_fw2.343_66KB");

    static final int MAX_CHUNK = 1 << 20;
    private static final Pattern DEVICE_ID = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){3}");
    private static final Pattern FIRMWARE = Pattern.compile("\\d{1,3}(\\.\\d{1,8})?");
    private static final Pattern TEXT = Pattern.compile("[ -~&&[^\"\\\\,;=+]]{1,40}");

    /** Checks every value and brings ids, firmware names and output names to the form printed. */
    public SimulatorOptions {
        deviceName = text("name", deviceName);
        deviceVersion = text("version", deviceVersion);
        deviceId = deviceId(deviceId);
        range("battery", battery, -1, 1000);
        firmware = firmware(firmware);
        range("chunk", chunkSize, 1, MAX_CHUNK);
        chunkPause = nonNegative("pause", chunkPause);
        runTime = Objects.requireNonNull(runTime, "run-time").map(d -> nonNegative("run-time", d));
        maxRunTime = nonNegative("max-run-time", maxRunTime);
        streamPeriod = nonNegative("stream-period", streamPeriod);
        output = Objects.requireNonNull(output, "output").map(SimulatorOptions::output);
        Objects.requireNonNull(outputJson, "outputJson");
        EnumMap<SimulatorFault, Double> copy = new EnumMap<>(SimulatorFault.class);
        Objects.requireNonNull(faults, "faults").forEach((fault, p) -> {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("Simulator option 'faults': '" + fault.specName()
                        + "' takes a probability from 0 to 1, got '" + p + "'");
            }
            if (p > 0) {
                copy.put(fault, p);
            }
        });
        faults = Collections.unmodifiableMap(copy);
        if (unplugAfter < 0) {
            throw new IllegalArgumentException(
                    "Simulator option 'faults': unplug:after must be 0 or more, got '" + unplugAfter + "'");
        }
        replugAfter = Objects.requireNonNull(replugAfter, "replug").map(d -> nonNegative("replug", d));
        if (floodBytes <= 0) {
            throw new IllegalArgumentException(
                    "Simulator option 'flood-bytes' must be a positive size, got '" + floodBytes + "'");
        }
        Objects.requireNonNull(clock, "clock");
    }

    /** The defaults: a v2 MultispeQ {@code 01:12:53:20}, firmware 2.3465, battery 82, no faults. */
    public static SimulatorOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** The options of a spec ({@link SimulatorSpec}); blank for the defaults. */
    public static SimulatorOptions parse(String spec) {
        return SimulatorSpec.parse(spec);
    }

    /** The spec that {@link #parse(String)} reads back to these options (all but {@link #clock()}). */
    public String toSpec() {
        return SimulatorSpec.write(this);
    }

    /** The firmware generation the replies follow, from {@link #firmware()}. */
    public FirmwareProfile profile() {
        return FirmwareProfile.of(firmware);
    }

    /** The {@code battery-format} option, else the profile's form. */
    public BatteryFormat batteryFormat() {
        return batteryFormatOverride != null ? batteryFormatOverride : profile().batteryFormat();
    }

    @Override
    public String toString() {
        return "SimulatorOptions[" + toSpec() + outputJson.map(json -> ",outputJson=<" + json.length() + " chars>")
                .orElse("") + "]";
    }

    private static String text(String key, String value) {
        if (value == null || !TEXT.matcher(value).matches()) {
            throw new IllegalArgumentException("Simulator option '" + key
                    + "' must be 1 to 40 printable ASCII characters without \" \\ , ; = +, got '" + value + "'");
        }
        return value;
    }

    private static String deviceId(String id) {
        if (id == null || !DEVICE_ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "Simulator option 'id' must be four hexadecimal bytes such as 01:12:53:20, got '" + id + "'");
        }
        return id.toLowerCase(Locale.ROOT);
    }

    private static void range(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("Simulator option '" + key + "' must be a whole number from " + min
                    + " to " + max + ", got '" + value + "'");
        }
    }

    /** A decimal version such as {@code 1.17} or {@code 2.3465}; {@code 2.x} stands for 2.3465. */
    private static String firmware(String firmware) {
        String version = "2.x".equalsIgnoreCase(firmware) ? "2.3465" : firmware;
        if (version == null || !FIRMWARE.matcher(version).matches()) {
            throw new IllegalArgumentException("Simulator option 'firmware' must be 1.17, 1.20, 2.x or a decimal"
                    + " number such as 2.3465, got '" + firmware + "'");
        }
        return version;
    }

    /** A bundled output name (with or without {@code .json}) or the path of a JSON file. */
    private static String output(String output) {
        String name = output.endsWith(".json") ? output.substring(0, output.length() - 5) : output;
        if (OUTPUT_NAMES.contains(name)) {
            return name;
        }
        if ((output.contains("/") || output.contains("\\") || output.endsWith(".json"))
                && Files.isRegularFile(Path.of(output))) {
            return output;
        }
        throw new IllegalArgumentException("Simulator option 'output' must be one of " + String.join(", ",
                OUTPUT_NAMES) + ", or the path of a readable JSON file, got '" + output + "'");
    }

    private static Duration nonNegative(String key, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(
                    "Simulator option '" + key + "' must be a duration of 0 or more, got '" + d + "'");
        }
        return d;
    }

    /** Builder; {@link #build()} checks the values. */
    public static final class Builder {

        private String deviceName = "MultispeQ";
        private String deviceVersion = "2";
        private String deviceId = "01:12:53:20";
        private int battery = 82;
        private String firmware = "2.3465";
        private BatteryFormat batteryFormat;
        private int chunkSize = 64;
        private Duration chunkPause = Duration.ofMillis(1);
        private Duration runTime;
        private Duration maxRunTime = Duration.ofSeconds(2);
        private Duration streamPeriod = Duration.ofMillis(1200);
        private String output;
        private String outputJson;
        private long seed = 42;
        private final Map<SimulatorFault, Double> faults = new EnumMap<>(SimulatorFault.class);
        private int unplugAfter;
        private Duration replugAfter = Duration.ofSeconds(2);
        private long floodBytes = 8L << 20;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        private Builder(SimulatorOptions o) {
            deviceName = o.deviceName;
            deviceVersion = o.deviceVersion;
            deviceId = o.deviceId;
            battery = o.battery;
            firmware = o.firmware;
            batteryFormat = o.batteryFormatOverride;
            chunkSize = o.chunkSize;
            chunkPause = o.chunkPause;
            runTime = o.runTime.orElse(null);
            maxRunTime = o.maxRunTime;
            streamPeriod = o.streamPeriod;
            output = o.output.orElse(null);
            outputJson = o.outputJson.orElse(null);
            seed = o.seed;
            faults.putAll(o.faults);
            unplugAfter = o.unplugAfter;
            replugAfter = o.replugAfter.orElse(null);
            floodBytes = o.floodBytes;
            clock = o.clock;
        }

        /** Sets name, version, id, battery and firmware at once, as printed in a measurement header. */
        public Builder identity(String name, String version, String id, int battery, String firmware) {
            return deviceName(name).deviceVersion(version).deviceId(id).battery(battery).firmware(firmware);
        }

        public Builder deviceName(String name) {
            this.deviceName = name;
            return this;
        }

        public Builder deviceVersion(String version) {
            this.deviceVersion = version;
            return this;
        }

        public Builder deviceId(String id) {
            this.deviceId = id;
            return this;
        }

        public Builder battery(int battery) {
            this.battery = battery;
            return this;
        }

        /** A decimal version such as {@code 1.17} or {@code 2.3465}; {@code 2.x} stands for 2.3465. */
        public Builder firmware(String firmware) {
            this.firmware = firmware;
            return this;
        }

        public Builder batteryFormat(BatteryFormat format) {
            this.batteryFormat = Objects.requireNonNull(format, "battery-format");
            return this;
        }

        public Builder chunkSize(int bytes) {
            this.chunkSize = bytes;
            return this;
        }

        public Builder chunkPause(Duration pause) {
            this.chunkPause = pause;
            return this;
        }

        /** Fixed run time; {@code null} for the protocol's estimate (capped by {@link #maxRunTime(Duration)}). */
        public Builder runTime(Duration runTime) {
            this.runTime = runTime;
            return this;
        }

        public Builder maxRunTime(Duration maxRunTime) {
            this.maxRunTime = maxRunTime;
            return this;
        }

        public Builder streamPeriod(Duration period) {
            this.streamPeriod = period;
            return this;
        }

        /**
         * Forces the output of every protocol: a bundled name from {@link SimulatorOptions#OUTPUT_NAMES} (with or
         * without {@code .json}), or the path of a measurement JSON file (device or app-saved shape); {@code null}
         * to choose by protocol. Clears {@link #outputJson(String)}.
         */
        public Builder output(String output) {
            this.outputJson = null;
            this.output = output;
            return this;
        }

        /**
         * Forces the output of every protocol from a measurement document given as text (device or app-saved
         * shape: only its {@code sample} is used). Clears {@link #output(String)}. Not expressible in a spec.
         */
        public Builder outputJson(String json) {
            this.output = null;
            this.outputJson = json;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Draws {@code fault} with probability {@code p} (0 to 1, 0 removes it) for every reply it can affect. */
        public Builder fault(SimulatorFault fault, double p) {
            faults.put(Objects.requireNonNull(fault, "fault"), p);
            return this;
        }

        public Builder clearFaults() {
            faults.clear();
            unplugAfter = 0;
            return this;
        }

        /** Unplugs after every {@code replies} replies since plug-in; 0 turns it off. */
        public Builder unplugAfter(int replies) {
            this.unplugAfter = replies;
            return this;
        }

        /** When an unplugged device comes back; {@code null} for never. */
        public Builder replugAfter(Duration replugAfter) {
            this.replugAfter = replugAfter;
            return this;
        }

        public Builder floodBytes(long bytes) {
            this.floodBytes = bytes;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws IllegalArgumentException naming the spec key of the first value that is not allowed */
        public SimulatorOptions build() {
            return new SimulatorOptions(deviceName, deviceVersion, deviceId, battery, firmware, batteryFormat,
                    chunkSize, chunkPause, Optional.ofNullable(runTime), maxRunTime, streamPeriod,
                    Optional.ofNullable(output), Optional.ofNullable(outputJson), seed, faults, unplugAfter,
                    Optional.ofNullable(replugAfter), floodBytes, clock);
        }
    }
}
