package org.openjii.mmi.component.multispeq.transport;

/**
 * A serial port as the operating system describes it.
 *
 * @param systemPath the device node, e.g. {@code /dev/ttyACM0}
 * @param byIdAlias the stable {@code /dev/serial/by-id/...} link to it, or {@code null}
 * @param description the USB product or driver description, e.g. {@code USB Serial}
 * @param manufacturer e.g. {@code Teensyduino}, or {@code null}
 * @param serialNumber the USB serial number, or {@code null}
 * @param vendorId USB vendor id as four hex digits, e.g. {@code 16C0}, or {@code null}
 * @param productId USB product id as four hex digits, e.g. {@code 0483}, or {@code null}
 */
public record SerialPortInfo(String systemPath, String byIdAlias, String description, String manufacturer,
        String serialNumber, String vendorId, String productId) {

    /** {@code VID:PID}, or {@code null} when unknown. */
    public String vidPid() {
        return vendorId == null || productId == null ? null : vendorId + ":" + productId;
    }

    /** The path to prefer in configuration: the by-id alias survives re-enumeration, the node name may not. */
    public String preferredPath() {
        return byIdAlias != null ? byIdAlias : systemPath;
    }

    /** A Teensy (the MultispeQ's microcontroller) by vendor id or manufacturer string. */
    public boolean looksLikeTeensy() {
        return "16C0".equalsIgnoreCase(vendorId) || (manufacturer != null && manufacturer.contains("Teensy"))
                || (byIdAlias != null && byIdAlias.contains("Teensy"));
    }
}
