package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * Something to send to the device and what reply to wait for. Console commands are classified by name
 * (docs/multispeq-protocol.md, "Commands"), with openJII's timeouts: 2 s for {@code hello}, 5 s for
 * {@code device_info} and {@code battery}, 60 s for other console commands; protocols get the estimated timeout.
 */
public final class DeviceRequest {

    /** The shape of the reply that completes the request. */
    public enum Expect {
        /** A line saying {@code MultispeQ Ready} (or {@code Instrument Ready}). */
        READY,
        /** {@code battery:NN} or {@code {"battery":NN}}. */
        BATTERY,
        /** A JSON reply, normally with checksum: {@code device_info}, {@code print_memory}, measurements. */
        JSON,
        /** One line. */
        LINE,
        /** Lines until {@code expectedLines} arrived, or until the device has been quiet for a moment. */
        LINES,
        /** Commands that normally print nothing: done after a moment of silence (lines that do come are kept). */
        QUIET,
        /** Continuous output, one JSON frame after the other, until cancelled with {@code -1+}. */
        STREAM
    }

    public static final Duration HELLO_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration QUICK_COMMAND_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration CONSOLE_TIMEOUT = Duration.ofSeconds(60);

    private static final Set<String> READY_COMMANDS = Set.of("hello", "1000");
    private static final Set<String> JSON_COMMANDS = Set.of("device_info", "1007", "print_memory",
            "print_calibrations", "print_all");
    private static final Set<String> LINE_COMMANDS = Set.of("memory", "compiled", "print_date", "usb");
    private static final Set<String> STREAM_COMMANDS = Set.of("hall", "1053", "all_sensors", "constant_light");
    private static final Set<String> QUIET_COMMANDS = Set.of("indicate", "usb_on", "spm", "s", "v", "-1");

    private final String text;
    private final byte[] bytes;
    private final Expect expect;
    private final Duration timeout;
    private final int expectedLines;
    private final MeasurementProtocol protocol;
    private final PromptAnswers answers;

    private DeviceRequest(String text, byte[] bytes, Expect expect, Duration timeout, int expectedLines,
            MeasurementProtocol protocol, PromptAnswers answers) {
        this.text = text;
        this.bytes = bytes;
        this.expect = expect;
        this.timeout = timeout;
        this.expectedLines = expectedLines;
        this.protocol = protocol;
        this.answers = answers;
    }

    /** A console command with the default timeout for its kind. */
    public static DeviceRequest command(String command) {
        return command(command, null);
    }

    /** A console command; {@code timeout} {@code null} or zero means the default for its kind. */
    public static DeviceRequest command(String command, Duration timeout) {
        String trimmed = command.strip();
        String name = CommandPolicy.commandName(trimmed);
        Expect expect;
        Duration defaultTimeout = QUICK_COMMAND_TIMEOUT;
        int lines = 0;
        if (READY_COMMANDS.contains(name)) {
            expect = Expect.READY;
            defaultTimeout = HELLO_TIMEOUT;
        } else if ("battery".equals(name)) {
            expect = Expect.BATTERY;
        } else if (JSON_COMMANDS.contains(name)) {
            expect = Expect.JSON;
            defaultTimeout = name.startsWith("print") ? Duration.ofSeconds(10) : QUICK_COMMAND_TIMEOUT;
        } else if (LINE_COMMANDS.contains(name)) {
            expect = Expect.LINE;
        } else if ("temp".equals(name)) {
            expect = Expect.LINES;
            lines = 2;
        } else if (STREAM_COMMANDS.contains(name)) {
            expect = Expect.STREAM;
        } else if (QUIET_COMMANDS.contains(name) || name.startsWith("set_")) {
            expect = Expect.QUIET;
        } else {
            expect = Expect.LINES;
            defaultTimeout = CONSOLE_TIMEOUT;
        }
        return new DeviceRequest(trimmed, (trimmed + "\r\n").getBytes(StandardCharsets.US_ASCII), expect,
                positiveOr(timeout, defaultTimeout), lines, null, PromptAnswers.none());
    }

    /** A measurement; {@code timeout} {@code null} or zero means the estimate from the protocol. */
    public static DeviceRequest measurement(MeasurementProtocol protocol, PromptAnswers answers, Duration timeout) {
        return new DeviceRequest(protocol.compact(), protocol.commandBytes(), Expect.JSON,
                positiveOr(timeout, protocol.defaultTimeout()), 0, protocol, answers.forRun());
    }

    private static Duration positiveOr(Duration value, Duration fallback) {
        return value == null || value.isZero() || value.isNegative() ? fallback : value;
    }

    /** The command text or compact protocol, without line ending. */
    public String text() {
        return text;
    }

    byte[] bytes() {
        return bytes;
    }

    public Expect expect() {
        return expect;
    }

    public Duration timeout() {
        return timeout;
    }

    int expectedLines() {
        return expectedLines;
    }

    /** The protocol of a measurement, {@code null} for console commands. */
    public MeasurementProtocol protocol() {
        return protocol;
    }

    PromptAnswers answers() {
        return answers;
    }

    public boolean isMeasurement() {
        return protocol != null;
    }

    /** A short description for logs and error messages. */
    public String describe() {
        if (protocol != null) {
            return "protocol " + protocol;
        }
        return "'" + text + "'";
    }

    @Override
    public String toString() {
        return describe();
    }
}
