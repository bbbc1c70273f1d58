package org.openjii.mmi.device;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Estimates how long a measurement protocol runs, and from that the reply timeout, with openJII's timing model
 * (packages/iot/src/driver/multispeq/multispeq-protocol-estimator.ts): a phase of N pulses, K detector channels and
 * a pulse distance of D µs lasts N·K·D µs, plus pre-illumination, {@code protocols_delay} and 3 s per autogain block;
 * {@code protocol_repeats}, {@code protocol_averages}, {@code set_repeats} and {@code do_once} multiply as on the
 * device; {@code #lN}, {@code @nN:I} and {@code @sN} references resolve against {@code v_arrays}.
 * <p>
 * The timeout is estimate × 2 + 10 s, clamped to [120 s, 1200 s]: the floor covers clamp gates
 * ({@code par_led_start_on_open}, ...) where the device waits silently for the user. One deliberate difference from
 * openJII: a protocol set without {@code _protocol_set_} (e.g. phi2, whose pulses sit at the top level) is estimated
 * as its own single block instead of as zero.
 */
public final class ProtocolTimeoutEstimator {

    public static final Duration MEASUREMENT_FLOOR = Duration.ofSeconds(120);
    public static final Duration MAXIMUM = Duration.ofSeconds(1200);
    public static final Duration GRACE = Duration.ofSeconds(10);
    public static final int SAFETY_FACTOR = 2;

    private static final long SETUP_BLOCK_MS = 3_000;
    /** Bounds the work for pathological {@code set_repeats}; later occurrences repeat the last one's cost. */
    private static final int MAX_SIMULATED_SET_REPEATS = 10_000;
    private static final Pattern LENGTH_REF = Pattern.compile("#l(\\d+)");
    private static final Pattern CELL_REF = Pattern.compile("@n(\\d+):(\\d+)");

    private ProtocolTimeoutEstimator() {
    }

    /** The reply timeout for a protocol: estimate × 2 + 10 s, at least 120 s, at most 1200 s. */
    public static Duration timeoutFor(JsonNode protocol) {
        long budget = estimateMillis(protocol) * SAFETY_FACTOR + GRACE.toMillis();
        return Duration.ofMillis(Math.min(MAXIMUM.toMillis(), Math.max(MEASUREMENT_FLOOR.toMillis(), budget)));
    }

    /** Estimated run time in milliseconds; 0 for anything that is not a protocol. */
    public static long estimateMillis(JsonNode protocol) {
        if (protocol == null) {
            return 0;
        }
        double total = 0;
        if (protocol.isArray()) {
            for (JsonNode set : protocol) {
                total += estimateSet(set);
            }
        } else {
            total = estimateSet(protocol);
        }
        return Math.round(total);
    }

    private static double estimateSet(JsonNode set) {
        if (!set.isObject()) {
            return 0;
        }
        JsonNode vArrays = set.path("v_arrays");
        JsonNode blocks = set.get("_protocol_set_");
        boolean selfBlock = blocks == null;
        if (!selfBlock && !blocks.isArray()) {
            return 0;
        }
        Double resolvedRepeats = resolveRef(set.get("set_repeats"), vArrays);
        long setRepeats = Math.max(1, resolvedRepeats == null ? 1 : (long) Math.floor(resolvedRepeats));
        int simulated = (int) Math.min(setRepeats, MAX_SIMULATED_SET_REPEATS);
        double total = 0;
        double lastOccurrence = 0;
        for (int occurrence = 0; occurrence < simulated; occurrence++) {
            Map<String, Double> vars = occurrenceVariables(vArrays, occurrence);
            double occurrenceTotal = 0;
            if (selfBlock) {
                occurrenceTotal = estimateBlock(set, vArrays, vars);
            } else {
                for (JsonNode block : blocks) {
                    if (occurrence > 0 && isTruthy(block.get("do_once"))) {
                        continue;
                    }
                    occurrenceTotal += estimateBlock(block, vArrays, vars);
                }
            }
            total += occurrenceTotal;
            lastOccurrence = occurrenceTotal;
        }
        return total + lastOccurrence * (setRepeats - simulated);
    }

    private static double estimateBlock(JsonNode block, JsonNode vArrays, Map<String, Double> vars) {
        if (!block.isObject()) {
            return 0;
        }
        double repeats = Math.max(1, orZero(resolveField(block.get("protocol_repeats"), vArrays, vars), 1));
        double delayMs = orZero(resolveField(block.get("protocols_delay"), vArrays, vars), 0) * 1000;
        double preIlluminationMs = preIllumination(block.get("pre_illumination"), vArrays, vars);
        JsonNode pulses = block.get("pulses");
        if (pulses == null || !pulses.isArray() || pulses.isEmpty()) {
            double setupMs = block.has("autogain") ? SETUP_BLOCK_MS : 0;
            return setupMs + (preIlluminationMs + delayMs) * repeats;
        }
        JsonNode distances = block.path("pulse_distance");
        JsonNode detectors = block.path("detectors");
        double trainMicros = 0;
        for (int i = 0; i < pulses.size(); i++) {
            double count = orZero(resolveField(pulses.get(i), vArrays, vars), 0);
            double distance = orZero(resolveField(elementOrLast(distances, i), vArrays, vars), 0);
            JsonNode detectorEntry = elementOrLast(detectors, i);
            int channels = detectorEntry != null && detectorEntry.isArray() ? Math.max(1, detectorEntry.size()) : 1;
            trainMicros += count * channels * distance;
        }
        double averages = Math.max(1, orZero(resolveField(block.get("protocol_averages"), vArrays, vars), 1));
        return (trainMicros / 1000 + preIlluminationMs) * repeats * averages + delayMs * repeats;
    }

    /** {@code [led, intensity, duration]}, {@code [[led, intensity, duration], ...]}, duration possibly an array. */
    private static double preIllumination(JsonNode value, JsonNode vArrays, Map<String, Double> vars) {
        if (value == null || !value.isArray() || value.isEmpty()) {
            return 0;
        }
        if (value.get(0).isArray()) {
            double sum = 0;
            for (JsonNode entry : value) {
                sum += preIllumination(entry, vArrays, vars);
            }
            return sum;
        }
        JsonNode duration = value.get(2);
        if (duration == null) {
            return 0;
        }
        if (duration.isArray()) {
            double sum = 0;
            for (JsonNode step : duration) {
                sum += orZero(resolveField(step, vArrays, vars), 0);
            }
            return sum;
        }
        return orZero(resolveField(duration, vArrays, vars), 0);
    }

    private static JsonNode elementOrLast(JsonNode array, int index) {
        if (array == null || !array.isArray() || array.isEmpty()) {
            return null;
        }
        return index < array.size() ? array.get(index) : array.get(array.size() - 1);
    }

    private static Double resolveField(JsonNode ref, JsonNode vArrays, Map<String, Double> vars) {
        Double literal = resolveRef(ref, vArrays);
        if (literal != null) {
            return literal;
        }
        return ref != null && ref.isTextual() ? vars.get(ref.asText()) : null;
    }

    /** A number, {@code #lN} (length of v_arrays[N]) or {@code @nN:I} (v_arrays[N][I]); else {@code null}. */
    static Double resolveRef(JsonNode ref, JsonNode vArrays) {
        if (ref == null) {
            return null;
        }
        if (ref.isNumber()) {
            double d = ref.asDouble();
            return Double.isFinite(d) ? d : null;
        }
        if (!ref.isTextual()) {
            return null;
        }
        Matcher length = LENGTH_REF.matcher(ref.asText());
        if (length.matches()) {
            JsonNode array = vArrays.path(Integer.parseInt(length.group(1)));
            return array.isArray() ? (double) array.size() : null;
        }
        Matcher cell = CELL_REF.matcher(ref.asText());
        if (cell.matches()) {
            JsonNode value = vArrays.path(Integer.parseInt(cell.group(1))).path(Integer.parseInt(cell.group(2)));
            return value.isNumber() ? value.asDouble() : null;
        }
        return null;
    }

    /** {@code @sN} for one set-repeat occurrence: v_arrays[N][occurrence], or the last number when past the end. */
    static Map<String, Double> occurrenceVariables(JsonNode vArrays, int occurrence) {
        Map<String, Double> vars = new HashMap<>();
        if (!vArrays.isArray()) {
            return vars;
        }
        for (int i = 0; i < vArrays.size(); i++) {
            JsonNode array = vArrays.get(i);
            if (!array.isArray() || array.isEmpty()) {
                continue;
            }
            Double chosen = null;
            if (occurrence < array.size()) {
                JsonNode indexed = array.get(occurrence);
                if (indexed.isNumber()) {
                    chosen = (double) (long) indexed.asDouble();
                }
            } else {
                for (JsonNode value : array) {
                    if (value.isNumber()) {
                        chosen = (double) (long) value.asDouble();
                    }
                }
            }
            if (chosen != null) {
                vars.put("@s" + i, chosen);
            }
        }
        return vars;
    }

    private static boolean isTruthy(JsonNode value) {
        return value != null && (value.isBoolean() ? value.booleanValue() : value.isNumber() && value.asDouble() == 1);
    }

    private static double orZero(Double value, double fallback) {
        return value == null ? fallback : value;
    }
}
