package org.openjii.mmi.device;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which console commands may be sent. Deny by default: only commands that read (and {@code indicate}, which blinks
 * the LED) are allowed; anything that writes settings or EEPROM, reboots, sleeps or updates firmware must be enabled
 * by name. A protocol that uses {@code save} (writes EEPROM) needs {@code save} enabled too, one that uses {@code dw}
 * (sets a pin) needs {@code digital_write}.
 */
public final class CommandPolicy {

    /** Commands that only read, plus {@code indicate}. */
    public static final Set<String> SAFE_COMMANDS = Set.of("hello", "1000", "battery", "device_info", "1007",
            "memory", "print_memory", "print_calibrations", "compiled", "temp", "print_date", "indicate", "usb",
            "hall", "1053", "all_sensors");

    /** The longest command the fw 1.x console reads (it stops after 49 characters). */
    public static final int MAX_COMMAND_LENGTH = 49;

    /**
     * How many {@code +}-ended parameters a safe command reads; the others read none. The firmware ends a command at
     * {@code +} and runs whatever the command does not read as the next command, so {@code hello+reboot+} reboots.
     */
    private static final Map<String, Integer> SAFE_PARAMETER_COUNTS = Map.of("indicate", 3);
    private static final Pattern NUMERIC_PARAMETER = Pattern.compile("-?\\d+(\\.\\d+)?");

    private final Set<String> allowed;

    public CommandPolicy(Collection<String> additionallyAllowed) {
        TreeSet<String> names = new TreeSet<>(SAFE_COMMANDS);
        for (String name : additionallyAllowed) {
            if (name != null && !name.isBlank()) {
                names.add(name.trim());
            }
        }
        this.allowed = Collections.unmodifiableSortedSet(names);
    }

    /**
     * The policy for an {@code allowCommands} setting: command names separated by commas ({@code save, usb_on});
     * {@code null} or blank allows only {@link #SAFE_COMMANDS}. Every place that reads the setting parses it here,
     * so the device endpoint and the command route cannot disagree on what it allows.
     */
    public static CommandPolicy ofCommaSeparated(String names) {
        return new CommandPolicy(names == null ? List.of() : Arrays.asList(names.split(",")));
    }

    public static CommandPolicy safeDefaults() {
        return new CommandPolicy(Set.of());
    }

    /** The command name: the text before the first {@code +} ({@code indicate+255+0+0+} is {@code indicate}). */
    public static String commandName(String command) {
        String trimmed = command.strip();
        int plus = trimmed.indexOf('+');
        return plus < 0 ? trimmed : trimmed.substring(0, plus);
    }

    /** Checks a console command; returns it stripped of surrounding white space. */
    public String checkCommand(String command) throws CommandDeniedException {
        String trimmed = command == null ? "" : command.strip();
        if (trimmed.isEmpty()) {
            throw new CommandDeniedException("Empty command", null);
        }
        if (trimmed.length() > MAX_COMMAND_LENGTH) {
            throw new CommandDeniedException("Command longer than " + MAX_COMMAND_LENGTH + " characters", null);
        }
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new CommandDeniedException(String.format(Locale.ROOT,
                        "Command contains a control or non-ASCII character (U+%04X) at position %d", (int) c, i), null);
            }
        }
        String name = commandName(trimmed);
        if (!allowed.contains(name)) {
            throw new CommandDeniedException("Command '" + name + "' is not allowed; allowed: " + allowed
                    + ". Commands that write, reboot or update must be enabled by name.",
                    null);
        }
        checkParameters(trimmed, name);
        return trimmed;
    }

    /**
     * Parameters must be numbers, and a safe command may carry no more than it reads: anything else after a
     * {@code +} would reach the device as a second command that this policy never checked. A command enabled by
     * name has no known parameter count, so only text is refused there; enabling a command trusts its numbers.
     */
    private static void checkParameters(String command, String name) throws CommandDeniedException {
        int plus = command.indexOf('+');
        if (plus < 0) {
            return;
        }
        String rest = command.substring(plus + 1);
        if (rest.endsWith("+")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        String[] parameters = rest.isEmpty() ? new String[0] : rest.split("\\+", -1);
        for (String parameter : parameters) {
            if (!NUMERIC_PARAMETER.matcher(parameter).matches()) {
                throw new CommandDeniedException("Command '" + name + "' has a parameter '" + parameter
                        + "' that is not a number; the device would run it as another command", null);
            }
        }
        if (SAFE_COMMANDS.contains(name)) {
            int reads = SAFE_PARAMETER_COUNTS.getOrDefault(name, 0);
            if (parameters.length > reads) {
                throw new CommandDeniedException("Command '" + name + "' reads " + reads + " parameter(s) but got "
                        + parameters.length + "; the device would run the rest as another command", null);
            }
        }
    }

    /**
     * Checks a protocol: its keys that act like a denied command need that command enabled by name. {@code save}
     * writes EEPROM; {@code dw} sets a pin as the console's {@code digital_write} does, which the deny list promises
     * never to allow by default.
     */
    public void checkProtocol(MeasurementProtocol protocol) throws CommandDeniedException {
        if (protocol.usesKey("save") && !allowed.contains("save")) {
            throw new CommandDeniedException(
                    "The protocol uses 'save', which writes the device's EEPROM; enable 'save' by name to allow it",
                    null);
        }
        if (protocol.usesKey("dw") && !allowed.contains("digital_write")) {
            throw new CommandDeniedException("The protocol uses 'dw', which sets a pin as digital_write does;"
                    + " enable 'digital_write' by name to allow it", null);
        }
    }

    public Set<String> allowed() {
        return allowed;
    }
}
