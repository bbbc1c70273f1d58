package org.openjii.mmi.openjii;

import java.util.regex.Pattern;

/**
 * openJII's Thing names: one Thing per instrument, {@code {deviceType}_{serial}}, each part with every character
 * outside {@code [a-zA-Z0-9:_-]} replaced by {@code -} (what AWS IoT allows in a Thing name; openJII's backend,
 * {@code register-iot-device.ts}). A MultispeQ's serial is its {@code device_id}, e.g. {@code 01:12:53:20}, so its
 * Thing is {@code multispeq_01:12:53:20}.
 */
public final class ThingNames {

    /** The {@code deviceType} of a MultispeQ in openJII. */
    public static final String MULTISPEQ = "multispeq";

    private static final Pattern NOT_ALLOWED = Pattern.compile("[^a-zA-Z0-9:_-]");

    private ThingNames() {
    }

    /** The Thing name openJII gives an instrument of this type registered with this serial number. */
    public static String of(String deviceType, String serial) {
        return sanitize(deviceType) + "_" + sanitize(serial);
    }

    private static String sanitize(String part) {
        return NOT_ALLOWED.matcher(part).replaceAll("-");
    }
}
