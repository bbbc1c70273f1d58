package org.openjii.mmi.delivery;

import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FlowControlTest {

    @Test
    void shouldChooseTheIotCoreProfileForAnAwsEndpointWhenAutomatic() {
        assertThat(FlowControl.forProfile("auto", "ssl://abc123-ats.iot.eu-west-1.amazonaws.com:8883", 500))
                .isEqualTo(FlowControl.IOT_CORE);
        assertThat(FlowControl.forProfile("auto", "tcp://127.0.0.1:1883", 500))
                .isEqualTo(FlowControl.unlimited(500));
        assertThat(FlowControl.forProfile("iot-core", "tcp://127.0.0.1:1883", 500)).isEqualTo(FlowControl.IOT_CORE);
        assertThat(FlowControl.forProfile("off", "ssl://abc123-ats.iot.eu-west-1.amazonaws.com:8883", 7))
                .isEqualTo(FlowControl.unlimited(7));
    }

    @Test
    void shouldUseAwsIotCoresPerConnectionLimits() {
        // AWS IoT Core's message broker quotas per connection: 100 publishes in flight, 100 publishes/s, 512 KiB/s.
        assertThat(FlowControl.IOT_CORE.maxInFlight()).isEqualTo(100);
        assertThat(FlowControl.IOT_CORE.publishesPerSecond()).isEqualTo(100);
        assertThat(FlowControl.IOT_CORE.bytesPerSecond()).isEqualTo(512 * 1024);
        assertThat(FlowControl.IOT_CORE.limitsRate()).isTrue();
        assertThat(FlowControl.unlimited(100).limitsRate()).isFalse();
    }

    @Test
    void shouldNameTheSettingOfABadValue() {
        assertThatThrownBy(() -> FlowControl.forProfile("fast", "tcp://127.0.0.1:1883", 100))
                .hasMessageContaining("mmi.mqtt.flow-control");
        assertThatThrownBy(() -> FlowControl.unlimited(0)).hasMessageContaining("mmi.mqtt.max-in-flight");
    }

    @Test
    void shouldKeepTheWindowBelowTheBrokersReceiveMaximumLeavingOneSlotForTheStatus() {
        FlowControl.Limiter limiter = FlowControl.unlimited(100).limiter();
        limiter.brokerReceiveMaximum(20);
        assertThat(limiter.window()).isEqualTo(19);
        limiter.brokerReceiveMaximum(65_535);
        assertThat(limiter.window()).isEqualTo(100);
        limiter.probe(true);
        assertThat(limiter.window()).isEqualTo(1);
        limiter.probe(false);
        assertThat(limiter.window()).isEqualTo(100);
    }

    @Test
    void shouldHoldAPublishUntilASlotIsFree() throws Exception {
        FlowControl.Limiter limiter = FlowControl.unlimited(2).limiter();
        limiter.acquire(10);
        limiter.acquire(10);
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            try {
                limiter.acquire(10);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // Nothing frees a slot: the third publish cannot start.
        await().during(java.time.Duration.ofMillis(300))
                .atMost(java.time.Duration.ofSeconds(2))
                .until(() -> !third.isDone());
        limiter.release();
        third.get();
        assertThat(limiter.inFlight()).isEqualTo(2);
    }
}
