package org.openjii.mmi.device;

/** Receives what a {@link FrameDecoder} finds in the byte stream. */
public interface FrameListener {

    /** A complete frame (a JSON reply with checksum, or a line). */
    void onFrame(Frame frame);

    /**
     * The current frame grew beyond the decoder's limit; its bytes are being discarded up to the next line feed.
     * Called once per oversized frame, as soon as the limit is crossed.
     */
    default void onOverflow(FrameOverflow overflow) {
    }
}
