package org.openjii.mmi.simulator;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a {@link MultispeqSimulator} behaves: the identity it reports, how it paces its output, what it measures and
 * which faults it injects. Immutable; build with {@link #builder()} or from a compact spec with {@link #parse(String)},
 * the form used on the command line and in Camel URIs:
 *
 * <pre>
 * id=01:12:53:20,firmware=2.3465,battery=82,battery-format=colon,chunk=64,pause=1ms,run-time=2s,max-run-time=2s,
 * stream-period=1200ms,output=par_fw2.3465,seed=42,faults=crc:0.1;truncate:0.05;slow;unplug:after=5,replug=2s
 * </pre>
 *
 * The defaults describe the v2 instrument whose PAR output is public (fixtures par_fw2.3465): {@code MultispeQ},
 * version {@code "2"}, id {@code 01:12:53:20}, battery 82, firmware 2.3465. The firmware also picks the
 * {@link FirmwareProfile} ({@code firmware=1.17}, {@code 1.20}, or {@code 2.x}, which stands for 2.3465): the shape of
 * the replies that differ between firmware generations.
 */
public final class SimulatorOptions {

    /**
     * How {@code battery} answers: fw 1.17 and 1.20 print JSON; openJII's app and driver read {@code battery:NN}, the
     * form of the default v2 profile. Without the option, the {@link FirmwareProfile} decides.
     */
    public enum BatteryFormat {

        /** {@code {"battery":NN}} followed by LF (fw 1.17). */
        JSON("json"),
        /** {@code battery:NN} followed by LF (what openJII parses). */
        COLON("colon");

        private final String specName;

        BatteryFormat(String specName) {
            this.specName = specName;
        }

        public String specName() {
            return specName;
        }
    }

    /** Measurement outputs bundled with the simulator, the public fixtures of the same name. */
    public static final List<String> OUTPUT_NAMES = List.of("par_fw2.3465", "phi2_fw1.2", "rides_fw2.21",
            "recall-settings_fw2.31", "spad-calibration-prompts_fw2.011",
            "leaf-thickness-calibration-alert-prompt_fw2.191", "par-sensor-calibration-battery-low_fw2.21",
            "fluorescence-detector-offsets_fw2.343_66KB");

    /** Spec keys, in the order {@link #toSpec()} writes them. */
    public static final List<String> KEYS = List.of("name", "version", "id", "battery", "firmware", "battery-format",
            "chunk", "pause", "run-time", "max-run-time", "stream-period", "output", "seed", "faults", "replug",
            "flood-bytes");

    private static final int MAX_CHUNK = 1 << 20;
    private static final Pattern DEVICE_ID = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){3}");
    private static final Pattern FIRMWARE = Pattern.compile("\\d{1,3}(\\.\\d{1,8})?");
    private static final Pattern TEXT = Pattern.compile("[ -~&&[^\"\\\\,;=+]]{1,40}");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");
    private static final Pattern UNPLUG_AFTER = Pattern.compile("after=(\\d{1,9})");

    private final String deviceName;
    private final String deviceVersion;
    private final String deviceId;
    private final int battery;
    private final String firmware;
    private final BatteryFormat batteryFormat;
    private final int chunkSize;
    private final Duration chunkPause;
    private final Duration runTime;
    private final Duration maxRunTime;
    private final Duration streamPeriod;
    private final String output;
    private final String outputJson;
    private final long seed;
    private final Map<SimulatorFault, Double> faults;
    private final int unplugAfter;
    private final Duration replugAfter;
    private final long floodBytes;
    private final Clock clock;

    private SimulatorOptions(Builder b) {
        this.deviceName = b.deviceName;
        this.deviceVersion = b.deviceVersion;
        this.deviceId = b.deviceId;
        this.battery = b.battery;
        this.firmware = b.firmware;
        this.batteryFormat = b.batteryFormat;
        this.chunkSize = b.chunkSize;
        this.chunkPause = b.chunkPause;
        this.runTime = b.runTime;
        this.maxRunTime = b.maxRunTime;
        this.streamPeriod = b.streamPeriod;
        this.output = b.output;
        this.outputJson = b.outputJson;
        this.seed = b.seed;
        EnumMap<SimulatorFault, Double> copy = new EnumMap<>(SimulatorFault.class);
        copy.putAll(b.faults);
        this.faults = Collections.unmodifiableMap(copy);
        this.unplugAfter = b.unplugAfter;
        this.replugAfter = b.replugAfter;
        this.floodBytes = b.floodBytes;
        this.clock = b.clock;
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

    /**
     * Parses a comma-separated {@code key=value} spec (keys in {@link #KEYS}); unnamed keys keep their defaults. An
     * empty or blank spec gives the defaults.
     *
     * @throws IllegalArgumentException naming the key and the values it allows
     */
    public static SimulatorOptions parse(String spec) {
        Builder builder = builder();
        if (spec == null || spec.isBlank()) {
            return builder.build();
        }
        Set<String> seen = new HashSet<>();
        for (String item : spec.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Simulator option '" + item.strip()
                        + "' must be key=value; keys: " + String.join(", ", KEYS));
            }
            String key = item.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = item.substring(eq + 1).strip();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(
                        "Unknown simulator option '" + key + "'; keys: " + String.join(", ", KEYS));
            }
            if (!seen.add(key)) {
                throw new IllegalArgumentException("Simulator option '" + key + "' is given twice");
            }
            apply(builder, key, value);
        }
        return builder.build();
    }

    private static void apply(Builder b, String key, String value) {
        switch (key) {
            case "name" -> b.deviceName(value);
            case "version" -> b.deviceVersion(value);
            case "id" -> b.deviceId(value);
            case "battery" -> b.battery(parseInt(key, value, -1, 1000, "a whole number from -1 to 1000"));
            case "firmware" -> b.firmware(value);
            case "battery-format" -> b.batteryFormat(parseBatteryFormat(value));
            case "chunk" -> b.chunkSize(parseInt(key, value, 1, MAX_CHUNK, "a whole number from 1 to " + MAX_CHUNK));
            case "pause" -> b.chunkPause(parseDuration(key, value));
            case "run-time" -> b.runTime("estimate".equalsIgnoreCase(value) ? null : parseDuration(key, value));
            case "max-run-time" -> b.maxRunTime(parseDuration(key, value));
            case "stream-period" -> b.streamPeriod(parseDuration(key, value));
            case "output" -> b.output(value.isEmpty() || "auto".equalsIgnoreCase(value) ? null : value);
            case "seed" -> b.seed(parseLong(key, value));
            case "faults" -> parseFaults(b, value);
            case "replug" -> b.replugAfter("never".equalsIgnoreCase(value) ? null : parseDuration(key, value));
            case "flood-bytes" -> b.floodBytes(parseSize(key, value));
            default -> throw new IllegalStateException("unhandled key " + key);
        }
    }

    private static BatteryFormat parseBatteryFormat(String value) {
        for (BatteryFormat format : BatteryFormat.values()) {
            if (format.specName.equalsIgnoreCase(value)) {
                return format;
            }
        }
        throw new IllegalArgumentException(
                "Simulator option 'battery-format' must be json or colon, got '" + value + "'");
    }

    private static int parseInt(String key, String value, int min, int max, String allowed) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "Simulator option '" + key + "' must be " + allowed + ", got '" + value + "'");
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "Simulator option '" + key + "' must be a whole number, got '" + value + "'", e);
        }
    }

    /** {@code 0}, {@code 250ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, units ns, us, ms, s, m, h; or ISO-8601. */
    static Duration parseDuration(String key, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.startsWith("p")) {
            try {
                Duration d = Duration.parse(v.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // reported below
            }
        } else {
            Matcher m = DURATION.matcher(v);
            if (m.matches() && (m.group(2) != null || new BigDecimal(m.group(1)).signum() == 0)) {
                BigDecimal amount = new BigDecimal(m.group(1));
                long nanosPerUnit = switch (m.group(2) == null ? "ms" : m.group(2)) {
                    case "ns" -> 1L;
                    case "us" -> 1_000L;
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    default -> 3_600_000_000_000L;
                };
                try {
                    return Duration.ofNanos(amount.multiply(BigDecimal.valueOf(nanosPerUnit)).longValueExact());
                } catch (ArithmeticException e) {
                    // fractional nanoseconds or too long: reported below
                }
            }
        }
        throw new IllegalArgumentException("Simulator option '" + key
                + "' must be a duration such as 0, 500ms, 2s or 1m (units ns, us, ms, s, m, h), got '" + value + "'");
    }

    /** {@code 8MB}, {@code 64k}, {@code 1024}: binary multiples (1 KB = 1024 bytes). */
    private static long parseSize(String key, String value) {
        Matcher m = SIZE.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            String unit = m.group(2) == null ? "b" : m.group(2);
            int shift = switch (unit.charAt(0)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                default -> 0;
            };
            try {
                long n = Long.parseLong(m.group(1));
                if (n > 0 && n <= (Long.MAX_VALUE >> shift)) {
                    return n << shift;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("Simulator option '" + key
                + "' must be a positive size such as 65536, 64KB or 8MB, got '" + value + "'");
    }

    /** {@code crc:0.1;truncate:0.05;slow;unplug:after=5}: probability 0 to 1 (1 when left out). */
    private static void parseFaults(Builder b, String value) {
        b.clearFaults();
        if (value.isEmpty() || "none".equalsIgnoreCase(value)) {
            return;
        }
        for (String entry : value.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            String name = (colon < 0 ? entry : entry.substring(0, colon)).strip();
            String arg = colon < 0 ? null : entry.substring(colon + 1).strip();
            SimulatorFault fault;
            try {
                fault = SimulatorFault.fromSpecName(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Simulator option 'faults': " + e.getMessage()
                        + " (form: name[:probability];..., e.g. crc:0.1;slow;unplug:after=5)", e);
            }
            if (arg == null) {
                b.fault(fault, 1.0);
                continue;
            }
            Matcher after = UNPLUG_AFTER.matcher(arg);
            if (fault == SimulatorFault.UNPLUG && after.matches()) {
                b.unplugAfter(Integer.parseInt(after.group(1)));
                continue;
            }
            double p;
            try {
                p = Double.parseDouble(arg);
            } catch (NumberFormatException e) {
                p = Double.NaN;
            }
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("Simulator option 'faults': '" + fault.specName()
                        + "' takes a probability from 0 to 1" + (fault == SimulatorFault.UNPLUG ? " or after=N" : "")
                        + ", got '" + arg + "'");
            }
            b.fault(fault, p);
        }
    }

    /** The spec that {@link #parse(String) parses} back to these options (except {@link #clock()}). */
    public String toSpec() {
        StringJoiner spec = new StringJoiner(",");
        spec.add("name=" + deviceName);
        spec.add("version=" + deviceVersion);
        spec.add("id=" + deviceId);
        spec.add("battery=" + battery);
        spec.add("firmware=" + firmware);
        spec.add("battery-format=" + batteryFormat().specName);
        spec.add("chunk=" + chunkSize);
        spec.add("pause=" + formatDuration(chunkPause));
        spec.add("run-time=" + (runTime == null ? "estimate" : formatDuration(runTime)));
        spec.add("max-run-time=" + formatDuration(maxRunTime));
        spec.add("stream-period=" + formatDuration(streamPeriod));
        if (output != null) {
            spec.add("output=" + output);
        }
        spec.add("seed=" + seed);
        StringJoiner faultSpec = new StringJoiner(";");
        faults.forEach((fault, p) -> faultSpec.add(fault.specName() + ":" + p));
        if (unplugAfter > 0) {
            faultSpec.add("unplug:after=" + unplugAfter);
        }
        spec.add("faults=" + faultSpec);
        spec.add("replug=" + (replugAfter == null ? "never" : formatDuration(replugAfter)));
        spec.add("flood-bytes=" + floodBytes);
        return spec.toString();
    }

    private static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos % 1_000_000 != 0) {
            return nanos + "ns";
        }
        return nanos / 1_000_000 + "ms";
    }

    /** {@code device_name}, e.g. {@code MultispeQ}; also the word before " Ready" in the reply to hello. */
    public String deviceName() {
        return deviceName;
    }

    /** {@code device_version}, printed as a JSON string: {@code "1"} or {@code "2"}. */
    public String deviceVersion() {
        return deviceVersion;
    }

    /** {@code device_id}: four lower-case hexadecimal bytes, e.g. {@code 01:12:53:20}. */
    public String deviceId() {
        return deviceId;
    }

    /** {@code device_battery} and the answer to {@code battery}, percent (above 100 occurs on real devices). */
    public int battery() {
        return battery;
    }

    /**
     * {@code device_firmware} exactly as printed: a number in measurements, a string in device_info. It selects the
     * {@link #profile()}.
     */
    public String firmware() {
        return firmware;
    }

    /** The firmware generation the replies follow, from {@link #firmware()}. */
    public FirmwareProfile profile() {
        return FirmwareProfile.of(firmware);
    }

    /** The {@code battery-format} option, else the profile's form. */
    public BatteryFormat batteryFormat() {
        return batteryFormat != null ? batteryFormat : profile().batteryFormat();
    }

    /** Bytes written per chunk. */
    public int chunkSize() {
        return chunkSize;
    }

    /** Pause between chunks; the device notices {@code -1+} in these pauses. */
    public Duration chunkPause() {
        return chunkPause;
    }

    /** Time a protocol "runs" before its sample is printed; empty for the protocol's estimate. */
    public Optional<Duration> runTime() {
        return Optional.ofNullable(runTime);
    }

    /** Upper bound of the estimated run time, so a RIDES run does not take minutes in a test. */
    public Duration maxRunTime() {
        return maxRunTime;
    }

    /** Interval between frames of the continuous commands ({@code hall}, {@code 1053}, {@code all_sensors}). */
    public Duration streamPeriod() {
        return streamPeriod;
    }

    /** A bundled output name ({@link #OUTPUT_NAMES}) or a JSON file path forced for every protocol. */
    public Optional<String> output() {
        return Optional.ofNullable(output);
    }

    /** A measurement document given as text, forced for every protocol; wins over {@link #output()}. */
    public Optional<String> outputJson() {
        return Optional.ofNullable(outputJson);
    }

    /** Seed of the random choices (fault draws, varying sensor values, garbage bytes). */
    public long seed() {
        return seed;
    }

    /** Probability per reply of each fault; absent faults never happen by chance. */
    public Map<SimulatorFault, Double> faults() {
        return faults;
    }

    /** Unplug after this many replies since the last plug-in; 0 for never. */
    public int unplugAfter() {
        return unplugAfter;
    }

    /** When an unplugged device comes back; empty for never (until replugged by hand). */
    public Optional<Duration> replugAfter() {
        return Optional.ofNullable(replugAfter);
    }

    /** Bytes a {@link SimulatorFault#FLOOD} writes at most before it gives up. */
    public long floodBytes() {
        return floodBytes;
    }

    /** The device clock ({@code print_date}). */
    public Clock clock() {
        return clock;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SimulatorOptions other)) {
            return false;
        }
        return battery == other.battery && chunkSize == other.chunkSize && seed == other.seed
                && unplugAfter == other.unplugAfter && floodBytes == other.floodBytes
                && deviceName.equals(other.deviceName) && deviceVersion.equals(other.deviceVersion)
                && deviceId.equals(other.deviceId) && firmware.equals(other.firmware)
                && batteryFormat() == other.batteryFormat() && chunkPause.equals(other.chunkPause)
                && Objects.equals(runTime, other.runTime) && maxRunTime.equals(other.maxRunTime)
                && streamPeriod.equals(other.streamPeriod) && Objects.equals(output, other.output)
                && Objects.equals(outputJson, other.outputJson) && faults.equals(other.faults)
                && Objects.equals(replugAfter, other.replugAfter) && clock.equals(other.clock);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceName, deviceVersion, deviceId, battery, firmware, batteryFormat(), chunkSize,
                chunkPause, runTime, maxRunTime, streamPeriod, output, outputJson, seed, faults, unplugAfter,
                replugAfter, floodBytes, clock);
    }

    @Override
    public String toString() {
        return "SimulatorOptions[" + toSpec() + (outputJson == null ? ""
                : ",outputJson=<" + outputJson.length()
                        + " chars>")
                + "]";
    }

    /** Builder; every setter validates its value and throws {@link IllegalArgumentException} naming the key. */
    public static final class Builder {

        private String deviceName = "MultispeQ";
        private String deviceVersion = "2";
        private String deviceId = "01:12:53:20";
        private int battery = 82;
        private String firmware = "2.3465";
        /** {@code null}: the profile's form. */
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
            batteryFormat = o.batteryFormat;
            chunkSize = o.chunkSize;
            chunkPause = o.chunkPause;
            runTime = o.runTime;
            maxRunTime = o.maxRunTime;
            streamPeriod = o.streamPeriod;
            output = o.output;
            outputJson = o.outputJson;
            seed = o.seed;
            faults.putAll(o.faults);
            unplugAfter = o.unplugAfter;
            replugAfter = o.replugAfter;
            floodBytes = o.floodBytes;
            clock = o.clock;
        }

        /** Sets name, version, id, battery and firmware at once, as printed in a measurement header. */
        public Builder identity(String name, String version, String id, int battery, String firmware) {
            return deviceName(name).deviceVersion(version).deviceId(id).battery(battery).firmware(firmware);
        }

        public Builder deviceName(String name) {
            this.deviceName = text("name", name);
            return this;
        }

        public Builder deviceVersion(String version) {
            this.deviceVersion = text("version", version);
            return this;
        }

        public Builder deviceId(String id) {
            if (id == null || !DEVICE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException(
                        "Simulator option 'id' must be four hexadecimal bytes such as 01:12:53:20, got '" + id + "'");
            }
            this.deviceId = id.toLowerCase(Locale.ROOT);
            return this;
        }

        public Builder battery(int battery) {
            if (battery < -1 || battery > 1000) {
                throw new IllegalArgumentException(
                        "Simulator option 'battery' must be a whole number from -1 to 1000, got '" + battery + "'");
            }
            this.battery = battery;
            return this;
        }

        /** A decimal version such as {@code 1.17} or {@code 2.3465}; {@code 2.x} stands for 2.3465. */
        public Builder firmware(String firmware) {
            if ("2.x".equalsIgnoreCase(firmware)) {
                firmware = "2.3465";
            }
            if (firmware == null || !FIRMWARE.matcher(firmware).matches()) {
                throw new IllegalArgumentException(
                        "Simulator option 'firmware' must be 1.17, 1.20, 2.x or a decimal number such as 2.3465, got '"
                                + firmware
                                + "'");
            }
            this.firmware = firmware;
            return this;
        }

        public Builder batteryFormat(BatteryFormat format) {
            this.batteryFormat = Objects.requireNonNull(format, "battery-format");
            return this;
        }

        public Builder chunkSize(int bytes) {
            if (bytes < 1 || bytes > MAX_CHUNK) {
                throw new IllegalArgumentException("Simulator option 'chunk' must be a whole number from 1 to "
                        + MAX_CHUNK + ", got '" + bytes + "'");
            }
            this.chunkSize = bytes;
            return this;
        }

        public Builder chunkPause(Duration pause) {
            this.chunkPause = nonNegative("pause", pause);
            return this;
        }

        /** Fixed run time; {@code null} for the protocol's estimate (capped by {@link #maxRunTime(Duration)}). */
        public Builder runTime(Duration runTime) {
            this.runTime = runTime == null ? null : nonNegative("run-time", runTime);
            return this;
        }

        public Builder maxRunTime(Duration maxRunTime) {
            this.maxRunTime = nonNegative("max-run-time", maxRunTime);
            return this;
        }

        public Builder streamPeriod(Duration period) {
            this.streamPeriod = nonNegative("stream-period", period);
            return this;
        }

        /**
         * Forces the output of every protocol: a bundled name from {@link SimulatorOptions#OUTPUT_NAMES} (with or
         * without {@code .json}), or the path of a measurement JSON file (device or app-saved shape); {@code null}
         * to choose by protocol. Clears {@link #outputJson(String)}.
         */
        public Builder output(String output) {
            this.outputJson = null;
            if (output == null) {
                this.output = null;
                return this;
            }
            String name = output.endsWith(".json") ? output.substring(0, output.length() - 5) : output;
            if (OUTPUT_NAMES.contains(name)) {
                this.output = name;
                return this;
            }
            if ((output.contains("/") || output.contains("\\") || output.endsWith(".json"))
                    && Files.isRegularFile(Path.of(output))) {
                this.output = output;
                return this;
            }
            throw new IllegalArgumentException("Simulator option 'output' must be one of "
                    + String.join(", ", OUTPUT_NAMES) + ", or the path of a readable JSON file, got '" + output + "'");
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

        /** Draws {@code fault} with probability {@code p} (0 to 1) for every reply it can affect. */
        public Builder fault(SimulatorFault fault, double p) {
            Objects.requireNonNull(fault, "fault");
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("Simulator option 'faults': '" + fault.specName()
                        + "' takes a probability from 0 to 1, got '" + p + "'");
            }
            if (p == 0) {
                faults.remove(fault);
            } else {
                faults.put(fault, p);
            }
            return this;
        }

        public Builder clearFaults() {
            faults.clear();
            unplugAfter = 0;
            return this;
        }

        /** Unplugs after every {@code replies} replies since plug-in; 0 turns it off. */
        public Builder unplugAfter(int replies) {
            if (replies < 0) {
                throw new IllegalArgumentException(
                        "Simulator option 'faults': unplug:after must be 0 or more, got '" + replies + "'");
            }
            this.unplugAfter = replies;
            return this;
        }

        /** When an unplugged device comes back; {@code null} for never. */
        public Builder replugAfter(Duration replugAfter) {
            this.replugAfter = replugAfter == null ? null : nonNegative("replug", replugAfter);
            return this;
        }

        public Builder floodBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException(
                        "Simulator option 'flood-bytes' must be a positive size, got '" + bytes + "'");
            }
            this.floodBytes = bytes;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public SimulatorOptions build() {
            return new SimulatorOptions(this);
        }

        private static String text(String key, String value) {
            if (value == null || !TEXT.matcher(value).matches()) {
                throw new IllegalArgumentException("Simulator option '" + key
                        + "' must be 1 to 40 printable ASCII characters without \" \\ , ; = +, got '" + value + "'");
            }
            return value;
        }

        private static Duration nonNegative(String key, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(
                        "Simulator option '" + key + "' must be a duration of 0 or more, got '" + d + "'");
            }
            return d;
        }
    }
}
