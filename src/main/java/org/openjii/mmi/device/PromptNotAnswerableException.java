package org.openjii.mmi.device;

import org.openjii.mmi.message.FailureReason;

/**
 * The protocol asks the operator a question (alert, prompt, confirm) that no configured answer covers. Its own type
 * because the measuring loop files the run's output as a dead letter and goes on measuring.
 */
public class PromptNotAnswerableException extends MultispeqException {

    public PromptNotAnswerableException(String message, byte[] rawBytes) {
        super(FailureReason.PROMPT_UNANSWERED, message, rawBytes);
    }

    public PromptNotAnswerableException(String message, byte[] rawBytes, Throwable cause) {
        super(FailureReason.PROMPT_UNANSWERED, message, rawBytes, cause);
    }
}
