package org.openjii.mmi.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The readable summary {@code mmi measure} prints: which device, its battery, how long the run took, and the scalar
 * values of each sample (the protocol's results: SPAD, Phi2, light intensity, ...), not the raw traces.
 */
final class MeasurementSummary {

    /** Scalar values shown per sample; the rest is in --json. */
    static final int MAX_VALUES_PER_SAMPLE = 16;

    private MeasurementSummary() {
    }

    static String format(JsonNode measurement, Duration duration) {
        StringBuilder out = new StringBuilder();
        line(out, "device", String.join(" ", present(text(measurement, "device_name"),
                text(measurement, "device_version").isEmpty() ? "" : "v" + text(measurement, "device_version"),
                text(measurement, "device_id").isEmpty() ? "" : "(" + text(measurement, "device_id") + ")")));
        line(out, "firmware", text(measurement, "device_firmware"));
        line(out, "battery", text(measurement, "device_battery").isEmpty() ? ""
                : text(measurement, "device_battery") + " %");
        line(out, "duration", String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0));
        JsonNode sample = measurement.path("sample");
        List<JsonNode> samples = new ArrayList<>();
        if (sample.isArray()) {
            // A reply without checksum may carry the app's nested [[...]]: read as the ingest reads it, flat.
            DeviceJson.flattenSample(sample).forEach(samples::add);
        } else if (sample.isObject()) {
            samples.add(sample);
        }
        line(out, "samples", samples.isEmpty() ? "none" : String.valueOf(samples.size()));
        for (int i = 0; i < samples.size(); i++) {
            List<String> values = scalars(samples.get(i));
            String label = samples.size() == 1 ? "values" : "sample " + (i + 1);
            line(out, label, values.isEmpty() ? "(no scalar values; see --json)" : String.join(", ", values));
        }
        return out.toString();
    }

    /** name=value for the scalar fields of one sample, raw arrays and empty strings left out. */
    private static List<String> scalars(JsonNode sample) {
        List<String> values = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = sample.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (value.isValueNode() && !value.isNull() && !value.asText().isEmpty()) {
                if (values.size() == MAX_VALUES_PER_SAMPLE) {
                    values.add("…");
                    break;
                }
                values.add(field.getKey() + "=" + value.asText());
            }
        }
        return values;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isValueNode() && !value.isNull() ? value.asText() : "";
    }

    private static String[] present(String... parts) {
        return java.util.Arrays.stream(parts).filter(part -> !part.isEmpty()).toArray(String[]::new);
    }

    private static void line(StringBuilder out, String label, String value) {
        if (!value.isEmpty()) {
            out.append(String.format(Locale.ROOT, "  %-9s %s%n", label, value));
        }
    }
}
