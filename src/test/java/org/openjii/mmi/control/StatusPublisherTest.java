package org.openjii.mmi.control;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.test.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the status is handed to the connection: on a change at most once per tick, never while the last one waits for
 * its PUBACK (unless that has waited 30 s), again after a failed publish, and with the outbox depth sampled. The
 * ticks are called by hand on a clock the test moves; the "connection" publishes by asking for the payload, as
 * {@code MqttConnection.publishStatus} does.
 */
class StatusPublisherTest {

    private static final Instant START = Instant.parse("2026-12-07T06:00:00Z");

    private final ManualClock clock = new ManualClock(START);
    /** The last payload handed to the connection; the publisher knows its PUBACK by this very array. */
    private byte[] lastPayload;
    private final List<String> published = new ArrayList<>();
    private String battery = "80";
    private Long depth = 0L;
    private boolean connected = true;
    private final StatusPublisher publisher = new StatusPublisher(this::content, () -> depth, clock);

    private Map<String, Object> content(Long outboxDepth) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("since", START.toString());
        content.put("battery", battery);
        content.put("outbox_depth", outboxDepth);
        return content;
    }

    /** The connection's publishStatus: takes the payload (and the test keeps it). */
    private void publish() {
        lastPayload = publisher.statusPayload();
        published.add(new String(lastPayload, StandardCharsets.UTF_8));
    }

    private StatusPublisher attached() {
        publisher.attach(() -> connected, this::publish);
        return publisher;
    }

    @Test
    void shouldPublishAChangeOnceAndNothingWhileTheStatusStaysTheSame() {
        StatusPublisher status = attached();

        status.tick();
        status.statusPublished(lastPayload, null);
        clock.advance(Duration.ofSeconds(1));
        status.tick();

        assertThat(published).containsExactly("{\"since\":\"2026-12-07T06:00:00Z\",\"updated_at\":"
                + "\"2026-12-07T06:00:00Z\",\"battery\":\"80\",\"outbox_depth\":0}");

        battery = "79";
        clock.advance(Duration.ofSeconds(1));
        status.tick();

        assertThat(published).hasSize(2);
        assertThat(published.get(1)).isEqualTo("{\"since\":\"2026-12-07T06:00:00Z\",\"updated_at\":"
                + "\"2026-12-07T06:00:02Z\",\"battery\":\"79\",\"outbox_depth\":0}");
    }

    @Test
    void shouldHoldAChangeBackWhileTheLastStatusWaitsForItsPubackUnlessThatIsStale() {
        StatusPublisher status = attached();
        status.tick();

        battery = "79";
        clock.advance(Duration.ofSeconds(29));
        status.tick();
        assertThat(published).hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        status.tick();
        assertThat(published).hasSize(2);
    }

    @Test
    void shouldPublishTheChangeOnceThePubackCame() {
        StatusPublisher status = attached();
        status.tick();
        battery = "79";
        status.tick();
        assertThat(published).hasSize(1);

        status.statusPublished(lastPayload, null);
        status.tick();

        assertThat(published).hasSize(2);
    }

    @Test
    void shouldPublishAgainAfterAFailedPublishOrALostConnection() {
        StatusPublisher status = attached();
        status.tick();
        status.statusPublished(lastPayload, new IllegalStateException("connection lost"));

        status.tick();
        assertThat(published).hasSize(2);

        // The publish in flight on a lost connection is not waited for; its content counts as published.
        status.disconnected(null, null);
        battery = "79";
        status.tick();
        assertThat(published).hasSize(3);
    }

    @Test
    void shouldPublishNothingWhileDisconnectedOrDetached() {
        StatusPublisher status = attached();
        connected = false;
        status.tick();
        assertThat(published).isEmpty();

        connected = true;
        status.detach();
        status.tick();
        assertThat(published).isEmpty();
    }

    @Test
    void shouldReportTheOutboxEmptyingAtOnceAndOtherDepthsAtMostEveryTenSeconds() {
        StatusPublisher status = attached();
        status.tick();
        assertThat(lastDepth()).isEqualTo("0");

        depth = 500L;
        acknowledgeAndTick(status, Duration.ofSeconds(1));
        assertThat(lastDepth()).isEqualTo("500");

        depth = 480L;
        acknowledgeAndTick(status, Duration.ofSeconds(9));
        assertThat(published).hasSize(2);

        depth = 470L;
        acknowledgeAndTick(status, Duration.ofSeconds(1));
        assertThat(lastDepth()).isEqualTo("470");

        depth = 0L;
        acknowledgeAndTick(status, Duration.ofSeconds(1));
        assertThat(lastDepth()).isEqualTo("0");
        assertThat(published).hasSize(4);
    }

    private void acknowledgeAndTick(StatusPublisher status, Duration later) {
        status.statusPublished(lastPayload, null);
        clock.advance(later);
        status.tick();
    }

    private String lastDepth() {
        String last = published.get(published.size() - 1);
        return last.substring(last.indexOf("\"outbox_depth\":") + 15, last.length() - 1);
    }
}
