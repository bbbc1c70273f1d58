package org.openjii.mmi.control;

import java.util.List;
import java.util.Objects;

import org.openjii.mmi.component.multispeq.MultispeqProducer;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.PromptAnswers;

import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * One well-formed request to the bridge, as {@link CommandRequests#parse} reads it from the command topic
 * ({@code schemas/mmi-command-request.schema.json}). Well-formed is not yet allowed: {@link #checkAllowed} applies
 * what the device may be asked ({@link CommandPolicy}, the answers a protocol needs).
 */
public sealed interface CommandRequest {

    /** What is asked, as the request names it; {@link #label()} is the value of {@value CommandHeaders#KIND}. */
    enum Kind {

        COMMAND("command"),
        PROTOCOL("protocol"),
        CANCEL("cancel"),
        STATUS("status");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    Kind kind();

    /** The device the request names (a device name or device id), or {@code null}: the only one attached. */
    String device();

    /**
     * Refuses what the device must not be asked, before the request waits in the queue: an operator learns at
     * once, not after the measurement in progress.
     *
     * @param acknowledgeAlerts whether the device route acknowledges protocol alerts without an answer
     * @throws MultispeqException ({@code denied}) for a console command or protocol the policy does not allow
     * @throws org.openjii.mmi.device.PromptNotAnswerableException ({@code prompt-unanswered}) for a protocol that
     *     asks more questions than the request answers
     */
    void checkAllowed(CommandPolicy policy, boolean acknowledgeAlerts) throws MultispeqException;

    /**
     * What to send to the device: the value for the {@code multispeq:} producer's {@code CamelMultispeqCommand}
     * header, or {@code null} when the request does not go to the device ({@link StatusQuery}).
     */
    String deviceText();

    /**
     * A console command, e.g. {@code battery} or {@code indicate+255+0+0+}.
     *
     * @param command the command without surrounding white space
     */
    record ConsoleCommand(String command, String device) implements CommandRequest {

        public ConsoleCommand {
            Objects.requireNonNull(command, "command");
        }

        @Override
        public Kind kind() {
            return Kind.COMMAND;
        }

        @Override
        public void checkAllowed(CommandPolicy policy, boolean acknowledgeAlerts) throws MultispeqException {
            policy.checkCommand(command);
        }

        @Override
        public String deviceText() {
            return command;
        }
    }

    /**
     * A measurement to run now; its output goes through the ingest pipeline.
     *
     * @param experimentId the openJII experiment, or {@code null} for the configured one
     * @param protocolId the platform protocol id, or {@code null} for the configured one
     * @param answers the answers to the protocol's questions, in order (possibly empty)
     * @param questions the {@code questions} to record with the data, or {@code null}; a copy, as JSON trees are
     *     mutable
     */
    record ProtocolRun(MeasurementProtocol protocol, String experimentId, String protocolId, List<String> answers,
            ArrayNode questions, String device) implements CommandRequest {

        public ProtocolRun {
            Objects.requireNonNull(protocol, "protocol");
            answers = List.copyOf(answers);
            questions = questions == null ? null : questions.deepCopy();
        }

        @Override
        public ArrayNode questions() {
            return questions == null ? null : questions.deepCopy();
        }

        @Override
        public Kind kind() {
            return Kind.PROTOCOL;
        }

        /** The answers as the device session uses them. */
        public PromptAnswers promptAnswers(boolean acknowledgeAlerts) {
            return new PromptAnswers(answers, acknowledgeAlerts);
        }

        @Override
        public void checkAllowed(CommandPolicy policy, boolean acknowledgeAlerts) throws MultispeqException {
            policy.checkProtocol(protocol);
            promptAnswers(acknowledgeAlerts).checkCovers(protocol);
        }

        @Override
        public String deviceText() {
            return protocol.compact();
        }
    }

    /** Stop what runs on the device now. */
    record Cancel(String device) implements CommandRequest {

        @Override
        public Kind kind() {
            return Kind.CANCEL;
        }

        /** Cancelling is always allowed: it only ever stops the device. */
        @Override
        public void checkAllowed(CommandPolicy policy, boolean acknowledgeAlerts) {
        }

        @Override
        public String deviceText() {
            return MultispeqProducer.CANCEL;
        }
    }

    /** The bridge's status; answered by the bridge, the device is not asked. */
    record StatusQuery(String device) implements CommandRequest {

        @Override
        public Kind kind() {
            return Kind.STATUS;
        }

        @Override
        public void checkAllowed(CommandPolicy policy, boolean acknowledgeAlerts) {
        }

        @Override
        public String deviceText() {
            return null;
        }
    }
}
