package org.openjii.mmi.control;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.test.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The command route's memory of requests taken: a time window, bounded in size. */
class RecentRequestsTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-09T09:00:00Z"));

    private RecentRequests requests(String window) {
        RecentRequests requests = new RecentRequests();
        requests.setWindow(window);
        requests.setClock(clock);
        return requests;
    }

    @Test
    void aRequestTakenWithinTheWindowIsADuplicateAndLaterANewRequest() {
        RecentRequests requests = requests("10m");
        assertThat(requests.add("a")).isTrue();
        clock.advance(Duration.ofMinutes(9));
        assertThat(requests.add("a")).as("again within 10 min").isFalse();
        assertThat(requests.add("b")).isTrue();

        clock.advance(Duration.ofMinutes(2));
        assertThat(requests.contains("a")).as("taken 11 min ago").isFalse();
        assertThat(requests.add("a")).isTrue();
        assertThat(requests.size()).isEqualTo(2);
    }

    @Test
    void aWindowOfZeroRemembersNothing() {
        RecentRequests requests = requests("0");
        assertThat(requests.add("a")).isTrue();
        assertThat(requests.add("a")).isTrue();
        assertThat(requests.size()).isZero();
    }

    @Test
    void theOldestAreForgottenBeyondTheLimit() {
        RecentRequests requests = requests("1h");
        for (int i = 0; i <= RecentRequests.MAX_KEYS; i++) {
            assertThat(requests.add("key-" + i)).isTrue();
        }
        assertThat(requests.size()).isEqualTo(RecentRequests.MAX_KEYS);
        assertThat(requests.contains("key-0")).isFalse();
        assertThat(requests.contains("key-" + RecentRequests.MAX_KEYS)).isTrue();
    }

    @Test
    void aWindowThatIsNoDurationIsNamed() {
        assertThatThrownBy(() -> requests("-1s")).hasMessageContaining("mmi.commands.duplicate-window");
    }
}
