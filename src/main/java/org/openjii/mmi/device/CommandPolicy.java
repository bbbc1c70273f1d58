package org.openjii.mmi.device;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjii.mmi.message.FailureReason;

/**
 * Which console commands may be sent. Deny by default: only commands that read (and {@code indicate}, which blinks
 * the LED) are allowed; anything that writes settings or EEPROM, reboots, sleeps or updates firmware must be enabled
 * by name. Every command may carry exactly the parameters it reads ({@link CommandParameters}): the firmware runs
 * numbers a command does not read as further commands. A protocol that uses {@code save} (writes EEPROM) anywhere in
 * its tree needs {@code save} enabled too, one that uses {@code dw} (sets a pin) needs {@code digital_write}; and a
 * protocol must fit the firmware's serial buffer ({@value #MAX_PROTOCOL_BYTES} bytes). Docs: {@code docs/hardening.md}.
 */
public final class CommandPolicy {

    /** Commands that only read, plus {@code indicate}. */
    public static final Set<String> SAFE_COMMANDS = Set.of("hello", "1000", "battery", "device_info", "1007",
            "memory", "print_memory", "print_calibrations", "compiled", "temp", "print_date", "indicate", "usb",
            "hall", "1053", "all_sensors");

    /** The longest command the fw 1.x console reads (it stops after 49 characters). */
    public static final int MAX_COMMAND_LENGTH = 49;

    /**
     * The longest protocol line the firmware reads: {@code serial_buffer_size} in {@code multispeq1/loop.cpp} is
     * 7,000 bytes in fw 1.17 (9,000 in 1.20, 5,000 in 0.54). It reads the line into that buffer and stops there, and
     * the rest of the line would reach the console as commands.
     */
    public static final int MAX_PROTOCOL_BYTES = 7000;

    /** Protocol keys that act like a console command, and the command that must be enabled for them. */
    private static final Map<String, String> PROTOCOL_KEYS_NEEDING = Map.of("save", "save", "dw", "digital_write");
    private static final Map<String, String> PROTOCOL_KEY_EFFECTS = Map.of("save", "writes the device's EEPROM",
            "dw", "sets a pin as digital_write does");
    private static final Pattern NUMERIC_PARAMETER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final Pattern ENABLED = Pattern.compile("([^:\\s]+)\\s*(?::\\s*(\\d{1,2}))?");

    /** Every allowed command and the parameters it takes. */
    private final Map<String, CommandParameters.Shape> allowed;

    /**
     * @param additionallyAllowed command names to allow beyond {@link #SAFE_COMMANDS}, each optionally with the
     *     number of parameters it reads ({@code name:2}); without one, the firmware's count
     *     ({@link CommandParameters}), or none for a command the firmware source does not list
     * @throws IllegalArgumentException for an entry that is neither {@code name} nor {@code name:count}
     */
    public CommandPolicy(Collection<String> additionallyAllowed) {
        Map<String, CommandParameters.Shape> names = new TreeMap<>();
        for (String name : SAFE_COMMANDS) {
            names.put(name, CommandParameters.known(name).orElse(CommandParameters.Shape.exactly(0)));
        }
        for (String entry : additionallyAllowed) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            Matcher matcher = ENABLED.matcher(entry.strip());
            if (!matcher.matches()) {
                throw new IllegalArgumentException("allowCommands: '" + entry.strip() + "' is not a command name or"
                        + " name:parameter-count (e.g. set_shutdown_time or my_command:2)");
            }
            String name = matcher.group(1);
            names.put(name, matcher.group(2) != null ? CommandParameters.Shape.exactly(Integer.parseInt(matcher
                    .group(2))) : CommandParameters.known(name).orElse(CommandParameters.Shape.exactly(0)));
        }
        this.allowed = Collections.unmodifiableMap(names);
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
    public String checkCommand(String command) throws MultispeqException {
        String trimmed = command == null ? "" : command.strip();
        if (trimmed.isEmpty()) {
            throw new MultispeqException(FailureReason.DENIED, "Empty command", null);
        }
        if (trimmed.length() > MAX_COMMAND_LENGTH) {
            throw new MultispeqException(FailureReason.DENIED,
                    "Command longer than " + MAX_COMMAND_LENGTH + " characters", null);
        }
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new MultispeqException(FailureReason.DENIED, String.format(Locale.ROOT,
                        "Command contains a control or non-ASCII character (U+%04X) at position %d", (int) c, i), null);
            }
        }
        String name = commandName(trimmed);
        if (!allowed.containsKey(name)) {
            throw new MultispeqException(FailureReason.DENIED,
                    "Command '" + name + "' is not allowed; allowed: " + allowed.keySet()
                            + ". Commands that write, reboot or update must be enabled by name.",
                    null);
        }
        checkParameters(trimmed, name);
        return trimmed;
    }

    /**
     * Parameters must be numbers, exactly as many as the command reads ({@link CommandParameters}): anything after a
     * {@code +} that the command does not read reaches the device as a second command that this policy never checked,
     * and a parameter it lacks would be taken from the next command.
     */
    private void checkParameters(String command, String name) throws MultispeqException {
        int plus = command.indexOf('+');
        String rest = plus < 0 ? "" : command.substring(plus + 1);
        if (rest.endsWith("+")) {
            rest = rest.substring(0, rest.length() - 1);
        } else if (!rest.isEmpty()) {
            // The firmware reads a parameter until its '+' with no time limit: the next command would complete it.
            throw new MultispeqException(FailureReason.DENIED,
                    "Command '" + name + "' must end its last parameter with '+' ("
                            + command + "+); the device would wait for it and read the next command into it",
                    null);
        }
        List<String> parameters = rest.isEmpty() ? List.of() : Arrays.asList(rest.split("\\+", -1));
        for (String parameter : parameters) {
            if (!NUMERIC_PARAMETER.matcher(parameter).matches()) {
                throw new MultispeqException(FailureReason.DENIED,
                        "Command '" + name + "' has a parameter '" + parameter
                                + "' that is not a number; the device would run it as another command",
                        null);
            }
        }
        CommandParameters.Shape shape = allowed.get(name);
        String problem = shape.problem(parameters);
        if (problem != null) {
            throw new MultispeqException(FailureReason.DENIED, "Command '" + name + "' " + problem + " but got "
                    + parameters.size()
                    + "; the device would run the rest as another command, or take a missing one from the next"
                    + " (enable a command the firmware source does not list as name:count in mmi.commands.allow)",
                    null);
        }
    }

    /**
     * Checks a protocol: it must fit the firmware's serial buffer, and a key anywhere in its tree that acts like a
     * denied command ({@code save} writes EEPROM; {@code dw} sets a pin as the console's {@code digital_write} does)
     * needs that command enabled by name.
     */
    public void checkProtocol(MeasurementProtocol protocol) throws MultispeqException {
        int bytes = protocol.commandBytes().length - 2;
        if (bytes > MAX_PROTOCOL_BYTES) {
            throw new MultispeqException(FailureReason.DENIED,
                    "The protocol is " + bytes + " bytes as one line; the device reads at most "
                            + MAX_PROTOCOL_BYTES + " (its serial buffer) and would run the rest as console commands",
                    null);
        }
        for (Map.Entry<String, String> key : PROTOCOL_KEYS_NEEDING.entrySet()) {
            if (protocol.usesKey(key.getKey()) && !allowed.containsKey(key.getValue())) {
                throw new MultispeqException(FailureReason.DENIED, "The protocol uses '" + key.getKey() + "', which "
                        + PROTOCOL_KEY_EFFECTS.get(key.getKey()) + "; enable '" + key.getValue()
                        + "' by name to allow it", null);
            }
        }
    }

    /** The allowed command names. */
    public Set<String> allowed() {
        return allowed.keySet();
    }
}
