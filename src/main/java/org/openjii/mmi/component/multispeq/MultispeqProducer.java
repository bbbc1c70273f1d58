package org.openjii.mmi.component.multispeq;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.health.WritableHealthCheckRepository;
import org.apache.camel.support.DefaultProducer;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceRequest;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.DeviceStream;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.MultispeqTimeoutException;
import org.openjii.mmi.device.PromptAnswers;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Sends the message body to the device and replaces it with the reply. The body is a console command
 * ({@code battery}) or a measurement protocol (JSON text, or a List/Map); an empty body runs the endpoint's
 * {@code protocol}. JSON replies come back parsed (or as text with {@code parseJson=false}), checksum verified.
 * A body of {@code -1+} cancels whatever runs on the device (the reply body is {@code true} when something was
 * cancelled). Failures fail the exchange with a typed {@link MultispeqException} (timeout, crc-mismatch,
 * device-absent, bad-command, prompt-unanswered, denied, ...) that carries the raw bytes; the body is kept for
 * redelivery.
 */
public class MultispeqProducer extends DefaultProducer {

    /**
     * The firmware's cancel command; as a body or {@value MultispeqConstants#COMMAND} header it is sent at once, not
     * queued behind the command in flight.
     */
    public static final String CANCEL = "-1+";
    private static final Duration FIRST_CONNECT_WAIT = Duration.ofSeconds(10);

    private final MultispeqEndpoint endpoint;
    private CommandPolicy policy;
    private DeviceSession session;
    private MultispeqHealthCheck healthCheck;
    private WritableHealthCheckRepository healthRepository;

    public MultispeqProducer(MultispeqEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
    }

    @Override
    public MultispeqEndpoint getEndpoint() {
        return endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        policy = endpoint.commandPolicy();
        session = endpoint.acquireSession();
        healthRepository = HealthCheckHelper.getHealthCheckRepository(endpoint.getCamelContext(), "producers",
                WritableHealthCheckRepository.class);
        if (healthRepository != null) {
            healthCheck = new MultispeqHealthCheck("producer:multispeq-" + endpoint.getName(), endpoint, session, null);
            healthCheck.setEnabled(endpoint.getComponent().isHealthCheckProducerEnabled());
            healthRepository.addHealthCheck(healthCheck);
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (healthRepository != null && healthCheck != null) {
            healthRepository.removeHealthCheck(healthCheck);
            healthCheck = null;
        }
        if (session != null) {
            endpoint.releaseSession(session);
            session = null;
        }
        super.doStop();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        if (isCancel(in)) {
            // Cancel bypasses the command queue: it must reach the device while a run holds it.
            exchange.getMessage().setBody(session.cancel());
            return;
        }
        try {
            DeviceRequest request = toRequest(in);
            if (session.state() == DeviceSession.State.CONNECTING) {
                // Just started: give the handshake a moment instead of failing with device-absent.
                session.awaitReady(FIRST_CONNECT_WAIT);
            }
            DeviceReply reply = request.expect() == DeviceRequest.Expect.STREAM ? firstFrame(request)
                    : session.execute(request);
            Message out = exchange.getMessage();
            if (reply.isJson() && endpoint.getConfiguration().isParseJson()) {
                out.setBody(DeviceJson.mapper().convertValue(reply.json(), Object.class));
            } else {
                out.setBody(reply.text());
            }
            MultispeqMessages.setReplyHeaders(out, endpoint, session, reply);
        } catch (MultispeqException e) {
            MultispeqMessages.setFailureHeaders(in, endpoint, session, e);
            exchange.setException(e);
        }
    }

    private static boolean isCancel(Message in) {
        Object command = in.getHeader(MultispeqConstants.COMMAND);
        if (command == null) {
            command = in.getBody();
        }
        return command instanceof String s && CANCEL.equals(s.strip());
    }

    private DeviceRequest toRequest(Message in) throws MultispeqException {
        Object body = in.getHeader(MultispeqConstants.COMMAND);
        if (body == null) {
            body = in.getBody();
        }
        Duration timeout = in.getHeader(MultispeqConstants.TIMEOUT, Duration.class);
        if (timeout == null) {
            timeout = endpoint.timeout();
        }
        String text;
        if (body instanceof Collection<?> || body instanceof Map<?, ?>) {
            try {
                text = DeviceJson.mapper().writeValueAsString(body);
            } catch (JsonProcessingException e) {
                throw new MultispeqException(FailureReason.INVALID_PROTOCOL,
                        "The protocol in the body cannot be written as JSON: "
                                + e.getOriginalMessage(),
                        null);
            }
        } else {
            text = body == null ? ""
                    : in.getExchange()
                            .getContext()
                            .getTypeConverter()
                            .convertTo(String.class,
                                    body);
        }
        text = text == null ? "" : text.strip();
        if (text.isEmpty()) {
            MeasurementProtocol protocol = endpoint.protocol();
            if (protocol == null) {
                throw new MultispeqException(FailureReason.INVALID_PROTOCOL,
                        "Empty body and no protocol configured on multispeq:"
                                + endpoint.getName(),
                        null);
            }
            return measurement(protocol, answers(in), timeout);
        }
        if (text.startsWith("[") || text.startsWith("{")) {
            MeasurementProtocol protocol;
            try {
                protocol = MeasurementProtocol.parse(text);
            } catch (IllegalArgumentException e) {
                throw new MultispeqException(FailureReason.INVALID_PROTOCOL, e.getMessage(), null, e);
            }
            return measurement(protocol, answers(in), timeout);
        }
        return DeviceRequest.command(policy.checkCommand(text), timeout);
    }

    /** The message's answers ({@value MultispeqConstants#ANSWERS}), else the endpoint's. */
    private PromptAnswers answers(Message in) {
        List<?> answers = in.getHeader(MultispeqConstants.ANSWERS, List.class);
        if (answers == null) {
            return endpoint.promptAnswers();
        }
        return new PromptAnswers(answers.stream().map(String::valueOf).toList(),
                endpoint.getConfiguration().isAcknowledgeAlerts());
    }

    private DeviceRequest measurement(MeasurementProtocol protocol, PromptAnswers answers, Duration timeout)
            throws MultispeqException {
        policy.checkProtocol(protocol);
        answers.checkCovers(protocol);
        return DeviceRequest.measurement(protocol, answers, timeout);
    }

    /** A continuous command sent by a producer: the first frame is the reply, then the command is stopped. */
    private DeviceReply firstFrame(DeviceRequest request) throws MultispeqException {
        Duration timeout = request.timeout();
        try (DeviceStream stream = session.openStream(request)) {
            DeviceReply reply = stream.next(timeout);
            if (reply == null) {
                throw new MultispeqTimeoutException("No frame from " + request.describe() + " within "
                        + timeout.toMillis() + " ms",
                        null);
            }
            return reply;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MultispeqTimeoutException("Interrupted while waiting for " + request.describe(), null, e);
        }
    }
}
