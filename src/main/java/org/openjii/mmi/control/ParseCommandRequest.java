package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.ingest.IngestHeaders;

/**
 * First step of the command route: the request payload ({@code byte[]} or text) in, a {@link CommandRequest} body
 * out, checked against what the device may be asked ({@link CommandRequest#checkAllowed}) before it waits in the
 * queue.
 * <p>
 * Headers set: {@value CommandHeaders#KIND}, {@value CommandHeaders#DEVICE} (when the request names one),
 * {@value CommandHeaders#RECEIVED_AT} (when absent); {@code CamelMultispeqCommand} with the text for the device
 * (the command, the compact protocol, {@code -1+} to cancel; not for {@code status}), so the next step is a plain
 * {@code to: multispeq:...}; for a protocol run {@code CamelMultispeqAnswers} (the request's answers, possibly none,
 * instead of the endpoint's) and {@code MmiExperimentId}, {@code MmiProtocolId} and {@code MmiQuestions} when the
 * request gives them, which the ingest pipeline prefers to its configured ones. These headers are removed when the
 * request does not set them, so a value the transport copied in (an MQTT user property) cannot pass the checks.
 * <p>
 * Fails the exchange with {@link BadCommandRequestException} ({@code bad-request}) for a malformed request, with
 * {@code CommandDeniedException} ({@code denied}) or {@code PromptNotAnswerableException}
 * ({@code prompt-unanswered}) for one the device may not run. The body is left as it came, for the dead letter.
 */
public class ParseCommandRequest implements Processor {

    private String allowCommands;
    private CommandPolicy policy = CommandPolicy.safeDefaults();
    private boolean acknowledgeAlerts;
    private Clock clock = Clock.systemUTC();

    public String getAllowCommands() {
        return allowCommands;
    }

    /**
     * Console commands to allow beyond the read-only set, comma separated by name, as the device endpoint's
     * {@code allowCommands} (give both the same value: the device checks again). Empty: the read-only set only.
     */
    public void setAllowCommands(String allowCommands) {
        this.policy = CommandPolicy.ofCommaSeparated(allowCommands);
        this.allowCommands = allowCommands;
    }

    public boolean isAcknowledgeAlerts() {
        return acknowledgeAlerts;
    }

    /**
     * Whether the device route acknowledges protocol alerts without an answer (its {@code acknowledgeAlerts}); then
     * a protocol's alerts need no entry in {@code answers}.
     */
    public void setAcknowledgeAlerts(boolean acknowledgeAlerts) {
        this.acknowledgeAlerts = acknowledgeAlerts;
    }

    public Clock getClock() {
        return clock;
    }

    /** Where {@value CommandHeaders#RECEIVED_AT} comes from (tests set it). */
    public void setClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void process(Exchange exchange) throws BadCommandRequestException, MultispeqException {
        Message in = exchange.getMessage();
        if (in.getHeader(CommandHeaders.RECEIVED_AT) == null) {
            in.setHeader(CommandHeaders.RECEIVED_AT, clock.instant());
        }
        CommandRequest request = CommandRequests.parse(payload(in));
        // Known before the policy decides, so that a denial is reported and logged with what was asked.
        put(in, CommandHeaders.KIND, request.kind().label());
        put(in, CommandHeaders.DEVICE, request.device());
        // Nothing but a checked request may reach the device: the command header is removed unless set here.
        in.removeHeader(MultispeqConstants.COMMAND);
        request.checkAllowed(policy, acknowledgeAlerts);
        put(in, MultispeqConstants.COMMAND, request.deviceText());
        CommandRequest.ProtocolRun run = request instanceof CommandRequest.ProtocolRun r ? r : null;
        put(in, IngestHeaders.EXPERIMENT_ID, run == null ? null : run.experimentId());
        put(in, IngestHeaders.PROTOCOL_ID, run == null ? null : run.protocolId());
        put(in, MultispeqConstants.ANSWERS, run == null ? null : run.answers());
        put(in, IngestHeaders.QUESTIONS, run == null ? null : run.questions());
        in.setBody(request);
    }

    /**
     * Sets a header this step owns, or removes it: none is left as it came, whatever the transport copied into the
     * exchange.
     */
    private static void put(Message in, String header, Object value) {
        if (value == null) {
            in.removeHeader(header);
        } else {
            in.setHeader(header, value);
        }
    }

    /** The body's bytes; other bodies as Camel converts them to text, which the parser then judges. */
    private static byte[] payload(Message in) {
        Object body = in.getBody();
        if (body == null || body instanceof byte[]) {
            return (byte[]) body;
        }
        String text = body instanceof String s ? s : in.getBody(String.class);
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
