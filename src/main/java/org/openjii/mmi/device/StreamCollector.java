package org.openjii.mmi.device;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queues the frames of a continuous command for the thread that reads the {@link DeviceStream}. A failure ends the
 * stream: the queue is cleared and the failure is the last item.
 */
final class StreamCollector extends ReplyCollector {

    static final int QUEUE_CAPACITY = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSession.class);

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private long dropped;

    StreamCollector(DeviceRequest request, SessionIo io, Duration quietPeriod) {
        super(request, io, quietPeriod);
    }

    @Override
    synchronized void onFrame(Frame frame) {
        offer(frame);
    }

    @Override
    synchronized void frameTooLarge(MultispeqException e) {
        offer(e);
    }

    @Override
    synchronized void fail(MultispeqException e) {
        if (!done) {
            done = true;
            failure = e;
            queue.clear();
            offer(e);
        }
    }

    private void offer(Object item) {
        if (!queue.offer(item)) {
            dropped++;
            LOG.warn("{}: stream consumer too slow, {} frames dropped so far (queue of {} full)", io.name(), dropped,
                    QUEUE_CAPACITY);
        }
    }

    /** The next frame, or the {@link MultispeqException} that ended the stream; {@code null} after the timeout. */
    Object poll(Duration timeout) throws InterruptedException {
        return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    synchronized boolean ended() {
        return done;
    }

    DeviceRequest request() {
        return request;
    }

    Instant sentAt() {
        return sentAt;
    }
}
