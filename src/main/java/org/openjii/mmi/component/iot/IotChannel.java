package org.openjii.mmi.component.iot;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

import org.openjii.mmi.delivery.OutboxEntry;

/**
 * What an {@code iot:} endpoint carries, the path of its URI. Producers store {@link #DATA}, {@link #DEAD_LETTER}
 * and {@link #RESPONSE} messages in the outbox; the kind decides what happens when the broker refuses one (a data
 * message is replaced by its dead letter; a dead letter or response is only kept in the quarantine). A consumer
 * subscribes to {@link #COMMAND}.
 */
public enum IotChannel {

    DATA(OutboxEntry.Kind.DATA),
    DEAD_LETTER(OutboxEntry.Kind.DEAD_LETTER),
    RESPONSE(OutboxEntry.Kind.RESPONSE),
    COMMAND(null);

    private final OutboxEntry.Kind kind;

    IotChannel(OutboxEntry.Kind kind) {
        this.kind = kind;
    }

    /** As in a URI: {@code data}, {@code dead-letter}, {@code response}, {@code command}. */
    public String uriName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The outbox kind of a produced message; {@code null} for a channel that is only consumed. */
    OutboxEntry.Kind outboxKind() {
        return kind;
    }

    boolean producible() {
        return kind != null;
    }

    static IotChannel parse(String text) {
        for (IotChannel channel : values()) {
            if (channel.uriName().equals(text)) {
                return channel;
            }
        }
        throw new IllegalArgumentException("iot:" + text + " names no channel; use one of "
                + Arrays.stream(values()).map(IotChannel::uriName).collect(Collectors.joining(", ")));
    }
}
