package org.openjii.mmi.device;

/**
 * A frame that exceeded the decoder's size limit.
 *
 * @param head the first bytes of the discarded frame, for diagnostics
 * @param limit the limit that was crossed, in bytes
 * @param firstByteAt time (epoch milliseconds) the first byte of the frame arrived
 */
public record FrameOverflow(byte[] head, int limit, long firstByteAt) {
}
