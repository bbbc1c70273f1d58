package org.openjii.mmi.simulator;

import java.math.BigDecimal;

/**
 * Which firmware the simulator behaves like, chosen by its {@code firmware} option: the replies that differ between
 * firmware generations follow the evidence for that generation (the simulator's README lists it per reply).
 * <ul>
 * <li>{@link #FW_1_17}: fw 1.17 ({@code master} of the published firmware source), and any firmware below 1.20;</li>
 * <li>{@link #FW_1_20}: fw 1.20 (its {@code dev} branch), firmware 1.20 up to 2;</li>
 * <li>{@link #FW_2}: fw 2.x, the MultispeQ v2 firmware whose source is not public: its replies follow the recorded
 * v2 outputs and the clients written against v2 devices (openJII's app, JII's Python library).</li>
 * </ul>
 */
public enum FirmwareProfile {

    FW_1_17("1.17"),
    FW_1_20("1.20"),
    FW_2("2.x");

    private static final BigDecimal V1_20 = new BigDecimal("1.20");
    private static final BigDecimal V2 = BigDecimal.valueOf(2);

    private final String label;

    FirmwareProfile(String label) {
        this.label = label;
    }

    /** The profile of a firmware version such as {@code 1.17}, {@code 1.2}, {@code 2.3465}. */
    public static FirmwareProfile of(String firmware) {
        BigDecimal version = new BigDecimal(firmware);
        if (version.compareTo(V2) >= 0) {
            return FW_2;
        }
        return version.compareTo(V1_20) >= 0 ? FW_1_20 : FW_1_17;
    }

    /** {@code 1.17}, {@code 1.20} or {@code 2.x}. */
    public String label() {
        return label;
    }

    /**
     * fw 1.x prints a question up to {@code ",} and blocks; the answer's opening quote comes with the answer
     * ({@code loop.cpp}, the {@code alert}/{@code prompt}/{@code confirm} branches). fw 2.x, as recorded, prints the
     * quote first.
     */
    public boolean quoteComesWithTheAnswer() {
        return this != FW_2;
    }

    /** fw 1.x {@code battery} prints {@code {"battery":NN}}; openJII's app reads v2 devices as {@code battery:NN}. */
    public BatteryFormat batteryFormat() {
        return this == FW_2 ? BatteryFormat.COLON : BatteryFormat.JSON;
    }

    /** Whether {@code device_info} ends with a checksum: fw 1.x does; JII reads v2's with plain json.loads. */
    public boolean deviceInfoChecksummed() {
        return this != FW_2;
    }

    /**
     * The reply to an unknown command: fw 1.x prints {@code {"error":"bad command"}} (and {@code " bad command"},
     * with a space, for a command whose first character is not a letter or digit); for v2, JII's
     * {@code REGEX_RETURN_END_CLI} expects {@code bad command:<command>}.
     */
    public String badCommand(String command) {
        if (this == FW_2) {
            return "bad command: " + command + "\n";
        }
        boolean alphanumeric = !command.isEmpty() && Character.isLetterOrDigit(command.charAt(0))
                && command.charAt(0) < 0x80;
        return alphanumeric ? "{\"error\":\"bad command\"}\n" : "{\"error\":\" bad command\"}\n";
    }
}
