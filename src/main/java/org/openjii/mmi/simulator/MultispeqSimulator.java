package org.openjii.mmi.simulator;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.apache.camel.util.concurrent.ThreadHelper;
import org.openjii.mmi.simulator.RunStopped.Abandoned;
import org.openjii.mmi.simulator.RunStopped.Cancelled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A MultispeQ seen from the device side, faithful where a bridge can tell the difference: it parses host input like the
 * firmware ({@link HostInput}), answers console commands in their recorded formats ({@link FirmwareReplies}), streams
 * measurement replies (header first, sample after the run, CRC-32 last) in paced chunks, stops at alerts and prompts
 * until the host answers, honours {@code -1+} between chunks, and injects the faults of {@link SimulatorFault} on
 * demand or at random ({@link ReplyPlayer}). Outputs come from the public fixtures; the replies that differ between
 * firmware generations follow the {@link FirmwareProfile} of {@link SimulatorOptions#firmware()}
 * (docs/multispeq-protocol.md).
 * <p>
 * One worker thread does all the device's work; {@link #receive} only queues bytes, so a transport can call it from its
 * read loop. In Camel the worker comes from the context's {@code ExecutorServiceManager}. Output goes to the
 * {@link DeviceLink} given to {@link #connect}; without one the device is unplugged and both input and output are
 * dropped.
 */
public final class MultispeqSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqSimulator.class);
    private static final long MIN_STREAM_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int PROTOCOL_HISTORY = 100;

    private final SimulatorOptions options;
    private final FirmwareReplies replies;
    private final HostInput input;
    private final ReplyPlayer player;
    private final Random random;
    private final Object linkLock = new Object();
    private final AtomicLong repliesSent = new AtomicLong();
    private final AtomicLong measurementsSent = new AtomicLong();
    private final AtomicLong measurementsStarted = new AtomicLong();
    private final AtomicInteger repliesSincePlug = new AtomicInteger();
    private final ArrayDeque<String> protocolsReceived = new ArrayDeque<>();
    private final ExecutorService worker;
    private final Future<?> work;
    /** Taken by the worker when it starts, or by close() first: then the work never starts. */
    private final AtomicBoolean claimed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread workerThread;
    private volatile boolean streaming;
    private volatile boolean running = true;
    /** Written under linkLock, so that no chunk goes out after {@link #disconnect()} returns. */
    private volatile DeviceLink link;
    /** Changes on every plug and unplug; a run started under another epoch is abandoned. */
    private volatile long epoch;

    /**
     * Creates the device, unplugged, working on a daemon thread of its own: for {@code mmi simulate} and tests, where
     * no CamelContext exists to lend one.
     *
     * @throws IllegalArgumentException when the forced output ({@link SimulatorOptions#output()} or
     *     {@link SimulatorOptions#outputJson()}) cannot be read as a measurement
     */
    public MultispeqSimulator(SimulatorOptions options) {
        this(options, Executors.newSingleThreadExecutor(new CamelThreadFactory(ThreadHelper.DEFAULT_PATTERN,
                "MultispeqSimulator[" + Objects.requireNonNull(options, "options").deviceId() + "]", true)));
    }

    /**
     * Creates the device, unplugged, working on {@code worker}, which it takes over: a single thread that the device
     * keeps busy until {@link #close()}, which shuts it down.
     *
     * @throws IllegalArgumentException when the forced output cannot be read as a measurement
     */
    public MultispeqSimulator(SimulatorOptions options, ExecutorService worker) {
        this.options = Objects.requireNonNull(options, "options");
        this.random = new Random(options.seed());
        this.replies = new FirmwareReplies(options, SimulatorData.get());
        this.input = new HostInput(options.deviceId(), () -> epoch, () -> running);
        this.player = new ReplyPlayer(options, random, input, this);
        this.worker = worker;
        this.work = worker.submit(this::work);
    }

    public SimulatorOptions options() {
        return options;
    }

    /** Plugs the device in: from now on its output goes to {@code link}. A run for a previous link is abandoned. */
    public void connect(DeviceLink link) {
        Objects.requireNonNull(link, "link");
        long now;
        synchronized (linkLock) {
            this.link = link;
            now = ++epoch;
        }
        repliesSincePlug.set(0);
        input.wake(now);
        LOG.debug("Simulated MultispeQ {} plugged in", options.deviceId());
    }

    /** Unplugs the device: a run in progress is abandoned and its remaining output discarded. */
    public void disconnect() {
        long now;
        synchronized (linkLock) {
            if (link == null) {
                return;
            }
            link = null;
            now = ++epoch;
        }
        input.wake(now);
        LOG.debug("Simulated MultispeQ {} unplugged", options.deviceId());
    }

    /** True while plugged in ({@link #connect} called, no unplug since). */
    public boolean isConnected() {
        return link != null;
    }

    /** Bytes from the host. Copies them and returns at once; dropped while unplugged or after {@link #close()}. */
    public void receive(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (!running || length == 0) {
            return;
        }
        // No lock: a write blocked on a full link must not stop the transport's read loop from delivering input.
        long now = epoch;
        if (link == null) {
            return;
        }
        input.offer(now, Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /**
     * Queues a one-shot fault for the next reply it can affect: {@link SimulatorFault#CRC_ERROR} waits for a reply
     * with a checksum, {@link SimulatorFault#NAN_TOKENS} for a measurement, the others take the very next reply.
     */
    public void injectNext(SimulatorFault fault) {
        player.injectNext(EnumSet.of(fault));
    }

    /** Queues faults that hit the same reply together, e.g. {@code TRUNCATE} and {@code UNPLUG}: unplug mid-reply. */
    public void injectNext(SimulatorFault first, SimulatorFault... more) {
        player.injectNext(EnumSet.of(first, more));
    }

    /** Replies sent to their end (stream frames and faulty replies included; truncated and silent ones not). */
    public long repliesSent() {
        return repliesSent.get();
    }

    /** Measurement replies sent to their end. */
    public long measurementsSent() {
        return measurementsSent.get();
    }

    /** Protocols received and started (a run in progress counts, a cancelled one too). */
    public long measurementsStarted() {
        return measurementsStarted.get();
    }

    /** The last {@value #PROTOCOL_HISTORY} protocols received, oldest first, each as the line that carried it. */
    public List<String> protocolsReceived() {
        synchronized (protocolsReceived) {
            return List.copyOf(protocolsReceived);
        }
    }

    /** True while a continuous command ({@code hall}, {@code 1053}, {@code all_sensors}) is running. */
    public boolean isStreaming() {
        return streaming;
    }

    /** Stops the worker thread; the device is gone for good. */
    @Override
    public void close() {
        running = false;
        disconnect();
        boolean neverStarted = claimed.compareAndSet(false, true);
        work.cancel(true);
        worker.shutdownNow();
        if (!neverStarted && Thread.currentThread() != workerThread) {
            try {
                stopped.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "MultispeqSimulator[" + options.deviceId() + ", firmware " + options.firmware() + "]";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Worker thread

    private void work() {
        if (!claimed.compareAndSet(false, true)) {
            return;
        }
        workerThread = Thread.currentThread();
        try {
            serve();
        } finally {
            stopped.countDown();
        }
    }

    private void serve() {
        while (running) {
            try {
                HostInput.Request request = input.nextRequest();
                if (request.protocol() != null) {
                    runProtocol(request.protocol());
                } else {
                    runCommand(request.command(), request.plusTerminated());
                }
            } catch (Abandoned e) {
                LOG.debug("{}: run abandoned (unplugged)", options.deviceId());
            } catch (Cancelled e) {
                LOG.debug("{}: cancelled by -1+", options.deviceId());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warn("{}: the simulator failed on a request; it carries on", options.deviceId(), e);
            }
        }
    }

    private void runCommand(String word, boolean plusTerminated) throws Abandoned, Cancelled, InterruptedException {
        LOG.debug("{}: command {}", options.deviceId(), word);
        switch (word) {
            case "indicate" -> input.readParameters(plusTerminated, 3);
            case "usb_on", "spm", "set_shutdown_time" -> input.readParameters(plusTerminated, 1);
            case "hall", "1053", "all_sensors" -> stream();
            default -> {
                if (word.startsWith("set_")) {
                    input.readParameters(plusTerminated, -1);
                } else {
                    player.send(replies.toCommand(word));
                }
            }
        }
    }

    private void runProtocol(String text) throws Abandoned, Cancelled, InterruptedException {
        measurementsStarted.incrementAndGet();
        synchronized (protocolsReceived) {
            if (protocolsReceived.size() == PROTOCOL_HISTORY) {
                protocolsReceived.removeFirst();
            }
            protocolsReceived.addLast(text);
        }
        JsonNode protocol = FirmwareReplies.protocol(text);
        if (protocol == null) {
            LOG.debug("{}: bad protocol {}", options.deviceId(), text);
            player.send(FirmwareReplies.badProtocol(text));
            return;
        }
        FirmwareReplies.Run run = replies.run(protocol, text);
        Set<SimulatorFault> faults = player.drawFaults(Reply.Kind.MEASUREMENT);
        player.play(Reply.measurement(options, run.sample(), run.runTime(), faults.contains(SimulatorFault.NAN_TOKENS),
                random), faults, true);
    }

    /**
     * Continuous output until {@code -1+}: one checksummed frame per period, each with its own CRC. As in fw 1.17,
     * the cancel is looked for between frames, so a frame is never cut by it.
     */
    private void stream() throws Abandoned, Cancelled, InterruptedException {
        long period = Math.max(MIN_STREAM_PERIOD_NANOS, options.streamPeriod().toNanos());
        streaming = true;
        try {
            while (true) {
                input.waitCancellable(period);
                Set<SimulatorFault> faults = player.drawFaults(Reply.Kind.CHECKSUMMED);
                if (player.play(Reply.checksummed(replies.streamFrame(random)), faults,
                        false) == ReplyPlayer.Outcome.CUT) {
                    return;
                }
            }
        } finally {
            streaming = false;
        }
    }

    /** A reply went out whole: counted, and the device unplugs itself when a fault or the reply count says so. */
    void replySent(Reply.Kind kind, boolean unplug) throws Abandoned {
        repliesSent.incrementAndGet();
        if (kind == Reply.Kind.MEASUREMENT) {
            measurementsSent.incrementAndGet();
        }
        int sincePlug = repliesSincePlug.incrementAndGet();
        if (unplug || (options.unplugAfter() > 0 && sincePlug >= options.unplugAfter())) {
            unplugNow();
        }
    }

    /** The device pulls itself out: the link is told, and the run in progress ends. */
    void unplugNow() throws Abandoned {
        DeviceLink gone;
        synchronized (linkLock) {
            gone = link;
            link = null;
            epoch++;
        }
        if (gone != null) {
            Duration replug = options.replugAfter().orElse(null);
            LOG.info("Simulated MultispeQ {} unplugs itself (replug after {})", options.deviceId(),
                    replug == null ? "never" : replug);
            gone.unplug(replug);
        }
        throw new Abandoned();
    }

    /** Writes to the host, unless the run no longer belongs to the plug-in it started under. */
    void writeLink(byte[] bytes, int offset, int length) throws Abandoned {
        synchronized (linkLock) {
            if (link == null || epoch != input.runEpoch() || !running) {
                throw new Abandoned();
            }
            try {
                link.write(bytes, offset, length);
            } catch (IOException e) {
                LOG.debug("{}: writing to the link failed: {}", options.deviceId(), e.toString());
                throw new Abandoned();
            }
        }
    }
}
