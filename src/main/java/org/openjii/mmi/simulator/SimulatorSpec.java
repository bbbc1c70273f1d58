package org.openjii.mmi.simulator;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjii.mmi.support.Durations;

/**
 * The compact spec of {@link SimulatorOptions}: comma-separated {@code key=value} pairs (keys in {@link #KEYS});
 * unnamed keys keep their defaults. Durations are Camel's ({@code 0}, {@code 250ms}, {@code 2s}, {@code 1h30m}; a bare
 * number is milliseconds), read strictly by {@link Durations}. Sizes ({@code 65536}, {@code 64KB}, {@code 8MB}) have a
 * parser of their own: Camel has none.
 */
final class SimulatorSpec {

    /** The keys, in the order {@link #write} writes them. */
    static final List<String> KEYS = List.of("name", "version", "id", "battery", "firmware", "battery-format", "chunk",
            "pause", "run-time", "max-run-time", "stream-period", "output", "seed", "faults", "replug", "flood-bytes");

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");
    private static final Pattern UNPLUG_AFTER = Pattern.compile("after=(\\d{1,9})");

    private SimulatorSpec() {
    }

    /**
     * The options a spec describes; an empty or blank spec gives the defaults.
     *
     * @throws IllegalArgumentException naming the key and the values it allows
     */
    static SimulatorOptions parse(String spec) {
        SimulatorOptions.Builder builder = SimulatorOptions.builder();
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
                throw new IllegalArgumentException("Simulator option '" + item.strip() + "' must be key=value; keys: "
                        + String.join(", ", KEYS));
            }
            String key = item.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = item.substring(eq + 1).strip();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("Unknown simulator option '" + key + "'; keys: "
                        + String.join(", ", KEYS));
            }
            if (!seen.add(key)) {
                throw new IllegalArgumentException("Simulator option '" + key + "' is given twice");
            }
            apply(builder, key, value);
        }
        return builder.build();
    }

    private static void apply(SimulatorOptions.Builder b, String key, String value) {
        switch (key) {
            case "name" -> b.deviceName(value);
            case "version" -> b.deviceVersion(value);
            case "id" -> b.deviceId(value);
            case "battery" -> b.battery(wholeNumber(key, value, "a whole number from -1 to 1000"));
            case "firmware" -> b.firmware(value);
            case "battery-format" -> b.batteryFormat(batteryFormat(value));
            case "chunk" -> b.chunkSize(wholeNumber(key, value, "a whole number from 1 to "
                    + SimulatorOptions.MAX_CHUNK));
            case "pause" -> b.chunkPause(duration(key, value));
            case "run-time" -> b.runTime("estimate".equalsIgnoreCase(value) ? null : duration(key, value));
            case "max-run-time" -> b.maxRunTime(duration(key, value));
            case "stream-period" -> b.streamPeriod(duration(key, value));
            case "output" -> b.output(value.isEmpty() || "auto".equalsIgnoreCase(value) ? null : value);
            case "seed" -> b.seed(seed(value));
            case "faults" -> faults(b, value);
            case "replug" -> b.replugAfter("never".equalsIgnoreCase(value) ? null : duration(key, value));
            case "flood-bytes" -> b.floodBytes(size(key, value));
            default -> throw new IllegalStateException("unhandled key " + key);
        }
    }

    /** The spec that {@link #parse} reads back to {@code o} (all but its clock). */
    static String write(SimulatorOptions o) {
        StringJoiner spec = new StringJoiner(",");
        spec.add("name=" + o.deviceName());
        spec.add("version=" + o.deviceVersion());
        spec.add("id=" + o.deviceId());
        spec.add("battery=" + o.battery());
        spec.add("firmware=" + o.firmware());
        if (o.batteryFormatOverride() != null) {
            spec.add("battery-format=" + o.batteryFormatOverride().specName());
        }
        spec.add("chunk=" + o.chunkSize());
        spec.add("pause=" + millis(o.chunkPause()));
        spec.add("run-time=" + o.runTime().map(SimulatorSpec::millis).orElse("estimate"));
        spec.add("max-run-time=" + millis(o.maxRunTime()));
        spec.add("stream-period=" + millis(o.streamPeriod()));
        o.output().ifPresent(output -> spec.add("output=" + output));
        spec.add("seed=" + o.seed());
        StringJoiner faults = new StringJoiner(";");
        o.faults().forEach((fault, p) -> faults.add(fault.specName() + ":" + p));
        if (o.unplugAfter() > 0) {
            faults.add("unplug:after=" + o.unplugAfter());
        }
        spec.add("faults=" + faults);
        spec.add("replug=" + o.replugAfter().map(SimulatorSpec::millis).orElse("never"));
        spec.add("flood-bytes=" + o.floodBytes());
        return spec.toString();
    }

    /** Durations in a spec are whole milliseconds, as Camel reads them. */
    private static String millis(Duration d) {
        return d.toMillis() + "ms";
    }

    private static Duration duration(String key, String value) {
        try {
            return Duration.ofMillis(Durations.millis(key, value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Simulator option '" + key + "' must be a duration such as 0, 500ms,"
                    + " 2s or 1h30m (a bare number is milliseconds), got '" + value + "'", e);
        }
    }

    private static int wholeNumber(String key, String value, String allowed) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Simulator option '" + key + "' must be " + allowed + ", got '" + value
                    + "'", e);
        }
    }

    private static long seed(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Simulator option 'seed' must be a whole number, got '" + value + "'",
                    e);
        }
    }

    private static BatteryFormat batteryFormat(String value) {
        for (BatteryFormat format : BatteryFormat.values()) {
            if (format.specName().equalsIgnoreCase(value)) {
                return format;
            }
        }
        throw new IllegalArgumentException("Simulator option 'battery-format' must be json or colon, got '" + value
                + "'");
    }

    /** {@code 8MB}, {@code 64k}, {@code 1024}: binary multiples (1 KB = 1024 bytes). */
    private static long size(String key, String value) {
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
    private static void faults(SimulatorOptions.Builder b, String value) {
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
}
