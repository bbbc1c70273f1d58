package org.openjii.mmi.openjii;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.PromptAnswers;
import org.openjii.mmi.ingest.IngestHeaders;
import org.openjii.mmi.support.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The onboarding plan as route steps (routes/openjii.camel.yaml): per experiment, its procedures in order. A
 * {@code protocol} runs its {@code code} (or the Thing's script update, {@link ScriptUpdates}) as one compact line and
 * its reply goes to the ingest route with the experiment's topic prefix, {@code protocol_id}, the plan's questions and
 * one {@code workbook_run_id} per experiment and run; a {@code command} is sent as it is; a {@code question} goes with
 * every measurement of its experiment. A command or protocol that the command policy refuses
 * ({@code mmi.commands.allow}: anything that writes, reboots or saves) or that asks questions nobody can answer is
 * skipped, logged once with the way to allow it.
 */
public final class OpenJiiPlan {

    /** The registry name the YAML route calls. */
    public static final String BEAN_NAME = "openJiiPlan";
    /** Header: {@code protocol} or {@code command}, what the step sent to the instrument. */
    public static final String PROCEDURE = "MmiOpenJiiProcedure";

    private static final Logger LOG = LoggerFactory.getLogger(OpenJiiPlan.class);

    /** One step of a run: what to send, and where its result goes. */
    public record Step(String procedure, String thingName, String experimentId, String topicPrefix, String protocolId,
            String workbookRunId, JsonNode questions, String text) {
    }

    private final OpenJiiFleet fleet;
    private final ScriptUpdates scripts;
    private final Duration interval;
    private final CommandPolicy policy;
    private final PromptAnswers answers;
    private final Set<String> reported = new HashSet<>();

    OpenJiiPlan(OpenJiiFleet fleet, ScriptUpdates scripts, Duration interval, CommandPolicy policy,
            PromptAnswers answers) {
        this.fleet = fleet;
        this.scripts = scripts;
        this.interval = interval;
        this.policy = policy;
        this.answers = answers;
    }

    /** The steps of the run due now for the instrument at {@code port}; empty when none is due. */
    public List<Step> due(String port) {
        OpenJiiFleet.Pass pass = fleet.startPassIfDue(port, interval);
        if (pass == null) {
            return List.of();
        }
        List<Step> steps = new ArrayList<>();
        for (OnboardingConfig.Experiment experiment : pass.config().experiments()) {
            String runId = UUID.randomUUID().toString();
            JsonNode questions = questions(experiment);
            boolean measures = false;
            for (OnboardingConfig.Procedure procedure : experiment.procedures()) {
                Step step = null;
                if (procedure instanceof OnboardingConfig.Protocol protocol) {
                    step = protocolStep(pass.thingName(), experiment, protocol, runId, questions);
                } else if (procedure instanceof OnboardingConfig.Command command) {
                    step = commandStep(pass.thingName(), experiment, command);
                }
                if (step != null) {
                    steps.add(step);
                    measures |= "protocol".equals(step.procedure());
                }
            }
            if (!measures) {
                reportOnce(pass.thingName() + " empty " + experiment.experimentId(), "openJII: experiment "
                        + experiment.experimentId() + " of " + pass.thingName() + " has no protocol to run (onboarded"
                        + " without its workbook, or every protocol was refused)");
            }
        }
        return steps;
    }

    /** Sets the step's headers and puts what to send in the body, for the {@code multispeq:} producer. */
    public void prepare(Exchange exchange) throws InvalidPayloadException {
        Message message = exchange.getMessage();
        Step step = message.getMandatoryBody(Step.class);
        message.setBody(step.text());
        message.setHeader(PROCEDURE, step.procedure());
        message.setHeader(IotConstants.IDENTITY, step.thingName());
        if ("protocol".equals(step.procedure())) {
            message.setHeader(IngestHeaders.EXPERIMENT_ID, step.experimentId());
            message.setHeader(IngestHeaders.TOPIC_PREFIX, step.topicPrefix());
            message.setHeader(IngestHeaders.PROTOCOL_ID, step.protocolId());
            message.setHeader(IngestHeaders.WORKBOOK_RUN_ID, step.workbookRunId());
            if (step.questions() != null) {
                message.setHeader(IngestHeaders.QUESTIONS, step.questions());
            }
        }
    }

    private Step protocolStep(String thing, OnboardingConfig.Experiment experiment,
            OnboardingConfig.Protocol procedure, String runId, JsonNode questions) {
        String script = scripts.protocolFor(thing);
        String text;
        try {
            text = runnableProtocol(script != null ? script : DeviceJson.write(procedure.code()), policy, answers);
        } catch (MultispeqException | IllegalArgumentException e) {
            reportOnce(thing + " protocol " + procedure.protocolId() + e.getMessage(), "openJII: " + thing
                    + ", experiment " + experiment.experimentId() + ": protocol " + procedure.protocolId()
                    + (script != null ? " (as replaced by a script update)" : "") + " is not run: " + e.getMessage());
            return null;
        }
        return new Step("protocol", thing, experiment.experimentId(), experiment.topicPrefix(), procedure.protocolId(),
                runId, questions, text);
    }

    /**
     * The protocol as the instrument gets it (one compact line), if the command policy lets it run and every question
     * it asks can be answered.
     *
     * @throws MultispeqException why it is not run: the policy refuses it, or it asks what nobody answers
     * @throws IllegalArgumentException it is no MultispeQ protocol
     */
    public static String runnableProtocol(String code, CommandPolicy policy, PromptAnswers answers)
            throws MultispeqException {
        MeasurementProtocol protocol = MeasurementProtocol.parse(code);
        policy.checkProtocol(protocol);
        answers.checkCovers(protocol);
        return protocol.compact();
    }

    private Step commandStep(String thing, OnboardingConfig.Experiment experiment, OnboardingConfig.Command command) {
        try {
            return new Step("command", thing, experiment.experimentId(), experiment.topicPrefix(), null, null, null,
                    policy.checkCommand(command.content()));
        } catch (MultispeqException e) {
            reportOnce(thing + " command " + command.content(), "openJII: " + thing + ", experiment "
                    + experiment.experimentId() + ": command '" + command.content() + "' is not sent: "
                    + e.getMessage() + " (allow it by name with mmi.commands.allow)");
            return null;
        }
    }

    /**
     * The answered questions in openJII's {@code questions} shape: {@code question_label} (the column key),
     * {@code question_text}, {@code question_answer} as text (a list of answers as its JSON text); null when none is
     * answered.
     */
    static JsonNode questions(OnboardingConfig.Experiment experiment) {
        ArrayNode array = DeviceJson.mapper().createArrayNode();
        for (OnboardingConfig.Question question : experiment.questions()) {
            JsonNode answer = question.answer();
            if (answer == null || answer.isNull()) {
                continue;
            }
            ObjectNode entry = array.addObject();
            entry.put("question_label", question.name());
            entry.put("question_text", question.text());
            entry.put("question_answer", answer.isTextual() ? answer.asText() : DeviceJson.write(answer));
        }
        return array.isEmpty() ? null : array;
    }

    private void reportOnce(String key, String message) {
        synchronized (reported) {
            if (!reported.add(key)) {
                return;
            }
        }
        LOG.warn(message);
    }
}
