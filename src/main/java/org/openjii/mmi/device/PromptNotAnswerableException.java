package org.openjii.mmi.device;

/** The protocol asks the operator a question (alert, prompt, confirm) that no configured answer covers. */
public class PromptNotAnswerableException extends MultispeqException {

    public static final String REASON = "prompt-unanswered";

    public PromptNotAnswerableException(String message, byte[] rawBytes) {
        super(REASON, message, rawBytes);
    }

    public PromptNotAnswerableException(String message, byte[] rawBytes, Throwable cause) {
        super(REASON, message, rawBytes, cause);
    }
}
