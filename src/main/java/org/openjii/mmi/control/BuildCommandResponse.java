package org.openjii.mmi.control;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.ingest.ParseMeasurement;
import org.openjii.mmi.ingest.SerializePayload;

/**
 * Last step of the command route, for successes and failures alike: the body becomes the {@link CommandResponse}, a
 * JSON tree; the route's {@code marshal: json} step (camel-jackson) makes the text.
 * <ul>
 * <li>A failed exchange (the exception in {@code Exchange.EXCEPTION_CAUGHT}, as an error handler or
 * {@code doCatch} leaves it, or still on the exchange) gives an error response with the failure's code; the header
 * {@value CommandHeaders#ERROR_CODE} is set to it.</li>
 * <li>Otherwise the body is the result (the device's reply, the outcome of a cancel, the status), with
 * {@code duration_ms} since {@value CommandHeaders#RECEIVED_AT} (else since the exchange was created) and
 * {@code message_ids} from {@value CommandHeaders#MESSAGE_IDS} when the route collected them.</li>
 * </ul>
 * Publishing the response (topic, correlation data) is the next step's business.
 */
public class BuildCommandResponse implements Processor {

    private Clock clock = Clock.systemUTC();

    public Clock getClock() {
        return clock;
    }

    /** Where "now" comes from for {@code duration_ms} (tests set it). */
    public void setClock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void process(Exchange exchange) {
        Message in = exchange.getMessage();
        Throwable failure = DeadLetterEnvelope.failure(exchange);
        CommandResponse response = failure != null ? CommandResponse.failure(failure)
                : CommandResponse.ok(in.getBody(), duration(exchange, in), messageIds(in));
        in.setBody(response.json());
        in.setHeader(Exchange.CONTENT_TYPE, SerializePayload.CONTENT_TYPE);
        if (response.ok()) {
            in.removeHeader(CommandHeaders.ERROR_CODE);
        } else {
            in.setHeader(CommandHeaders.ERROR_CODE, response.errorCode());
        }
    }

    private Duration duration(Exchange exchange, Message in) {
        Instant receivedAt = ParseMeasurement.instant(in.getHeader(CommandHeaders.RECEIVED_AT));
        if (receivedAt == null) {
            receivedAt = Instant.ofEpochMilli(exchange.getClock().getCreated());
        }
        return Duration.between(receivedAt, clock.instant());
    }

    /**
     * The collected ids: a collection of ids, or one id, from {@value CommandHeaders#MESSAGE_IDS}, else from the
     * exchange property the publish route collects them in; {@code null} when the route collected none.
     */
    private static List<String> messageIds(Message in) {
        Object ids = in.getHeader(CommandHeaders.MESSAGE_IDS);
        if (ids == null) {
            ids = in.getExchange().getProperty(IotConstants.COLLECTED_MESSAGE_IDS);
        }
        if (ids instanceof Collection<?> collection) {
            return collection.stream().map(String::valueOf).toList();
        }
        return ids == null ? null : List.of(ids.toString());
    }
}
