package org.openjii.mmi.device;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How many {@code +}-ended numbers a console command reads after its name. The firmware reads a command up to its
 * first {@code +}, lets the command read its own parameters the same way, and then runs whatever is left as the next
 * command: {@code set_shutdown_time+1800+1078+} sets the shutdown time and then starts a firmware upgrade
 * ({@code 1078}). So a command may carry exactly the numbers it reads, no more and no fewer (a command that waits for
 * a parameter it never gets takes the next command's text as that parameter).
 * <p>
 * The counts are read from the firmware source, {@code multispeq1/loop.cpp} ({@code do_command()}, every
 * {@code Serial_Input_Double("+")} / {@code Serial_Input_Long("+")} of a {@code case}) and
 * {@code multispeq1/loop-switch-jz.h} of the PhotosynQ firmware 1.20; the MultispeQ v2 commands that are not in that
 * source ({@code set_shutdown_time}, {@code usb_on}, {@code spm}, {@code set_op}, {@code set_cp}, {@code xRb}) as
 * JII's Python library ({@code jii_multispeq/device/settings.py}) sends them, and {@code indicate} (a colour, or
 * none) as the read-only set allows it. Numeric aliases ({@code 1030} for {@code set_magnetometer_bias}) have the
 * count of their name. Docs: {@code docs/hardening.md}.
 */
public final class CommandParameters {

    /**
     * What a command reads: {@code count} numbers (also none when {@code optional}), or, when {@code group > 0},
     * groups of {@code group} numbers until a {@code -1} (the calibration tables: an LED number, then its values).
     */
    public record Shape(int count, boolean optional, int group) {

        public static Shape exactly(int count) {
            return new Shape(count, false, 0);
        }

        /** None, or all {@code count}. */
        public static Shape noneOr(int count) {
            return new Shape(count, true, 0);
        }

        /** Groups of {@code group} numbers, ended by {@code -1}. */
        public static Shape groupsUntilMinusOne(int group) {
            return new Shape(0, false, group);
        }

        /** Why {@code parameters} do not fit, or {@code null} when they do. */
        String problem(List<String> parameters) {
            int n = parameters.size();
            if (group > 0) {
                boolean ended = n % group == 1 && "-1".equals(parameters.get(n - 1));
                for (int i = 0; ended && i < n - 1; i += group) {
                    ended = !"-1".equals(parameters.get(i));
                }
                return ended ? null : "reads groups of " + group + " numbers ended by -1";
            }
            if (n == count || optional && n == 0) {
                return null;
            }
            return "reads " + (optional ? "none or " : "") + count + " parameter" + (count == 1 ? "" : "s");
        }

        @Override
        public String toString() {
            return group > 0 ? "groups of " + group + " until -1" : (optional ? "0 or " : "") + count;
        }
    }

    private static final Map<String, Shape> KNOWN = new HashMap<>();

    static {
        // fw 1.20 loop.cpp do_command(): one Serial_Input_* per parameter.
        exactly(1, "set_default_flow_rate", "PAR_LED", "set_flow", "fcs", "flow_calibration_setting", "fcv",
                "flow_calibration_value", "fcsp", "flow_calibration_set_point", "flow_v", "set_time_out",
                "set_serial");
        // get_set_device_info(1): the new device id.
        exactly(1, "set_device_info", "1008", "set_dac");
        exactly(2, "any_light", "set_thickness_quick", "set_detector1_offset", "set_detector2_offset",
                "set_detector3_offset", "set_detector4_offset");
        exactly(3, "set_magnetometer_bias", "1030", "set_accelerometer_bias", "1032");
        exactly(9, "set_magnetometer", "1031", "set_accelerometer", "1033");
        exactly(5, "set_par", "set_thickness");
        // An LED (or entry) number, its values, again, until the number is -1.
        KNOWN.put("set_led_par", Shape.groupsUntilMinusOne(6));
        KNOWN.put("set_colorcal_blanks", Shape.groupsUntilMinusOne(4));
        for (String name : List.of("ir_baseline", "set_colorcal1", "set_colorcal2", "set_colorcal3")) {
            KNOWN.put(name, Shape.groupsUntilMinusOne(3));
        }
        KNOWN.put("set_user_defined", Shape.groupsUntilMinusOne(2));
        // fw 1.20 loop-switch-jz.h.
        exactly(6, "set_date");
        exactly(1, "start_watchdog");
        // MultispeQ v2, as JII's Python library sends them.
        exactly(1, "set_shutdown_time", "usb_on", "spm", "xRb");
        exactly(0, "set_op", "set_cp");
        KNOWN.put("indicate", Shape.noneOr(3));
    }

    private CommandParameters() {
    }

    private static void exactly(int count, String... names) {
        for (String name : names) {
            KNOWN.put(name, Shape.exactly(count));
        }
    }

    /** What the firmware source says the command reads, if it is one of the commands listed there. */
    public static Optional<Shape> known(String name) {
        return Optional.ofNullable(KNOWN.get(name));
    }
}
