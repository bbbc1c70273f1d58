package org.openjii.mmi.device;

import java.util.Locale;
import java.util.Map;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Who the device is, from {@code device_info} (or from the header of a measurement). Values are kept as the device
 * prints them: {@code device_firmware} is a string in {@code device_info} but a number in measurements, both become
 * the same text here.
 *
 * @param name {@code device_name}, e.g. {@code MultispeQ}
 * @param version {@code device_version}, the hardware generation, e.g. {@code 1} or {@code 2}
 * @param id {@code device_id}, four bytes of the Bluetooth MAC, e.g. {@code 01:12:53:20}
 * @param battery {@code device_battery} in percent, {@code null} when absent ({@code -1}: no battery)
 * @param firmware {@code device_firmware}, e.g. {@code 2.3465}
 */
public record DeviceInfo(String name, String version, String id, Integer battery, String firmware) {

    /** Reads the {@code device_*} keys of fw 1.x and 2.x, and the fw 0.x spelling {@code firmware_version}. */
    public static DeviceInfo fromJson(JsonNode node) {
        JsonNode firmware = node.has("device_firmware") ? node.get("device_firmware") : node.get("firmware_version");
        return new DeviceInfo(text(node.get("device_name")), text(node.get("device_version")),
                text(node.get("device_id")), integer(node.get("device_battery")), text(firmware));
    }

    /** The same from the top-level scalar fields of a reply, as {@link DeviceJson#scan} reads them. */
    public static DeviceInfo fromFields(Map<String, String> fields) {
        String firmware = fields.containsKey("device_firmware") ? fields.get("device_firmware")
                : fields.get("firmware_version");
        return new DeviceInfo(fields.get("device_name"), fields.get("device_version"), fields.get("device_id"),
                integer(fields.get("device_battery")), firmware);
    }

    /** 1 for MultispeQ v1 (fw 1.x), 2 for v2 (fw 2.x); 0 when unknown. */
    public int generation() {
        String source = version != null ? version : firmware;
        if (source == null || source.isEmpty()) {
            return 0;
        }
        char c = source.charAt(0);
        return c >= '0' && c <= '9' ? c - '0' : 0;
    }

    /** A name for logs: {@code MultispeQ 01:12:53:20 (v2, fw 2.3465)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s %s (v%s, fw %s)", name == null ? "MultispeQ" : name,
                id == null ? "?" : id, version == null ? "?" : version, firmware == null ? "?" : firmware);
    }

    static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    static Integer integer(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isNumber()) {
            return value.intValue();
        }
        return integer(value.asText());
    }

    static Integer integer(String value) {
        if (value == null) {
            return null;
        }
        try {
            double parsed = Double.parseDouble(value.trim());
            // "NaN" (other device families report it) would otherwise cast to 0 %, "Infinity" to Integer.MAX_VALUE.
            return Double.isFinite(parsed) ? (int) parsed : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
