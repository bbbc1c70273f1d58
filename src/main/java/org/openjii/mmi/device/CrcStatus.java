package org.openjii.mmi.device;

/** What the checksum of a received frame says. */
public enum CrcStatus {
    /** The frame ended with a checksum that matches its JSON text. */
    VALID,
    /** The frame ended with a checksum that does not match: the text is corrupt. */
    MISMATCH,
    /** The reply carries no checksum (plain-text lines, {@code {"battery":87}}, errors). */
    ABSENT
}
