package org.openjii.mmi.component.multispeq.transport;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

import org.openjii.mmi.device.SerialTransport;
import org.openjii.mmi.device.TransportOpener;
import org.openjii.mmi.simulator.MultispeqSimulator;
import org.openjii.mmi.simulator.SimulatorOptions;

/**
 * {@code port=sim}: a simulated MultispeQ plugged into this process. Opening connects to the simulator; the
 * simulator's unplug fault makes the open link fail and refuses new opens until it is "plugged in" again.
 */
public final class SimulatedDevice implements TransportOpener, AutoCloseable {

    private final String name;
    private final MultispeqSimulator simulator;
    private SimulatorTransport current;
    private long unpluggedUntilNanos;
    private boolean unpluggedForever;

    /** @param worker the simulator's thread, which it takes over (see {@link MultispeqSimulator}) */
    public SimulatedDevice(String name, SimulatorOptions options, ExecutorService worker) {
        this.name = name;
        this.simulator = new MultispeqSimulator(options, worker);
    }

    public MultispeqSimulator simulator() {
        return simulator;
    }

    @Override
    public synchronized SerialTransport open() throws IOException {
        if (unpluggedForever || System.nanoTime() < unpluggedUntilNanos) {
            throw new IOException(name + ": the simulated MultispeQ is unplugged");
        }
        if (current != null && current.isOpen()) {
            throw new IOException(name + " is already open in this process");
        }
        SimulatorTransport transport = new SimulatorTransport(name, this);
        current = transport;
        simulator.connect(transport);
        return transport;
    }

    /** Called through the link when the simulator unplugs itself. */
    synchronized void unplug(SimulatorTransport link, Duration replugAfter) {
        if (replugAfter == null) {
            unpluggedForever = true;
        } else {
            unpluggedUntilNanos = System.nanoTime() + replugAfter.toNanos();
        }
        simulator.disconnect();
        link.gone();
    }

    /** Plugs the device back in at once. */
    public synchronized void replug() {
        unpluggedForever = false;
        unpluggedUntilNanos = 0;
    }

    /** Unplugs the device (the open link fails); {@code replugAfter} {@code null} keeps it out until replug(). */
    public void unplug(Duration replugAfter) {
        SimulatorTransport link;
        synchronized (this) {
            link = current;
        }
        if (link != null) {
            unplug(link, replugAfter);
        } else {
            synchronized (this) {
                unpluggedForever = replugAfter == null;
                unpluggedUntilNanos = replugAfter == null ? 0 : System.nanoTime() + replugAfter.toNanos();
            }
        }
    }

    synchronized void closed(SimulatorTransport link) {
        if (current == link) {
            simulator.disconnect();
            current = null;
        }
    }

    @Override
    public void close() {
        simulator.close();
    }
}
