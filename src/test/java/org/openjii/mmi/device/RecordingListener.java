package org.openjii.mmi.device;

import java.util.ArrayList;
import java.util.List;

/** Collects what a {@link FrameDecoder} reports, for assertions. */
final class RecordingListener implements FrameListener {

    final List<Frame> frames = new ArrayList<>();
    final List<FrameOverflow> overflows = new ArrayList<>();

    @Override
    public void onFrame(Frame frame) {
        frames.add(frame);
    }

    @Override
    public void onOverflow(FrameOverflow overflow) {
        overflows.add(overflow);
    }

    /** Decodes {@code data} in one call with a fresh decoder. */
    static RecordingListener decodeWhole(byte[] data, int maxFrameSize) {
        RecordingListener listener = new RecordingListener();
        new FrameDecoder(maxFrameSize, listener).feed(data, 0);
        return listener;
    }

    /** Decodes {@code data} one byte per read with a fresh decoder. */
    static RecordingListener decodeBytewise(byte[] data, int maxFrameSize) {
        RecordingListener listener = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(maxFrameSize, listener);
        for (int i = 0; i < data.length; i++) {
            decoder.feed(data, i, 1, i);
        }
        return listener;
    }
}
