package org.openjii.mmi.simulator;

import java.util.Locale;

/**
 * How {@code battery} answers: fw 1.17 and 1.20 print JSON; openJII's app and driver read {@code battery:NN}, the
 * form of the default v2 profile. Without the {@code battery-format} option ({@link SimulatorOptions}), the
 * {@link FirmwareProfile} decides.
 */
public enum BatteryFormat {

    /** {@code {"battery":NN}} followed by LF (fw 1.17). */
    JSON,
    /** {@code battery:NN} followed by LF (what openJII parses). */
    COLON;

    /** The name in the {@code battery-format} option: {@code json} or {@code colon}. */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
