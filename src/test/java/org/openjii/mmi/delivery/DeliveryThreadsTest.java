package org.openjii.mmi.delivery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryThreadsTest {

    private static String threadName(ExecutorService executor) throws Exception {
        CompletableFuture<String> name = new CompletableFuture<>();
        executor.execute(() -> name.complete(Thread.currentThread().getName()));
        return name.get(5, TimeUnit.SECONDS);
    }

    @Test
    void standaloneThreadsAreNamedDaemonsThatStopWhenTold() throws Exception {
        DeliveryThreads threads = DeliveryThreads.standalone();
        ExecutorService loop = threads.newSingleThreadExecutor("MmiOutboxPublisher[test]");
        ScheduledExecutorService io = threads.newSingleThreadScheduledExecutor("MmiOutboxIo[test]");

        assertThat(threadName(loop)).isEqualTo("MmiOutboxPublisher[test]");
        assertThat(threadName(io)).isEqualTo("MmiOutboxIo[test]");
        CompletableFuture<Boolean> daemon = new CompletableFuture<>();
        io.execute(() -> daemon.complete(Thread.currentThread().isDaemon()));
        assertThat(daemon.get(5, TimeUnit.SECONDS)).isTrue();

        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        loop.execute(() -> {
            running.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.complete(true);
            }
        });
        running.await(5, TimeUnit.SECONDS);
        threads.shutdownNow(loop, 5_000);
        threads.shutdownGraceful(io, 5_000);

        assertThat(interrupted.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.isTerminated()).isTrue();
        assertThat(io.isTerminated()).isTrue();
    }

    @Test
    void camelsThreadsCarryTheNameAndAreShutDownThroughTheManager() throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.start();
            DeliveryThreads threads = DeliveryThreads.of(context.getExecutorServiceManager(), this);
            ScheduledExecutorService io = threads.newSingleThreadScheduledExecutor("MmiOutboxIo[default]");

            assertThat(threadName(io)).endsWith(" - MmiOutboxIo[default]");
            threads.shutdownGraceful(io, 5_000);

            assertThat(io.isShutdown()).isTrue();
            assertThat(io.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }
}
