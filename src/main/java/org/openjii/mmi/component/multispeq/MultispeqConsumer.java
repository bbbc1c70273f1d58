package org.openjii.mmi.component.multispeq;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckRepository;
import org.apache.camel.support.DefaultConsumer;
import org.openjii.mmi.device.DeviceAbsentException;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceReply;
import org.openjii.mmi.device.DeviceRequest;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.DeviceStream;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.device.PromptNotAnswerableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs the endpoint's protocol (or console command) every {@code interval} and sends each reply down the route, one
 * exchange per measurement; continuous commands give one exchange per frame. A reply that is corrupt, cut off, late
 * or an error becomes a <em>failed</em> exchange whose body holds the raw bytes and whose
 * {@link MultispeqConstants#ERROR_REASON} header says why, so the route's error handler can dead-letter it. Nothing
 * that goes wrong with the device stops the consumer: it waits for the device to come back.
 */
public class MultispeqConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(MultispeqConsumer.class);
    private static final Duration READY_POLL = Duration.ofMillis(500);
    private static final Duration STREAM_POLL = Duration.ofMillis(200);

    private final MultispeqEndpoint endpoint;
    private final Object wakeUp = new Object();
    private DeviceRequest request;
    private DeviceSession session;
    private MultispeqHealthCheck instrumentCheck;
    private ExecutorService executor;
    private volatile boolean running;

    public MultispeqConsumer(MultispeqEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    public MultispeqEndpoint getEndpoint() {
        return endpoint;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        MultispeqConfiguration c = endpoint.getConfiguration();
        String prefix = "multispeq:" + endpoint.getName() + ": ";
        boolean hasProtocol = c.getProtocol() != null && !c.getProtocol().isBlank();
        boolean hasCommand = c.getCommand() != null && !c.getCommand().isBlank();
        if (hasProtocol == hasCommand) {
            throw new IllegalArgumentException(prefix + "a consumer needs exactly one of the options protocol (a"
                    + " measurement) or command (a console command)");
        }
        try {
            if (hasProtocol) {
                endpoint.commandPolicy().checkProtocol(endpoint.protocol());
                endpoint.promptAnswers().checkCovers(endpoint.protocol());
            } else {
                endpoint.commandPolicy().checkCommand(c.getCommand());
            }
        } catch (MultispeqException e) {
            throw new IllegalArgumentException(prefix + e.getMessage(), e);
        }
        request = endpoint.consumerRequest();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        session = endpoint.acquireSession();
        // The instrument's check, registered on its own rather than as the consumer's (HealthCheckAware): Camel's
        // consumer check would carry it into readiness, and a missing instrument is not a readiness failure.
        HealthCheckRegistry registry = HealthCheckRegistry.get(endpoint.getCamelContext());
        if (registry != null && HealthCheckHelper.getHealthCheckRepository(endpoint.getCamelContext(), "consumers",
                HealthCheckRepository.class) != null) {
            instrumentCheck = new MultispeqHealthCheck("device:" + endpoint.getName(), endpoint, session,
                    getRouteId());
            instrumentCheck.setEnabled(endpoint.getComponent().isHealthCheckConsumerEnabled());
            registry.register(instrumentCheck);
        }
        running = true;
        executor = endpoint.getCamelContext()
                .getExecutorServiceManager()
                .newSingleThreadExecutor(this,
                        "MultispeqConsumer[" + endpoint.getName() + "]");
        executor.execute(this::run);
    }

    @Override
    protected void doStop() throws Exception {
        if (instrumentCheck != null) {
            HealthCheckRegistry.get(endpoint.getCamelContext()).unregister(instrumentCheck);
            instrumentCheck = null;
        }
        running = false;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
        DeviceSession s = session;
        if (s != null && request.expect() != DeviceRequest.Expect.STREAM) {
            // Stop our own run on the device; a stream is closed (with -1+) by the consumer thread itself.
            s.cancel(request);
        }
        if (executor != null) {
            endpoint.getCamelContext()
                    .getExecutorServiceManager()
                    .shutdownGraceful(executor,
                            TimeUnit.SECONDS.toMillis(10));
            executor = null;
        }
        if (s != null) {
            endpoint.releaseSession(s);
            session = null;
        }
        super.doStop();
    }

    private void run() {
        // Every log line of this device's measuring thread names the device (MDC; the JSON log layout shows it).
        MDC.put(MultispeqConstants.MDC_DEVICE, endpoint.getName());
        try {
            measure();
        } finally {
            MDC.remove(MultispeqConstants.MDC_DEVICE);
            MDC.remove(MultispeqConstants.MDC_DEVICE_ID);
        }
    }

    private void measure() {
        long interval = endpoint.getConfiguration().getInterval();
        long nextRun = System.nanoTime();
        boolean measured = false;
        while (running && isRunAllowed()) {
            try {
                if (!session.awaitReady(READY_POLL)) {
                    continue;
                }
                DeviceInfo info = session.deviceInfo();
                if (info != null && info.id() != null) {
                    MDC.put(MultispeqConstants.MDC_DEVICE_ID, info.id());
                }
                if (request.expect() == DeviceRequest.Expect.STREAM) {
                    runStream();
                    continue;
                }
                if (measured && interval == 0) {
                    waitUntil(System.nanoTime() + TimeUnit.HOURS.toNanos(1));
                    continue;
                }
                waitUntil(nextRun);
                if (!running) {
                    break;
                }
                nextRun = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(interval);
                measured |= measureOnce();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                getExceptionHandler().handleException("The MultispeQ consumer " + endpoint.getName()
                        + " failed unexpectedly; it carries on",
                        e);
                nextRun = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            }
        }
        LOG.debug("multispeq:{} consumer loop ended", endpoint.getName());
    }

    /** One run; returns whether it produced an exchange. */
    private boolean measureOnce() {
        try {
            DeviceReply reply = session.execute(request);
            deliver(reply, 0L);
            return true;
        } catch (DeviceAbsentException e) {
            if (e.rawBytes().length > 0) {
                deliverFailure(e);
                return true;
            }
            LOG.warn("multispeq:{}: {}", endpoint.getName(), e.getMessage());
            return false;
        } catch (PromptNotAnswerableException e) {
            deliverFailure(e);
            return true;
        } catch (MultispeqException e) {
            if (!running) {
                LOG.debug("multispeq:{}: run ended by stop ({})", endpoint.getName(), e.getMessage());
                return false;
            }
            deliverFailure(e);
            return true;
        }
    }

    private void runStream() throws InterruptedException {
        DeviceStream stream;
        try {
            stream = session.openStream(request);
        } catch (MultispeqException e) {
            LOG.warn("multispeq:{}: cannot start {}: {}", endpoint.getName(), request.describe(), e.getMessage());
            waitUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
            return;
        }
        long index = 0;
        try {
            while (running && stream.isOpen()) {
                try {
                    DeviceReply reply = stream.next(STREAM_POLL);
                    if (reply != null) {
                        deliver(reply, index++);
                    }
                } catch (DeviceAbsentException e) {
                    LOG.warn("multispeq:{}: {}", endpoint.getName(), e.getMessage());
                    if (e.rawBytes().length > 0) {
                        deliverFailure(e);
                    }
                    return;
                } catch (MultispeqException e) {
                    index++;
                    deliverFailure(e);
                }
            }
        } finally {
            stream.close();
        }
    }

    private void deliver(DeviceReply reply, long index) {
        Exchange exchange = createExchange(false);
        try {
            Message in = exchange.getIn();
            in.setBody(reply.text());
            MultispeqMessages.setReplyHeaders(in, endpoint, session, reply);
            if (request.expect() == DeviceRequest.Expect.STREAM) {
                in.setHeader(MultispeqConstants.FRAME_INDEX, index);
            }
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        } finally {
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("Error processing a MultispeQ reply", exchange,
                        exchange.getException());
            }
            releaseExchange(exchange, false);
        }
    }

    /**
     * Sends a failure down the route as a failed exchange (like Camel's bridged error handler): the route's error
     * handler decides (dead letter, log); without one, the consumer's exception handler logs it.
     */
    private void deliverFailure(MultispeqException failure) {
        // The route's error handler reports it (or the exception handler below when the route does not handle it).
        LOG.debug("multispeq:{}: {} ({}, {} raw bytes)", endpoint.getName(), failure.getMessage(), failure.reason(),
                failure.rawBytes().length);
        Exchange exchange = createExchange(false);
        try {
            Message in = exchange.getIn();
            in.setBody(failure.rawBytes());
            MultispeqMessages.setFailureHeaders(in, endpoint, session, failure);
            exchange.setException(failure);
            exchange.setProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, failure);
            exchange.getExchangeExtension().setRedeliveryExhausted(true);
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        } finally {
            if (exchange.getException() != null && !exchange.isRollbackOnly()) {
                getExceptionHandler().handleException("A MultispeQ failure was not handled by the route", exchange,
                        exchange.getException());
            }
            releaseExchange(exchange, false);
        }
    }

    private void waitUntil(long deadlineNanos) throws InterruptedException {
        synchronized (wakeUp) {
            while (running) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(wakeUp, Math.min(remaining, TimeUnit.SECONDS.toNanos(60)));
            }
        }
    }
}
