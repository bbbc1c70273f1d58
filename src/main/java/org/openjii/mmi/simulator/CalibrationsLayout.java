package org.openjii.mmi.simulator;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;

/**
 * The text of {@code print_memory} on fw 1.x, line by line as {@code print_calibrations()} in that version's
 * {@code multispeq1/loop.cpp} prints it: an opening brace on a line of its own, one EEPROM field per line, the
 * checksum after the last line. fw 1.17 prints every value as a quoted {@code %f} and closes the object; fw 1.20 prints
 * three decimals with unbalanced quotes, names {@code accel_cal} {@code mag_cal} a second time and never prints the
 * closing brace, so its output is not JSON (kept so, as the device sends it).
 */
enum CalibrationsLayout {

    FW_1_17(135, "\": \"", CalibrationsLayout::f6, "\"\n}") {

        @Override
        void scalar(StringBuilder out, String name, double value) {
            out.append('"').append(name).append("\": \"").append(f6(value)).append("\",\n");
        }

        @Override
        void array(StringBuilder out, String name, double[] values, boolean nested, int rows) {
            out.append('"').append(name).append("\": [");
            int perRow = values.length / rows;
            for (int r = 0; r < rows; r++) {
                if (rows > 1) {
                    out.append(r == 0 ? "[" : ",[");
                }
                for (int i = 0; i < perRow; i++) {
                    out.append(i == 0 ? "" : ",").append('"').append(f6(values[r * perRow + i])).append('"');
                }
                if (rows > 1) {
                    out.append(']');
                }
            }
            out.append("],\n");
        }

        @Override
        String accelCalName() {
            return "accel_cal";
        }
    },

    FW_1_20(100, "\":\"", CalibrationsLayout::f3, "\"\n") {

        @Override
        void scalar(StringBuilder out, String name, double value) {
            // light_yint is printed with Serial_Print's default of 0 places.
            String text = "light_yint".equals(name) ? String.format(Locale.ROOT, "%.0f", value) : f3(value);
            out.append('"').append(name).append("\": [\"").append(text).append("],\n");
        }

        @Override
        void array(StringBuilder out, String name, double[] values, boolean nested, int rows) {
            out.append('"').append(name).append("\": ");
            if (nested || rows > 1) {
                // mag_bias, mag_cal, accel_*, detector_offset_*: ["v,v,v], or [["v,...,v],
                out.append(rows > 1 || name.startsWith("detector") ? "[[\"" : "[\"");
                for (int i = 0; i < values.length; i++) {
                    out.append(i == 0 ? "" : ",").append(f3(values[i]));
                }
                out.append("],\n");
                return;
            }
            // The per-LED arrays: "v","v",...,v"],
            out.append('[');
            for (int i = 0; i < values.length - 1; i++) {
                out.append('"').append(f3(values[i])).append("\",");
            }
            out.append(f3(values[values.length - 1])).append("\"],\n");
        }

        @Override
        String accelCalName() {
            return "mag_cal";
        }
    };

    /** NUM_LEDS + 1: the per-LED arrays of the EEPROM layout ({@code eeprom.h}). */
    private static final int PER_LED = 11;
    private static final List<String> LIGHT = List.of("light_slope_all", "light_slope_r", "light_slope_g",
            "light_slope_b", "light_yint");
    private static final List<String> THICKNESS = List.of("thickness_a", "thickness_b", "thickness_c",
            "thickness_min", "thickness_max");
    private static final List<String> PER_LED_ARRAYS = List.of("par_to_dac_slope1", "par_to_dac_slope2",
            "par_to_dac_slope3", "par_to_dac_slope4", "par_to_dac_yint", "ir_baseline_slope", "ir_baseline_yint",
            "colorcal_intensity1_slope", "colorcal_intensity1_yint", "colorcal_intensity2_slope",
            "colorcal_intensity2_yint", "colorcal_intensity3_slope", "colorcal_intensity3_yint", "colorcal_blank1",
            "colorcal_blank2", "colorcal_blank3");

    /** NUM_USERDEFS of that version's {@code eeprom.h}. */
    final int userdefCount;

    /** Between a userdef's name and its value: fw 1.17 puts a space after the colon, fw 1.20 none. */
    private final String userdefSeparator;
    private final DoubleFunction<String> userdefFormat;
    /** After the last userdef: fw 1.17 closes the object, fw 1.20 does not. */
    private final String lastUserdefEnd;

    CalibrationsLayout(int userdefCount, String userdefSeparator, DoubleFunction<String> userdefFormat,
            String lastUserdefEnd) {
        this.userdefCount = userdefCount;
        this.userdefSeparator = userdefSeparator;
        this.userdefFormat = userdefFormat;
        this.lastUserdefEnd = lastUserdefEnd;
    }

    abstract void scalar(StringBuilder out, String name, double value);

    abstract void array(StringBuilder out, String name, double[] values, boolean nested, int rows);

    private void userdefs(StringBuilder out, ToDoubleFunction<String> values) {
        for (int i = 0; i < userdefCount; i++) {
            out.append("\"userdef")
                    .append(i)
                    .append(userdefSeparator)
                    .append(userdefFormat.apply(values.applyAsDouble("userdef" + i)))
                    .append(i < userdefCount - 1 ? "\",\n" : lastUserdefEnd);
        }
    }

    abstract String accelCalName();

    /**
     * The text without checksum.
     *
     * @param values the EEPROM value of a field (its first element for an array)
     */
    String print(String deviceId, ToDoubleFunction<String> values) {
        StringBuilder out = new StringBuilder(8192);
        out.append("{\n\"device_id\":\"").append(deviceId).append("\",\n");
        array(out, "mag_bias", fill(3, values.applyAsDouble("mag_bias")), true, 1);
        array(out, "mag_cal", fill(9, values.applyAsDouble("mag_cal")), true, 3);
        array(out, "accel_bias", fill(3, values.applyAsDouble("accel_bias")), true, 1);
        array(out, accelCalName(), fill(9, values.applyAsDouble("accel_cal")), true, 3);
        for (String name : LIGHT) {
            scalar(out, name, values.applyAsDouble(name));
        }
        array(out, "detector_offset_slope", fill(4, values.applyAsDouble("detector_offset_slope")), true, 1);
        array(out, "detector_offset_yint", fill(4, values.applyAsDouble("detector_offset_yint")), true, 1);
        for (String name : THICKNESS) {
            scalar(out, name, values.applyAsDouble(name));
        }
        for (String name : PER_LED_ARRAYS) {
            array(out, name, fill(PER_LED, values.applyAsDouble(name)), false, 1);
        }
        userdefs(out, values);
        return out.toString();
    }

    private static double[] fill(int n, double value) {
        double[] values = new double[n];
        java.util.Arrays.fill(values, value);
        return values;
    }

    static String f6(double value) {
        return String.format(Locale.ROOT, "%.6f", value);
    }

    static String f3(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
