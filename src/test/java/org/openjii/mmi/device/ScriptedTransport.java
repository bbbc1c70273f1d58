package org.openjii.mmi.device;

import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A device that answers each write with scripted chunks, one chunk per read, so a test decides exactly where the
 * reads split the output (a quote that comes in a read of its own, a text cut in the middle).
 */
final class ScriptedTransport implements SerialTransport {

    private final LinkedBlockingQueue<byte[]> incoming = new LinkedBlockingQueue<>();
    private final List<String> written = new ArrayList<>();
    private final Function<String, List<String>> script;
    private byte[] rest;
    private volatile boolean open = true;

    /** @param script what the device prints for each write (the write's text, line ending included) */
    ScriptedTransport(Function<String, List<String>> script) {
        this.script = script;
    }

    /** Everything the host wrote, one entry per write. */
    synchronized List<String> written() {
        return List.copyOf(written);
    }

    @Override
    public String portPath() {
        return "scripted";
    }

    @Override
    public String systemPath() {
        return "scripted";
    }

    @Override
    public int read(byte[] buffer, int timeoutMillis) throws InterruptedIOException {
        byte[] chunk = rest;
        rest = null;
        if (chunk == null) {
            try {
                chunk = incoming.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
        }
        if (chunk == null) {
            return open ? 0 : -1;
        }
        int n = Math.min(chunk.length, buffer.length);
        System.arraycopy(chunk, 0, buffer, 0, n);
        if (n < chunk.length) {
            rest = Arrays.copyOfRange(chunk, n, chunk.length);
        }
        return n;
    }

    @Override
    public void write(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        synchronized (this) {
            written.add(text);
        }
        for (String chunk : script.apply(text)) {
            incoming.add(chunk.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void clearInput() {
        incoming.clear();
        rest = null;
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
