package org.openjii.mmi.simulator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A {@link DeviceLink} that keeps everything the simulated device writes, for assertions. */
final class CollectingLink implements DeviceLink {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final List<Integer> writeSizes = new ArrayList<>();
    private final List<Optional<Duration>> unplugs = new ArrayList<>();

    @Override
    public synchronized void write(byte[] data, int offset, int length) {
        bytes.write(data, offset, length);
        writeSizes.add(length);
    }

    @Override
    public synchronized void unplug(Duration replugAfter) {
        unplugs.add(Optional.ofNullable(replugAfter));
    }

    synchronized byte[] bytes() {
        return bytes.toByteArray();
    }

    /** Output as UTF-8 text (ISO-8859-1 would be needed for garbage bytes, see {@link #latin1()}). */
    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Output with one char per byte, for checks on arbitrary bytes. */
    synchronized String latin1() {
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    synchronized int size() {
        return bytes.size();
    }

    synchronized List<Integer> writeSizes() {
        return List.copyOf(writeSizes);
    }

    synchronized List<Optional<Duration>> unplugs() {
        return List.copyOf(unplugs);
    }

    synchronized void clear() {
        bytes.reset();
        writeSizes.clear();
    }
}
