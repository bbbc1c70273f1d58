package org.openjii.mmi.delivery;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RefusalProbeTest {

    private final RefusalProbe probe = new RefusalProbe();

    @Test
    void theFirstCloseStartsProbingAndLaterOnesAreStrikes() {
        assertThat(probe.start(List.of(1L, 2L))).isTrue();
        assertThat(probe.probing()).isTrue();
        assertThat(probe.start(List.of(3L))).as("already probing").isFalse();
    }

    @Test
    void aMessageAloneInFlightAtThreeClosesIsRefusedOnce() {
        probe.start(List.of(7L));

        assertThat(probe.strike(7)).isFalse();
        assertThat(probe.refusedByClosing(7)).isNull();
        assertThat(probe.strike(7)).isFalse();
        assertThat(probe.strike(7)).isTrue();

        assertThat(probe.refusedByClosing(7)).isEqualTo(RefusalProbe.STRIKES);
        assertThat(probe.refusedByClosing(7)).as("handed out once").isNull();
    }

    @Test
    void aMessageThatGoesThroughLosesItsStrikes() {
        probe.start(List.of(7L, 8L));
        probe.strike(7);
        probe.strike(7);

        probe.wentThrough(7);

        assertThat(probe.strike(7)).as("counting starts again").isFalse();
    }

    @Test
    void probingEndsOnceEverySuspectWentThroughOrWasRefused() {
        probe.start(List.of(1L, 2L));

        assertThat(probe.wentThrough(3)).as("not a suspect").isFalse();
        assertThat(probe.wentThrough(1)).isFalse();
        probe.refused(2);
        assertThat(probe.probing()).isTrue();
        // The next message to go through ends it: no suspect is left.
        assertThat(probe.wentThrough(4)).isTrue();
        assertThat(probe.probing()).isFalse();
        assertThat(probe.wentThrough(5)).as("ended once").isFalse();
    }
}
