package org.openjii.mmi.simulator;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.simulator.RunStopped.Abandoned;
import org.openjii.mmi.simulator.RunStopped.Cancelled;
import org.openjii.mmi.simulator.RunStopped.Truncated;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a {@link Reply} to the host as the firmware prints it: in paced chunks, the CRC-32 computed over what was sent
 * and written last, stopping at each question until the host answers, and with the {@link SimulatorFault}s drawn for
 * it (one-shot faults first, then the options' probabilities). Worker thread only, except {@link #injectNext}.
 */
final class ReplyPlayer {

    /** How a reply ended. */
    enum Outcome {
        SENT,
        SILENT,
        CUT
    }

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqSimulator.class);
    private static final int FLOOD_BLOCK_BYTES = 4096;
    private static final int MAX_GARBAGE_BYTES = 48;
    private static final int SLOW_MAX_CHUNK = 8;
    private static final int SLOW_MAX_PAUSE_MILLIS = 4;

    private final SimulatorOptions options;
    private final Random random;
    private final HostInput input;
    private final MultispeqSimulator device;
    private final Queue<Set<SimulatorFault>> oneShotFaults = new ConcurrentLinkedQueue<>();

    ReplyPlayer(SimulatorOptions options, Random random, HostInput input, MultispeqSimulator device) {
        this.options = options;
        this.random = random;
        this.input = input;
        this.device = device;
    }

    /** Faults that hit the next reply they can affect, together; any thread. */
    void injectNext(Set<SimulatorFault> faults) {
        oneShotFaults.add(EnumSet.copyOf(faults));
    }

    /** The faults for the next reply of {@code kind}: a waiting one-shot set that applies, and random draws. */
    Set<SimulatorFault> drawFaults(Reply.Kind kind) {
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

    /** Plays {@code reply} with the faults drawn for it, {@code -1+} honoured between chunks. */
    Outcome send(Reply reply) throws Abandoned, Cancelled, InterruptedException {
        return play(reply, drawFaults(reply.kind()), true);
    }

    /**
     * Plays a reply with its faults.
     *
     * @param cancellable whether {@code -1+} is honoured between chunks
     */
    Outcome play(Reply reply, Set<SimulatorFault> faults, boolean cancellable)
            throws Abandoned, Cancelled, InterruptedException {
        boolean unplug = faults.contains(SimulatorFault.UNPLUG);
        if (faults.contains(SimulatorFault.FLOOD)) {
            flood();
            if (unplug) {
                device.unplugNow();
            }
            return Outcome.CUT;
        }
        if (faults.contains(SimulatorFault.SILENCE)) {
            if (unplug) {
                device.unplugNow();
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
                    pacer.write(echo(answer, input.awaitAnswer()).getBytes(StandardCharsets.UTF_8), crc);
                } else if (segment instanceof Reply.Delay delay) {
                    input.waitCancellable(delay.duration().toNanos());
                }
            }
            if (truncate) {
                throw new Truncated();
            }
        } catch (Truncated e) {
            LOG.debug("{}: reply truncated", options.deviceId());
            if (unplug) {
                device.unplugNow();
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
        device.replySent(reply.kind(), unplug);
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
        device.writeLink(start, 0, start.length);
        long written = start.length;
        LOG.debug("{}: flooding up to {} bytes", options.deviceId(), options.floodBytes());
        while (written < options.floodBytes()) {
            int n = (int) Math.min(block.length, options.floodBytes() - written);
            device.writeLink(block, 0, n);
            written += n;
            input.waitCancellable(options.chunkPause().toNanos());
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
                device.writeLink(bytes, offset, n);
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
                device.writeLink(bytes, offset, n);
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
                input.waitCancellable(nanos);
            } else {
                input.waitQuietly(nanos);
            }
        }
    }
}
