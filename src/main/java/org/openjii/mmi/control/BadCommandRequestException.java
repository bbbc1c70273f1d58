package org.openjii.mmi.control;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;

/**
 * A request that cannot be understood: not JSON, not an object, an unknown field, two kinds at once, a value of the
 * wrong type or shape, an unusable response topic. The sender has to fix it, so it is answered with
 * {@code bad-request} and dead-lettered; the message says what is wrong in one sentence.
 */
public class BadCommandRequestException extends Exception implements ReasonCoded {

    public static final FailureReason REASON = FailureReason.BAD_REQUEST;

    public BadCommandRequestException(String message) {
        super(message);
    }

    public BadCommandRequestException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public FailureReason reason() {
        return REASON;
    }
}
