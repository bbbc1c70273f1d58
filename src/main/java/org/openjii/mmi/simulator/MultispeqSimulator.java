package org.openjii.mmi.simulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.device.DeviceJson;
import org.openjii.mmi.device.ProtocolTimeoutEstimator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * A MultispeQ seen from the device side, faithful where a bridge can tell the difference: it parses host input like
 * the firmware, answers console commands in their recorded formats, streams measurement replies (header first, sample
 * after the run, CRC-32 last) in paced chunks, stops at alerts and prompts until the host answers, honours
 * {@code -1+} between chunks, and injects the faults of {@link SimulatorFault} on demand or at random
 * (docs/multispeq-protocol.md; outputs come from the public fixtures, and the replies that differ between firmware
 * generations follow the {@link FirmwareProfile} of {@link SimulatorOptions#firmware()}).
 * <p>
 * Input parsing, after fw 1.17 {@code loop()} and {@code do_command()}: leading CR/LF are skipped; input starting with
 * {@code [} is a protocol, complete at the first CR or LF; anything else is a console command, complete at {@code +},
 * CR or LF, its parameters {@code +}-separated ({@code indicate+255+0+0+}); commands under 3 characters are ignored,
 * which makes an idle {@code -1+} harmless. While the device waits for an answer, everything up to {@code +} is the
 * answer. Input that arrives during a run stays buffered for afterwards; a {@code -1+} cancels the run and drops
 * what came before it.
 * <p>
 * One named daemon worker thread does all the device's work; {@link #receive} only queues bytes, so a transport can
 * call it from its read loop. Output goes to the {@link DeviceLink} given to {@link #connect}; without one the
 * device is unplugged and both input and output are dropped.
 */
public final class MultispeqSimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqSimulator.class);
    private static final AtomicInteger THREAD_COUNT = new AtomicInteger();

    /** fw 1.x reads parameters with {@code Serial_Input_Long("+", 500)}: at most 500 ms per parameter. */
    private static final long PARAMETER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** A protocol longer than this is cut, as the firmware's fixed buffer cuts it (7 to 9 KB on fw 1.x). */
    private static final int MAX_PROTOCOL_BYTES = 64 * 1024;
    /** Input without any terminator beyond this is line noise and dropped. */
    private static final int MAX_COMMAND_BYTES = 256;
    /** Buffered input beyond this is dropped (the device's serial buffer overflows). */
    private static final int MAX_BUFFERED_BYTES = 1 << 20;
    private static final int FLOOD_BLOCK_BYTES = 4096;
    private static final int MAX_GARBAGE_BYTES = 48;
    private static final int SLOW_MAX_CHUNK = 8;
    private static final int SLOW_MAX_PAUSE_MILLIS = 4;
    private static final long IDLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_STREAM_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final DateTimeFormatter DEVICE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'.000Z'")
            .withZone(ZoneOffset.UTC);
    private static final byte[] NO_BYTES = new byte[0];
    private static final Request IGNORED = new Request(null, "", false);

    private final SimulatorOptions options;
    private final SimulatorData data;
    private final ArrayNode forcedSample;
    private final BlockingQueue<Chunk> inbox = new LinkedBlockingQueue<>();
    private final Queue<Set<SimulatorFault>> oneShotFaults = new ConcurrentLinkedQueue<>();
    private final Object linkLock = new Object();
    private final AtomicLong repliesSent = new AtomicLong();
    private final AtomicLong measurementsSent = new AtomicLong();
    private final AtomicLong measurementsStarted = new AtomicLong();
    private volatile boolean streaming;
    private final AtomicInteger repliesSincePlug = new AtomicInteger();
    private final Thread worker;
    private volatile boolean running = true;
    /** Written under linkLock, so that no chunk goes out after {@link #disconnect()} returns. */
    private volatile DeviceLink link;
    /** Changes on every plug and unplug; a run started under another epoch is abandoned. */
    private volatile long epoch;

    // Worker-thread state.
    private final Random random;
    private byte[] buffer = new byte[1024];
    private int buffered;
    private long bufferEpoch;
    private long runEpoch;
    private boolean discardToLineEnd;
    /** Input of a newer plug-in that arrived while a run of the previous one was being abandoned. */
    private final ArrayDeque<Chunk> carried = new ArrayDeque<>();

    private record Chunk(long epoch, byte[] bytes) {
    }

    private record Request(String protocol, String command, boolean plusTerminated) {
    }

    /** How a reply ended. */
    private enum Outcome {
        SENT,
        SILENT,
        CUT
    }

    /** The run in progress ends without further output: unplugged, replaced link, or closed. */
    private static final class Abandoned extends Exception {

        Abandoned() {
            super(null, null, false, false);
        }
    }

    /** The host sent {@code -1+}. */
    private static final class Cancelled extends Exception {

        Cancelled() {
            super(null, null, false, false);
        }
    }

    /** A {@link SimulatorFault#TRUNCATE} cut the reply. */
    private static final class Truncated extends Exception {

        Truncated() {
            super(null, null, false, false);
        }
    }

    private static final int PROTOCOL_HISTORY = 100;
    private final ArrayDeque<String> protocolsReceived = new ArrayDeque<>();

    /**
     * Creates the device, unplugged, and starts its worker thread.
     *
     * @throws IllegalArgumentException when the forced output ({@link SimulatorOptions#output()} or
     *     {@link SimulatorOptions#outputJson()}) cannot be read as a measurement
     */
    public MultispeqSimulator(SimulatorOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.data = SimulatorData.get();
        this.random = new Random(options.seed());
        this.forcedSample = forcedSample(options, data);
        this.worker = new Thread(this::work, "mmi-sim-" + options.deviceId() + "-" + THREAD_COUNT.incrementAndGet());
        worker.setDaemon(true);
        worker.start();
    }

    private static ArrayNode forcedSample(SimulatorOptions options, SimulatorData data) {
        if (options.outputJson().isPresent()) {
            return SimulatorData.sampleOfDocument(options.outputJson().get(), "outputJson");
        }
        return options.output()
                .map(output -> SimulatorOptions.OUTPUT_NAMES.contains(output)
                        ? data.sample(output)
                        : SimulatorData.sampleOfFile(output))
                .orElse(null);
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
        inbox.offer(new Chunk(now, NO_BYTES));
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
        inbox.offer(new Chunk(now, NO_BYTES));
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
        inbox.offer(new Chunk(now, Arrays.copyOfRange(bytes, offset, offset + length)));
    }

    /**
     * Queues a one-shot fault for the next reply it can affect: {@link SimulatorFault#CRC_ERROR} waits for a reply
     * with a checksum, {@link SimulatorFault#NAN_TOKENS} for a measurement, the others take the very next reply.
     */
    public void injectNext(SimulatorFault fault) {
        oneShotFaults.add(EnumSet.of(fault));
    }

    /** Queues faults that hit the same reply together, e.g. {@code TRUNCATE} and {@code UNPLUG}: unplug mid-reply. */
    public void injectNext(SimulatorFault first, SimulatorFault... more) {
        oneShotFaults.add(EnumSet.of(first, more));
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
        worker.interrupt();
        if (Thread.currentThread() != worker) {
            try {
                worker.join(TimeUnit.SECONDS.toMillis(2));
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
        while (running) {
            try {
                Request request = nextRequest();
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
            case "hello", "1000" -> send(Reply.text(options.deviceName() + " Ready\n"));
            case "battery" -> send(Reply.text(options.batteryFormat() == SimulatorOptions.BatteryFormat.JSON
                    ? "{\"battery\":" + options.battery() + "}\n"
                    : "battery:" + options.battery() + "\n"));
            case "device_info", "1007" -> send(options.profile().deviceInfoChecksummed()
                    ? Reply.checksummed(data.deviceInfo(options))
                    : Reply.text(data.deviceInfo(options)));
            case "memory" -> send(Reply.text(SimulatorData.MEMORY_LINE));
            case "print_memory", "print_calibrations" -> send(options.profile() == FirmwareProfile.FW_2
                    ? Reply.text(data.printMemory(options))
                    : Reply.checksummed(data.printMemory(options)));
            case "compiled" -> send(Reply.text(SimulatorData.COMPILED_LINE));
            case "temp" -> send(Reply.text(data.tempLines()));
            case "print_date" -> {
                Instant now = options.clock().instant().truncatedTo(ChronoUnit.SECONDS);
                send(Reply.text("{\"device_time\":\"" + DEVICE_TIME.format(now) + "\",\"device_time\":"
                        + now.getEpochSecond() + "}\n"));
            }
            case "indicate" -> readParameters(plusTerminated, 3);
            case "usb_on", "spm", "set_shutdown_time" -> readParameters(plusTerminated, 1);
            case "hall", "1053", "all_sensors" -> stream();
            default -> {
                if (word.startsWith("set_")) {
                    readParameters(plusTerminated, -1);
                } else {
                    send(Reply.text(options.profile().badCommand(word)));
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
        JsonNode protocol;
        try {
            protocol = DeviceJson.parse(text);
        } catch (JsonProcessingException e) {
            protocol = null;
        }
        if (protocol == null || !protocol.isArray()) {
            LOG.debug("{}: bad protocol {}", options.deviceId(), text);
            // fw 1.17 do_protocol(): the error echoes the protocol, with a valid checksum over invalid JSON.
            send(Reply.checksummed("{\"error\":\"bad json protocol (braces or CRC)\"              " + text
                    + "      \"}"));
            return;
        }
        ArrayNode sample;
        if (forcedSample != null) {
            sample = forcedSample.deepCopy();
        } else {
            String known = data.knownOutput(protocol);
            sample = known != null ? data.sample(known) : data.genericSample(protocol);
            LOG.debug("{}: protocol {} -> output {}", options.deviceId(), abbreviate(text),
                    known != null ? known : "generic");
        }
        JsonNode tree = protocol;
        Duration runTime = options.runTime().orElseGet(() -> {
            Duration estimate = Duration.ofMillis(ProtocolTimeoutEstimator.estimateMillis(tree));
            return estimate.compareTo(options.maxRunTime()) > 0 ? options.maxRunTime() : estimate;
        });
        Set<SimulatorFault> faults = drawFaults(Reply.Kind.MEASUREMENT);
        play(Reply.measurement(options, sample, runTime, faults.contains(SimulatorFault.NAN_TOKENS), random), faults,
                true);
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
                waitCancellable(period);
                Set<SimulatorFault> faults = drawFaults(Reply.Kind.CHECKSUMMED);
                if (play(Reply.checksummed(data.streamFrame(random)), faults, false) == Outcome.CUT) {
                    return;
                }
            }
        } finally {
            streaming = false;
        }
    }

    private void send(Reply reply) throws Abandoned, Cancelled, InterruptedException {
        play(reply, drawFaults(reply.kind()), true);
    }

    private Set<SimulatorFault> drawFaults(Reply.Kind kind) {
        Set<SimulatorFault> faults = EnumSet.noneOf(SimulatorFault.class);
        Set<SimulatorFault> head = oneShotFaults.peek();
        if (head != null && head.stream().allMatch(fault -> applies(fault, kind))) {
            oneShotFaults.poll();
            faults.addAll(head);
        }
        options.faults().forEach((fault, p) -> {
            if (applies(fault, kind) && random.nextDouble() < p) {
                faults.add(fault);
            }
        });
        if (!faults.isEmpty()) {
            LOG.debug("{}: faults {} on this reply", options.deviceId(), faults);
        }
        return faults;
    }

    private static boolean applies(SimulatorFault fault, Reply.Kind kind) {
        if (fault.needsMeasurement()) {
            return kind == Reply.Kind.MEASUREMENT;
        }
        return !fault.needsChecksum() || kind != Reply.Kind.TEXT;
    }

    /**
     * Plays a reply with its faults.
     *
     * @param cancellable whether {@code -1+} is honoured between chunks
     */
    private Outcome play(Reply reply, Set<SimulatorFault> faults, boolean cancellable)
            throws Abandoned, Cancelled, InterruptedException {
        boolean unplug = faults.contains(SimulatorFault.UNPLUG);
        if (faults.contains(SimulatorFault.FLOOD)) {
            flood();
            if (unplug) {
                unplugNow();
            }
            return Outcome.CUT;
        }
        if (faults.contains(SimulatorFault.SILENCE)) {
            if (unplug) {
                unplugNow();
            }
            return Outcome.SILENT;
        }
        Pacer pacer = new Pacer(faults.contains(SimulatorFault.SLOW), cancellable);
        if (faults.contains(SimulatorFault.GARBAGE)) {
            pacer.writeUncounted(garbage());
        }
        boolean truncate = faults.contains(SimulatorFault.TRUNCATE);
        if (truncate) {
            int length = reply.textLength();
            pacer.budget = length <= 1 ? 0 : 1 + random.nextInt(length - 1);
        }
        CRC32 crc = new CRC32();
        try {
            for (Reply.Segment segment : reply.segments()) {
                if (segment instanceof Reply.Text text) {
                    pacer.write(text.bytes(), crc);
                } else if (segment instanceof Reply.Answer answer) {
                    pacer.write(echo(answer, awaitAnswer()).getBytes(StandardCharsets.UTF_8), crc);
                } else if (segment instanceof Reply.Delay delay) {
                    waitCancellable(delay.duration().toNanos());
                }
            }
            if (truncate) {
                throw new Truncated();
            }
        } catch (Truncated e) {
            LOG.debug("{}: reply truncated", options.deviceId());
            if (unplug) {
                unplugNow();
            }
            return Outcome.CUT;
        }
        if (reply.hasChecksum()) {
            long value = crc.getValue();
            if (faults.contains(SimulatorFault.CRC_ERROR)) {
                value ^= (random.nextInt() & 0xFFFF_FFFFL) | 1L;
            }
            pacer.writeUncounted((Crc32Checksum.format(value) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        repliesSent.incrementAndGet();
        if (reply.kind() == Reply.Kind.MEASUREMENT) {
            measurementsSent.incrementAndGet();
        }
        int sincePlug = repliesSincePlug.incrementAndGet();
        if (unplug || (options.unplugAfter() > 0 && sincePlug >= options.unplugAfter())) {
            unplugNow();
        }
        return Outcome.SENT;
    }

    /**
     * What the device prints after an answer: the firmware echoes prompts, acknowledges alerts and confirms; fw 1.x
     * prints the answer's opening quote only now.
     */
    private static String echo(Reply.Answer question, String answer) {
        String echo = switch (question.type()) {
            case "prompt" -> answer;
            case "confirm" -> "1".equals(answer) ? "cancel" : "ok";
            default -> "ok";
        };
        return question.quoteWithAnswer() ? "\"" + echo : echo;
    }

    private byte[] garbage() {
        int n = 1 + random.nextInt(MAX_GARBAGE_BYTES);
        byte[] bytes = new byte[n + 1];
        for (int i = 0; i < n; i++) {
            int b;
            do {
                b = 1 + random.nextInt(255);
            } while (b == '\n');
            bytes[i] = (byte) b;
        }
        if (random.nextBoolean()) {
            bytes[n] = '\n';
            return bytes;
        }
        return Arrays.copyOf(bytes, n);
    }

    /**
     * An endless {@code data_raw} line: digits and commas, never a LF, until -1+, unplug or the size limit; 4 KB
     * blocks with the chunk pause between them (a blocked link write slows it further, as a full USB buffer would).
     */
    private void flood() throws Abandoned, Cancelled, InterruptedException {
        StringBuilder text = new StringBuilder(FLOOD_BLOCK_BYTES + 8);
        while (text.length() < FLOOD_BLOCK_BYTES) {
            text.append(15_000 + random.nextInt(35_000)).append(',');
        }
        byte[] block = text.substring(0, FLOOD_BLOCK_BYTES).getBytes(StandardCharsets.US_ASCII);
        byte[] start = "{\"sample\":[{\"data_raw\":[".getBytes(StandardCharsets.US_ASCII);
        writeLink(start, 0, start.length);
        long written = start.length;
        LOG.debug("{}: flooding up to {} bytes", options.deviceId(), options.floodBytes());
        while (written < options.floodBytes()) {
            int n = (int) Math.min(block.length, options.floodBytes() - written);
            writeLink(block, 0, n);
            written += n;
            waitCancellable(options.chunkPause().toNanos());
        }
    }

    private void unplugNow() throws Abandoned {
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

    private void writeLink(byte[] bytes, int offset, int length) throws Abandoned {
        synchronized (linkLock) {
            if (link == null || epoch != runEpoch || !running) {
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

    /** Writes a reply in chunks with pauses, feeding the checksum and spending a truncation budget. */
    private final class Pacer {

        private final boolean slow;
        private final boolean cancellable;
        private boolean first = true;
        long budget = Long.MAX_VALUE;

        Pacer(boolean slow, boolean cancellable) {
            this.slow = slow;
            this.cancellable = cancellable;
        }

        void write(byte[] bytes, CRC32 crc) throws Abandoned, Cancelled, Truncated, InterruptedException {
            int offset = 0;
            while (offset < bytes.length) {
                if (budget <= 0) {
                    throw new Truncated();
                }
                int n = (int) Math.min(Math.min(chunkSize(), bytes.length - offset), budget);
                pause();
                writeLink(bytes, offset, n);
                crc.update(bytes, offset, n);
                budget -= n;
                offset += n;
            }
        }

        void writeUncounted(byte[] bytes) throws Abandoned, Cancelled, InterruptedException {
            int offset = 0;
            while (offset < bytes.length) {
                int n = Math.min(chunkSize(), bytes.length - offset);
                pause();
                writeLink(bytes, offset, n);
                offset += n;
            }
        }

        private int chunkSize() {
            return slow ? 1 + random.nextInt(SLOW_MAX_CHUNK) : options.chunkSize();
        }

        private void pause() throws Abandoned, Cancelled, InterruptedException {
            long nanos = 0;
            if (!first) {
                nanos = slow
                        ? TimeUnit.MILLISECONDS.toNanos(1 + random.nextInt(SLOW_MAX_PAUSE_MILLIS))
                        : options.chunkPause().toNanos();
            }
            first = false;
            if (cancellable) {
                waitCancellable(nanos);
            } else {
                waitQuietly(nanos);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Host input, worker thread only

    /** Blocks until the buffer holds a complete command or protocol. */
    private Request nextRequest() throws InterruptedException {
        while (true) {
            syncEpoch();
            while (!carried.isEmpty()) {
                append(carried.poll());
            }
            Request request = parseRequest();
            if (request != null) {
                runEpoch = bufferEpoch;
                return request;
            }
            Chunk chunk = inbox.poll(IDLE_WAIT_NANOS, TimeUnit.NANOSECONDS);
            if (!running) {
                throw new InterruptedException("closed");
            }
            if (chunk != null) {
                syncEpoch();
                append(chunk);
            }
        }
    }

    private void syncEpoch() {
        long now = epoch;
        if (now != bufferEpoch) {
            bufferEpoch = now;
            buffered = 0;
            discardToLineEnd = false;
        }
    }

    private Request parseRequest() {
        Request request;
        do {
            request = parseOne();
        } while (request == IGNORED);
        return request;
    }

    /** The next request, {@code null} when incomplete, {@link #IGNORED} for a command under 3 characters. */
    private Request parseOne() {
        if (discardToLineEnd) {
            int end = indexOfLineBreak();
            if (end < 0) {
                buffered = 0;
                return null;
            }
            consume(end + 1);
            discardToLineEnd = false;
        }
        skipLineBreaks();
        if (buffered == 0) {
            return null;
        }
        if (buffer[0] == '[') {
            int end = indexOfLineBreak();
            if (end < 0) {
                if (buffered < MAX_PROTOCOL_BYTES) {
                    return null;
                }
                String cut = new String(buffer, 0, MAX_PROTOCOL_BYTES, StandardCharsets.UTF_8);
                consume(MAX_PROTOCOL_BYTES);
                discardToLineEnd = true;
                return new Request(cut, null, false);
            }
            String protocol = new String(buffer, 0, end, StandardCharsets.UTF_8);
            consume(end + 1);
            return new Request(protocol, null, false);
        }
        int end = indexOfTerminator();
        if (end < 0) {
            if (buffered > MAX_COMMAND_BYTES) {
                LOG.debug("{}: dropping {} bytes of unterminated input", options.deviceId(), buffered);
                buffered = 0;
            }
            return null;
        }
        boolean plus = buffer[end] == '+';
        String word = printablePrefix(0, end);
        consume(end + 1);
        if (word.length() < 3) {
            // fw: "short or null command, quietly ignore it" (this is what makes an idle -1+ harmless)
            return IGNORED;
        }
        return new Request(null, word, plus);
    }

    /**
     * Reads a command's {@code +}-separated parameters: {@code count} of them, or all up to the line end when
     * {@code count} is negative; a line break ends them early, and each may take up to 500 ms to arrive.
     */
    private List<String> readParameters(boolean plusTerminated, int count)
            throws Abandoned, Cancelled, InterruptedException {
        List<String> parameters = new ArrayList<>();
        if (!plusTerminated) {
            return parameters;
        }
        while (count < 0 || parameters.size() < count) {
            int end = indexOfTerminator();
            if (end < 0) {
                if (!fill(PARAMETER_WAIT_NANOS)) {
                    break;
                }
                continue;
            }
            String token = printablePrefix(0, end);
            boolean plus = buffer[end] == '+';
            consume(end + 1);
            if (!token.isEmpty() || plus) {
                parameters.add(token);
            }
            if (!plus) {
                break;
            }
        }
        LOG.debug("{}: parameters {}", options.deviceId(), parameters);
        return parameters;
    }

    /** Waits for {@code <answer>+}; leading CR/LF (left over from the protocol line) are skipped. */
    private String awaitAnswer() throws Abandoned, Cancelled, InterruptedException {
        while (true) {
            skipLineBreaks();
            int plus = indexOf((byte) '+');
            if (plus >= 0) {
                String answer = new String(buffer, 0, plus, StandardCharsets.UTF_8);
                consume(plus + 1);
                if ("-1".equals(answer)) {
                    throw new Cancelled();
                }
                LOG.debug("{}: answer '{}'", options.deviceId(), answer);
                return answer;
            }
            fill(IDLE_WAIT_NANOS);
        }
    }

    /** Waits {@code nanos} (0: just looks) while watching for {@code -1+}; other input stays buffered. */
    private void waitCancellable(long nanos) throws Abandoned, Cancelled, InterruptedException {
        long deadline = System.nanoTime() + nanos;
        fill(0);
        scanForCancel();
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > 0) {
            if (fill(remaining)) {
                scanForCancel();
            }
        }
    }

    /** Waits {@code nanos}, buffering input without acting on it. */
    private void waitQuietly(long nanos) throws Abandoned, InterruptedException {
        long deadline = System.nanoTime() + nanos;
        fill(0);
        long remaining;
        while ((remaining = deadline - System.nanoTime()) > 0) {
            fill(remaining);
        }
    }

    private void scanForCancel() throws Cancelled {
        for (int i = 0; i + 2 < buffered; i++) {
            if (buffer[i] == '-' && buffer[i + 1] == '1' && buffer[i + 2] == '+'
                    && (i == 0 || buffer[i - 1] == '+' || buffer[i - 1] == '\r' || buffer[i - 1] == '\n')) {
                consume(i + 3);
                throw new Cancelled();
            }
        }
    }

    /**
     * Moves input that arrives within {@code nanos} into the buffer (0: only what is already queued).
     *
     * @return true when new bytes arrived
     * @throws Abandoned when the device was unplugged or closed meanwhile
     */
    private boolean fill(long nanos) throws Abandoned, InterruptedException {
        Chunk chunk = nanos <= 0 ? inbox.poll() : inbox.poll(nanos, TimeUnit.NANOSECONDS);
        boolean added = false;
        while (chunk != null) {
            if (chunk.epoch() > runEpoch) {
                carried.add(chunk);
            } else if (chunk.epoch() == runEpoch && chunk.bytes().length > 0) {
                append(chunk);
                added = true;
            }
            chunk = inbox.poll();
        }
        if (epoch != runEpoch || !running) {
            throw new Abandoned();
        }
        return added;
    }

    private void append(Chunk chunk) {
        if (chunk.epoch() != bufferEpoch) {
            return;
        }
        byte[] bytes = chunk.bytes();
        if (buffered + bytes.length > MAX_BUFFERED_BYTES) {
            LOG.debug("{}: input buffer full, dropping {} bytes", options.deviceId(), bytes.length);
            return;
        }
        if (buffered + bytes.length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + bytes.length));
        }
        System.arraycopy(bytes, 0, buffer, buffered, bytes.length);
        buffered += bytes.length;
    }

    private void skipLineBreaks() {
        int n = 0;
        while (n < buffered && (buffer[n] == '\r' || buffer[n] == '\n')) {
            n++;
        }
        consume(n);
    }

    private int indexOf(byte wanted) {
        for (int i = 0; i < buffered; i++) {
            if (buffer[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    private int indexOfLineBreak() {
        for (int i = 0; i < buffered; i++) {
            if (buffer[i] == '\r' || buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** End of a command word or parameter: {@code +}, CR or LF. */
    private int indexOfTerminator() {
        for (int i = 0; i < buffered; i++) {
            if (buffer[i] == '+' || buffer[i] == '\r' || buffer[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The firmware cuts a command at its first non-printable character. */
    private String printablePrefix(int from, int end) {
        int stop = from;
        while (stop < end && buffer[stop] >= 0x20 && buffer[stop] < 0x7f) {
            stop++;
        }
        return new String(buffer, from, stop - from, StandardCharsets.US_ASCII);
    }

    private void consume(int n) {
        if (n <= 0) {
            return;
        }
        System.arraycopy(buffer, n, buffer, 0, buffered - n);
        buffered -= n;
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }
}
