package org.openjii.mmi.device;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An executor whose tasks run only when the test says so, on the test's thread; scheduled tasks keep their delay for
 * assertions instead of waiting it.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    /** A task and the delay it was scheduled with (0 for one submitted to run now). */
    record Task(FutureTask<?> future, long delayMillis) {
    }

    private final Deque<Task> queue = new ArrayDeque<>();
    private final List<Long> delays = new ArrayList<>();
    private boolean shutdown;

    /** Runs the oldest waiting task; false when none waits. */
    boolean runNext() {
        Task task;
        synchronized (this) {
            task = queue.poll();
        }
        if (task == null) {
            return false;
        }
        task.future().run();
        return true;
    }

    synchronized int waiting() {
        return (int) queue.stream().filter(task -> !task.future().isCancelled()).count();
    }

    /** The delay of every task scheduled with one, in order (submitted tasks not included). */
    synchronized List<Long> delays() {
        return List.copyOf(delays);
    }

    @Override
    public void execute(Runnable command) {
        enqueue(new FutureTask<Void>(command, null), 0);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Scheduled<Object> task = new Scheduled<>(Executors.callable(command), unit.toMillis(delay));
        synchronized (this) {
            delays.add(task.delayMillis);
        }
        enqueue(task, task.delayMillis);
        return task;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        Scheduled<V> task = new Scheduled<>(callable, unit.toMillis(delay));
        synchronized (this) {
            delays.add(task.delayMillis);
        }
        enqueue(task, task.delayMillis);
        return task;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by a device session");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("not used by a device session");
    }

    private synchronized void enqueue(FutureTask<?> task, long delayMillis) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        queue.add(new Task(task, delayMillis));
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>();
        queue.forEach(task -> left.add(task.future()));
        queue.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private static final class Scheduled<V> extends FutureTask<V> implements ScheduledFuture<V> {

        private final long delayMillis;

        Scheduled(Callable<V> callable, long delayMillis) {
            super(callable);
            this.delayMillis = delayMillis;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(delayMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.MILLISECONDS), other.getDelay(TimeUnit.MILLISECONDS));
        }
    }
}
