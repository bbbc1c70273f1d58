package org.openjii.mmi.delivery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * Where the outbox's own threads come from ({@link OutboxPublisher}'s drain thread, {@link OutboxIo}'s reads and
 * deletes): the CamelContext's {@link ExecutorServiceManager}, which names, tracks and stops them, or, without a
 * context, {@link #standalone()}.
 */
public interface DeliveryThreads {

    /** One thread for a long-running loop, named {@code name}. */
    ExecutorService newSingleThreadExecutor(String name);

    /** One thread for scheduled and requested work, named {@code name}. */
    ScheduledExecutorService newSingleThreadScheduledExecutor(String name);

    /** Lets the tasks already queued finish for up to {@code timeoutMillis}, then interrupts what still runs. */
    void shutdownGraceful(ExecutorService executor, long timeoutMillis);

    /** Interrupts what runs, drops what is queued, and waits up to {@code timeoutMillis} for it to end. */
    void shutdownNow(ExecutorService executor, long timeoutMillis) throws InterruptedException;

    /** Threads from Camel's {@code manager}, on behalf of {@code source} (the component that owns the delivery). */
    static DeliveryThreads of(ExecutorServiceManager manager, Object source) {
        return new DeliveryThreads() {

            @Override
            public ExecutorService newSingleThreadExecutor(String name) {
                return manager.newSingleThreadExecutor(source, name);
            }

            @Override
            public ScheduledExecutorService newSingleThreadScheduledExecutor(String name) {
                return manager.newSingleThreadScheduledExecutor(source, name);
            }

            @Override
            public void shutdownGraceful(ExecutorService executor, long timeoutMillis) {
                manager.shutdownGraceful(executor, timeoutMillis);
            }

            @Override
            public void shutdownNow(ExecutorService executor, long timeoutMillis) throws InterruptedException {
                manager.shutdownNow(executor);
                manager.awaitTermination(executor, timeoutMillis);
            }
        };
    }

    /**
     * Plain daemon threads named by Camel's {@link CamelThreadFactory}, for a publisher made without a CamelContext
     * (unit tests): nothing else tracks them, so whoever starts the publisher stops it.
     */
    static DeliveryThreads standalone() {
        return new DeliveryThreads() {

            @Override
            public ExecutorService newSingleThreadExecutor(String name) {
                return Executors.newSingleThreadExecutor(new CamelThreadFactory("#name#", name, true));
            }

            @Override
            public ScheduledExecutorService newSingleThreadScheduledExecutor(String name) {
                return Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", name, true));
            }

            @Override
            public void shutdownGraceful(ExecutorService executor, long timeoutMillis) {
                executor.shutdown();
                try {
                    if (!executor.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
                        executor.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    executor.shutdownNow();
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void shutdownNow(ExecutorService executor, long timeoutMillis) throws InterruptedException {
                executor.shutdownNow();
                executor.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS);
            }
        };
    }
}
