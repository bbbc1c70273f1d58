package org.openjii.mmi.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A port whose device is the test. Each write is recorded with the time it happened and answered at once by a
 * script, whose output goes straight into the session as the reader thread would hand it over; so a command completes
 * on the test's thread, without a reader. The read side serves only the read loop a test runs itself, to let it find
 * an unplugged port.
 */
final class FakePort implements SerialTransport {

    /** A write, and when it happened. */
    record Write(String text, Duration at) {
    }

    private final FakeTime time;
    private final List<Write> writes = new ArrayList<>();
    private Function<String, String> device = written -> null;
    private SessionIo session;
    private boolean open = true;
    private boolean writesFail;
    private int inputCleared;

    FakePort(FakeTime time) {
        this.time = time;
    }

    /** What the device prints for each write ({@code null}: nothing), handed to {@code session} at once. */
    FakePort answering(SessionIo session, Function<String, String> device) {
        this.session = session;
        this.device = device;
        return this;
    }

    /** Prints {@code text} as the device, now. */
    void print(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        session.onBytes(bytes, bytes.length);
    }

    /** The device went away: the read loop finds the port closed. */
    void unplug() {
        open = false;
    }

    void failWrites() {
        writesFail = true;
    }

    List<Write> writes() {
        return List.copyOf(writes);
    }

    List<String> written() {
        return writes.stream().map(Write::text).toList();
    }

    int inputCleared() {
        return inputCleared;
    }

    @Override
    public String portPath() {
        return "/dev/fake";
    }

    @Override
    public String systemPath() {
        return "/dev/ttyFAKE0";
    }

    /** Only for a read loop the test runs itself once the port is unplugged: the device is gone. */
    @Override
    public int read(byte[] buffer, int timeoutMillis) {
        if (open) {
            throw new IllegalStateException("The test ran the read loop on a port that is still plugged in");
        }
        return -1;
    }

    @Override
    public void write(byte[] data) throws IOException {
        if (writesFail) {
            throw new IOException("Input/output error");
        }
        String text = new String(data, StandardCharsets.UTF_8);
        writes.add(new Write(text, time.elapsed()));
        String reply = device.apply(text);
        if (reply != null) {
            print(reply);
        }
    }

    @Override
    public void clearInput() {
        inputCleared++;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
