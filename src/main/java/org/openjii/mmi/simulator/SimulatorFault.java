package org.openjii.mmi.simulator;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Ways a simulated reply goes wrong, each one a failure a bridge meets with real instruments or USB links
 * (docs/multispeq-protocol.md, "Failure modes"). Faults are drawn per reply from the probabilities in
 * {@link SimulatorOptions#faults()}, or queued one-shot with {@link MultispeqSimulator#injectNext(SimulatorFault)}.
 */
public enum SimulatorFault {

    /** The checksum digits are wrong (the JSON is intact): the host must not accept the reply. */
    CRC_ERROR("crc"),
    /** The reply stops part-way: no checksum, no line feed, then silence, as when the cable is pulled. */
    TRUNCATE("truncate"),
    /** Random bytes (never 0x00 or LF) before the reply, sometimes ended by a LF of their own: line noise. */
    GARBAGE("garbage"),
    /**
     * Some numeric values of a measurement's sample become {@code nan}, {@code -nan}, {@code inf}, {@code nil},
     * {@code NAN}, {@code -NAN} or a quoted form of these, as fw 1.x {@code %f} prints them and as JII's library
     * sanitises them; the checksum stays valid over the modified text, so valid CRC, and (for the bare tokens)
     * invalid JSON.
     */
    NAN_TOKENS("nan"),
    /** The reply trickles out in 1 to 8 byte pieces a few milliseconds apart, like a slow Bluetooth link. */
    SLOW("slow"),
    /** No reply at all: the command was swallowed. */
    SILENCE("silence"),
    /**
     * The device leaves the USB bus ({@link DeviceLink#unplug}): after the reply, or mid-reply together with
     * {@link #TRUNCATE}, or instead of it together with {@link #SILENCE}.
     */
    UNPLUG("unplug"),
    /**
     * Instead of the reply, an endless line: bytes without a LF until {@code -1+}, disconnect or
     * {@link SimulatorOptions#floodBytes()}; proves the host bounds its receive buffer.
     */
    FLOOD("flood");

    private final String specName;

    SimulatorFault(String specName) {
        this.specName = specName;
    }

    /** The name used in {@link SimulatorOptions#parse(String) option specs}, e.g. {@code crc}. */
    public String specName() {
        return specName;
    }

    /** True when the fault only makes sense on replies that end with a checksum. */
    boolean needsChecksum() {
        return this == CRC_ERROR;
    }

    /** True when the fault only makes sense on measurement replies. */
    boolean needsMeasurement() {
        return this == NAN_TOKENS;
    }

    /**
     * The fault with this spec name.
     *
     * @throws IllegalArgumentException naming the allowed names
     */
    public static SimulatorFault fromSpecName(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        for (SimulatorFault fault : values()) {
            if (fault.specName.equals(wanted)) {
                return fault;
            }
        }
        throw new IllegalArgumentException("Unknown simulator fault '" + name + "'; allowed: " + specNames());
    }

    /** All spec names, comma-separated, for error messages and help texts. */
    public static String specNames() {
        return Arrays.stream(values()).map(SimulatorFault::specName).collect(Collectors.joining(", "));
    }
}
