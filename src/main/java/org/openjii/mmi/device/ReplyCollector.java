package org.openjii.mmi.device;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers the reply to one request: the reader thread hands it frames (through {@link SessionIo}), the thread that
 * sent the request waits in {@link #await()}. What completes the reply depends on {@link DeviceRequest#expect()}; a
 * line that is not the reply is kept in {@link #unexpected}, so its bytes reach a failure or the reply.
 */
class ReplyCollector {

    /** How a wait ended. */
    enum Outcome {
        DONE,
        FAILED,
        TIMED_OUT,
        /** Output ending in a closing brace has been quiet for a while: it may be a reply without checksum. */
        QUIET_REPLY
    }

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);
    /** How often a wait that a quiet period may end looks at the clock. */
    private static final long QUIET_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The shortest silence that ends the output of a command whose reply has no end marker. */
    private static final long MIN_QUIET_END_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    final DeviceRequest request;
    final SessionIo io;
    private final Duration quietPeriod;
    final List<Frame> frames = new ArrayList<>();
    final List<Frame> unexpected = new ArrayList<>();
    private final PromptDetector prompts = new PromptDetector();
    volatile Instant sentAt;
    DeviceReply reply;
    MultispeqException failure;
    boolean done;
    /** Set by the reader when the pending output ends with a closing brace; checked after a quiet period. */
    private volatile boolean quietCandidate;
    private int quietCheckedLength = -1;
    private long deadline;

    ReplyCollector(DeviceRequest request, SessionIo io, Duration quietPeriod) {
        this.request = request;
        this.io = io;
        this.quietPeriod = quietPeriod;
    }

    synchronized void onFrame(Frame frame) {
        if (done) {
            unexpected.add(frame);
            return;
        }
        try {
            switch (request.expect()) {
                case READY -> {
                    if (ReplyInterpreter.isReady(frame.text())) {
                        complete(List.of(frame), frame.text(), null, CrcStatus.ABSENT);
                    } else {
                        rejectErrorsOrKeep(frame);
                    }
                }
                case BATTERY -> {
                    if (frame.crcStatus() != CrcStatus.MISMATCH && ReplyInterpreter.battery(frame.text()) != null) {
                        complete(List.of(frame), frame.text(), null, frame.crcStatus());
                    } else {
                        rejectErrorsOrKeep(frame);
                    }
                }
                case JSON -> {
                    prompts.reset();
                    ReplyInterpreter.Json json = jsonOrSkip(frame);
                    if (json != null) {
                        complete(List.of(frame), json.text(), json, frame.crcStatus());
                    }
                }
                case LINE -> {
                    rejectErrors(frame);
                    complete(List.of(frame), frame.text(), null, frame.crcStatus());
                }
                case LINES, QUIET -> {
                    rejectErrors(frame);
                    frames.add(frame);
                    if (request.expectedLines() > 0 && frames.size() >= request.expectedLines()) {
                        completeLines();
                    }
                }
                default -> unexpected.add(frame);
            }
        } catch (MultispeqException e) {
            fail(e);
        }
    }

    /**
     * The JSON reply in {@code frame}, or {@code null} when the frame is none: a plain line, or a line without checksum
     * that is not a JSON reply (noise that begins with a bracket, a cut-off line, an array where a measurement object
     * is due). Those are skipped, logged and reported, and the wait for the reply goes on; a checksummed frame that
     * fails is the reply, and fails the request.
     */
    private ReplyInterpreter.Json jsonOrSkip(Frame frame) throws MultispeqException {
        ReplyInterpreter.Json json;
        try {
            json = ReplyInterpreter.json(frame);
        } catch (InvalidJsonException | TruncatedFrameException e) {
            if (frame.kind() != Frame.Kind.LINE) {
                throw e;
            }
            skip(frame, e.getMessage());
            return null;
        }
        if (json == null) {
            unexpected.add(frame);
        } else if (request.isMeasurement() && frame.kind() == Frame.Kind.LINE && json.topLevel().isEmpty()
                && !json.text().stripLeading().startsWith("{")) {
            skip(frame, "a JSON line without checksum that is not a measurement object");
            return null;
        }
        return json;
    }

    private void skip(Frame frame, String why) {
        unexpected.add(frame);
        LOG.warn("{}: skipped a line while waiting for {} ({}): {}", io.name(), request.describe(), why, frame);
        io.listeners().skipped(frame, why);
    }

    /**
     * Completes with the pending bytes taken as a reply without checksum or line feed ({@link SessionIo#offerQuiet});
     * false when they are not one complete JSON object yet.
     */
    synchronized boolean completesQuietly(Frame frame) {
        quietCandidate = false;
        quietCheckedLength = frame.rawArray().length;
        if (done) {
            return false;
        }
        try {
            ReplyInterpreter.Json json = ReplyInterpreter.json(frame);
            if (json == null || !json.text().stripLeading().startsWith("{")) {
                return false;
            }
            LOG.info("{}: {} ended without checksum or line feed; taken as complete after {} ms of quiet", io.name(),
                    request.describe(), quietPeriod.toMillis());
            complete(List.of(frame), json.text(), json, CrcStatus.ABSENT);
            return true;
        } catch (InvalidJsonException | TruncatedFrameException e) {
            return false;
        } catch (MultispeqException e) {
            fail(e);
            return true;
        }
    }

    /** The pending bytes are no reply without checksum; wait for more output before looking again. */
    void notQuietReply() {
        quietCandidate = false;
    }

    private void rejectErrors(Frame frame) throws MultispeqException {
        if (frame.looksLikeJson() || ReplyInterpreter.isBadCommand(frame.text())) {
            ReplyInterpreter.json(frame);
        }
    }

    private void rejectErrorsOrKeep(Frame frame) throws MultispeqException {
        rejectErrors(frame);
        unexpected.add(frame);
    }

    /**
     * Called by the reader thread, holding the decoder, after every read: answers interactive prompts, once per
     * question, and notes output that may be a reply without checksum.
     */
    void afterBytes(FrameDecoder decoder) {
        if (request.expect() == DeviceRequest.Expect.JSON) {
            int length = decoder.pendingLength();
            quietCandidate = length != quietCheckedLength && decoder.lastVisiblePendingByte() == '}';
        }
        if (request.protocol() == null) {
            return;
        }
        PromptDetector.Question question = prompts.find(decoder);
        if (question == null) {
            return;
        }
        prompts.answered(question);
        String answer = request.answers().next(question.type());
        if (answer == null) {
            fail(new PromptNotAnswerableException("The device asks (" + question.type() + ") \"" + question.text()
                    + "\" and no configured answer is left", decoder.pending()));
            return;
        }
        LOG.info("{}: answering {} \"{}\" with \"{}\"", io.name(), question.type(), question.text(), answer);
        SerialTransport t = io.transport();
        if (t != null) {
            // No line ending: a CR/LF would become part of the next answer (docs/multispeq-protocol.md,
            // "Interactive protocols").
            io.writeQuietly(t, (answer + "+").getBytes(StandardCharsets.UTF_8));
        }
    }

    synchronized void frameTooLarge(MultispeqException e) {
        fail(e);
    }

    /** Completes with a plain reply ({@code json} null) or a validated JSON one. */
    private void complete(List<Frame> replyFrames, String text, ReplyInterpreter.Json json, CrcStatus crc) {
        Frame first = replyFrames.get(0);
        Frame last = replyFrames.get(replyFrames.size() - 1);
        reply = new DeviceReply(request, replyFrames, text, json != null, json == null ? 0 : json.sanitizedTokens(),
                crc, sentAt, Instant.ofEpochMilli(first.firstByteAt()), Instant.ofEpochMilli(last.lastByteAt()),
                unexpected, systemPath(), json == null ? null : json.topLevel());
        done = true;
        notifyAll();
    }

    private void completeLines() {
        if (frames.isEmpty()) {
            Instant now = io.time().now();
            reply = new DeviceReply(request, List.of(), "", false, 0, CrcStatus.ABSENT, sentAt, now, now, unexpected,
                    systemPath(), null);
            done = true;
            notifyAll();
            return;
        }
        StringBuilder text = new StringBuilder();
        for (Frame f : frames) {
            if (text.length() > 0) {
                text.append('\n');
            }
            text.append(f.text());
        }
        complete(new ArrayList<>(frames), text.toString(), null, CrcStatus.ABSENT);
    }

    private String systemPath() {
        SerialTransport t = io.transport();
        return t == null ? null : t.systemPath();
    }

    synchronized void fail(MultispeqException e) {
        if (done) {
            return;
        }
        failure = e;
        done = true;
        notifyAll();
    }

    /** Everything received for this request: the lines kept so far, then the unfinished tail. */
    synchronized byte[] receivedSoFar(byte[] partial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Frame> all = new ArrayList<>(unexpected);
        all.addAll(frames);
        for (Frame f : all) {
            out.writeBytes(f.rawArray());
            out.write('\n');
        }
        out.writeBytes(partial);
        return out.toByteArray();
    }

    /** Waits for the reply, the request's timeout, or a quiet period that may end it. */
    synchronized Outcome await() {
        SessionTime time = io.time();
        if (deadline == 0) {
            deadline = time.nanoTime() + request.timeout().toNanos();
        }
        DeviceRequest.Expect expect = request.expect();
        long quietNanos = expect == DeviceRequest.Expect.QUIET
                ? Math.max(quietPeriod.toNanos(), MIN_QUIET_END_NANOS)
                : quietPeriod.toNanos();
        boolean quietEnds = expect == DeviceRequest.Expect.QUIET
                || (expect == DeviceRequest.Expect.LINES && request.expectedLines() == 0);
        boolean quietMayEnd = quietEnds || expect == DeviceRequest.Expect.JSON;
        while (!done) {
            long now = time.nanoTime();
            if (quietCandidate && now - io.lastByteNanos() >= quietPeriod.toNanos()) {
                return Outcome.QUIET_REPLY;
            }
            if (quietEnds && (!frames.isEmpty() || expect == DeviceRequest.Expect.QUIET)
                    && now - io.lastActivityNanos() >= quietNanos) {
                completeLines();
                break;
            }
            long remaining = deadline - now;
            if (remaining <= 0) {
                return Outcome.TIMED_OUT;
            }
            try {
                time.timedWait(this, quietMayEnd ? Math.min(remaining, QUIET_POLL_NANOS) : remaining);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new CommandCancelledException("Interrupted while waiting for " + request.describe(), null);
                done = true;
            }
        }
        return failure == null ? Outcome.DONE : Outcome.FAILED;
    }
}
