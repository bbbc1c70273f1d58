package org.openjii.mmi.topic;

import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.message.ReasonCoded;

/**
 * A topic cannot be built: a placeholder has no value, a value would add a level or a wildcard ({@code /}, {@code +},
 * {@code #}), start a reserved {@code $} topic, or the topic would exceed AWS IoT Core's 256 bytes. Refusing is the
 * point: a device id such as {@code a/b/#} must never reach a topic.
 */
public class InvalidTopicException extends Exception implements ReasonCoded {

    private final String segment;
    private final String value;

    public InvalidTopicException(String segment, String value, String message) {
        super(message);
        this.segment = segment;
        this.value = value;
    }

    @Override
    public FailureReason reason() {
        return FailureReason.INVALID_TOPIC;
    }

    /** The placeholder (or {@code topic} for the whole topic) that failed. */
    public String segment() {
        return segment;
    }

    /** The offending value as given, possibly {@code null}. */
    public String value() {
        return value;
    }
}
