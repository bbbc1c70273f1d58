package org.openjii.mmi.component.multispeq.transport;

/**
 * Line settings: the MultispeQ talks 8N1 at 115200 baud (ignored on USB) and only while DTR is asserted.
 *
 * @param baudRate bits per second
 * @param dtr assert DTR after opening (the device only sends while it is set)
 * @param rts assert RTS after opening (some Teensy cores accept DTR or RTS)
 */
public record SerialSettings(int baudRate, boolean dtr, boolean rts) {

    public static final int DEFAULT_BAUD_RATE = 115200;

    public static SerialSettings defaults() {
        return new SerialSettings(DEFAULT_BAUD_RATE, true, true);
    }
}
