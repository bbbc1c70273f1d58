package org.openjii.mmi.component.multispeq.transport;

import java.io.IOException;
import java.time.Duration;

import org.openjii.mmi.device.SerialTransport;
import org.openjii.mmi.simulator.DeviceLink;

/**
 * The in-process link to a {@link SimulatedDevice}: what the simulator writes is buffered until read, like a UART
 * buffer (bounded; a simulator writing faster than the host reads waits, as on a real link).
 */
final class SimulatorTransport implements SerialTransport, DeviceLink {

    private static final int CAPACITY = 1024 * 1024;
    private static final long WRITE_STALL_NANOS = 5_000_000_000L;

    private final String name;
    private final SimulatedDevice device;
    private final byte[] ring = new byte[CAPACITY];
    private int head;
    private int size;
    private boolean gone;
    private boolean closed;

    SimulatorTransport(String name, SimulatedDevice device) {
        this.name = name;
        this.device = device;
    }

    @Override
    public String portPath() {
        return name;
    }

    @Override
    public String systemPath() {
        return name;
    }

    @Override
    public synchronized int read(byte[] buffer, int timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (size == 0 && !gone && !closed) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return 0;
            }
            try {
                wait(remaining / 1_000_000L, (int) (remaining % 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(name + ": interrupted while reading", e);
            }
        }
        if (size == 0) {
            return -1;
        }
        int n = Math.min(buffer.length, size);
        int first = Math.min(n, CAPACITY - head);
        System.arraycopy(ring, head, buffer, 0, first);
        System.arraycopy(ring, 0, buffer, first, n - first);
        head = (head + n) % CAPACITY;
        size -= n;
        notifyAll();
        return n;
    }

    @Override
    public void write(byte[] data) throws IOException {
        synchronized (this) {
            if (gone || closed) {
                throw new IOException(name + " is closed (device gone)");
            }
        }
        device.simulator().receive(data, 0, data.length);
    }

    @Override
    public synchronized void clearInput() {
        head = 0;
        size = 0;
        notifyAll();
    }

    @Override
    public synchronized boolean isOpen() {
        return !gone && !closed;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        device.closed(this);
    }

    // DeviceLink: the simulator's side

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        int written = 0;
        synchronized (this) {
            long deadline = System.nanoTime() + WRITE_STALL_NANOS;
            while (written < length) {
                if (gone || closed) {
                    throw new IOException(name + ": host side closed");
                }
                int free = CAPACITY - size;
                if (free == 0) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        throw new IOException(name + ": host stopped reading");
                    }
                    try {
                        wait(remaining / 1_000_000L + 1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(name + ": interrupted while writing", e);
                    }
                    continue;
                }
                int n = Math.min(free, length - written);
                int tail = (head + size) % CAPACITY;
                int first = Math.min(n, CAPACITY - tail);
                System.arraycopy(data, offset + written, ring, tail, first);
                System.arraycopy(data, offset + written + first, ring, 0, n - first);
                size += n;
                written += n;
                notifyAll();
            }
        }
    }

    @Override
    public void unplug(Duration replugAfter) {
        device.unplug(this, replugAfter);
    }

    synchronized void gone() {
        gone = true;
        notifyAll();
    }

    @Override
    public String toString() {
        return name;
    }
}
