package org.openjii.mmi.device;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.openjii.mmi.message.FailureReason;

/**
 * The output of a continuous command ({@code hall}, {@code 1053}, {@code all_sensors}), frame by frame. The device
 * stays busy until {@link #close()} sends {@code -1+}; close it from the thread that opened it.
 */
public final class DeviceStream implements AutoCloseable {

    private final CommandExecutor commands;
    private final StreamCollector collector;
    private final SerialTransport transport;
    private boolean closed;

    DeviceStream(CommandExecutor commands, StreamCollector collector, SerialTransport transport) {
        this.commands = commands;
        this.collector = collector;
        this.transport = transport;
    }

    /**
     * The next frame.
     *
     * @return the frame's reply, or {@code null} when none arrived within {@code timeout}
     * @throws DeviceAbsentException when the device went away (the stream is over)
     * @throws MultispeqException for a corrupt frame (checksum, JSON, size); the stream goes on
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public DeviceReply next(Duration timeout) throws MultispeqException, InterruptedException {
        Object item = collector.poll(timeout);
        if (item == null) {
            return null;
        }
        if (item instanceof MultispeqException e) {
            throw e;
        }
        Frame frame = (Frame) item;
        ReplyInterpreter.Json json = ReplyInterpreter.json(frame);
        if (json == null) {
            throw new MultispeqException(FailureReason.UNEXPECTED_OUTPUT,
                    "A line that is no frame of the stream: " + frame.text(),
                    frame.rawArray());
        }
        return new DeviceReply(collector.request(), List.of(frame), json.text(), true, json.sanitizedTokens(),
                frame.crcStatus(), collector.sentAt(), Instant.ofEpochMilli(frame.firstByteAt()),
                Instant.ofEpochMilli(frame.lastByteAt()), List.of(), transport.systemPath(), json.topLevel());
    }

    /** False once the device went away or the stream was closed. */
    public boolean isOpen() {
        return !closed && !collector.ended();
    }

    /** Stops the command ({@code -1+}), drains late output and frees the device for other commands. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            commands.closeStream(collector, transport);
        }
    }
}
