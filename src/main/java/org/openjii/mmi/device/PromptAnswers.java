package org.openjii.mmi.device;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers for the questions an interactive protocol asks ({@code alert}, {@code prompt}, {@code confirm}), used in
 * order. A headless bridge cannot wait for a person: a protocol with more questions than answers is rejected before
 * it is sent, and a run that asks more than expected (repeats) is cancelled, never left hanging.
 */
public final class PromptAnswers {

    private final List<String> answers;
    private final boolean acknowledgeAlerts;
    private int used;

    /**
     * @param answers the answers, in order (without the trailing {@code +}); for a {@code confirm},
     *     {@code -1} means OK and {@code 1} cancels the rest
     * @param acknowledgeAlerts whether {@code alert}s are acknowledged automatically (they take no answer of their
     *     own, only a {@code +})
     */
    public PromptAnswers(List<String> answers, boolean acknowledgeAlerts) {
        this.answers = List.copyOf(answers);
        this.acknowledgeAlerts = acknowledgeAlerts;
    }

    public static PromptAnswers none() {
        return new PromptAnswers(List.of(), false);
    }

    /** A fresh copy for one run (answers are consumed as prompts arrive). */
    public PromptAnswers forRun() {
        return new PromptAnswers(answers, acknowledgeAlerts);
    }

    /**
     * Rejects a protocol whose questions are not all covered.
     *
     * @throws PromptNotAnswerableException naming the first question without an answer
     */
    public void checkCovers(MeasurementProtocol protocol) throws PromptNotAnswerableException {
        int available = answers.size();
        List<String> unanswered = new ArrayList<>();
        for (MeasurementProtocol.InteractiveStep step : protocol.interactiveSteps()) {
            if (acknowledgeAlerts && "alert".equals(step.type())) {
                continue;
            }
            if (available > 0) {
                available--;
            } else {
                unanswered.add(step.type() + " \"" + step.text() + "\"");
            }
        }
        if (!unanswered.isEmpty()) {
            throw new PromptNotAnswerableException("The protocol asks " + unanswered.size()
                    + " question(s) no configured answer covers: " + unanswered
                    + ". Configure answers (and acknowledgeAlerts for alerts), or"
                    + " remove the questions from the protocol.",
                    null);
        }
    }

    /** The next answer for a question of {@code type}, or {@code null} when none is left. */
    public synchronized String next(String type) {
        if (acknowledgeAlerts && "alert".equals(type)) {
            return "";
        }
        if (used >= answers.size()) {
            return null;
        }
        return answers.get(used++);
    }
}
