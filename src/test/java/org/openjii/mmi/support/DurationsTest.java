package org.openjii.mmi.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @Test
    void shouldReadCamelsDurationSyntax() {
        assertThat(Durations.millis("k", "10s")).isEqualTo(10_000);
        assertThat(Durations.millis("k", " 1h30m ")).isEqualTo(5_400_000);
        assertThat(Durations.millis("k", "500ms")).isEqualTo(500);
        assertThat(Durations.millis("k", "1m500ms")).isEqualTo(60_500);
        assertThat(Durations.millis("k", "2d")).isEqualTo(172_800_000);
        assertThat(Durations.millis("k", "0")).isZero();
        assertThat(Durations.millis("k", "250")).as("a bare number is milliseconds").isEqualTo(250);
    }

    /** Camel's TimeUtils reads each of these as 0. */
    @Test
    void shouldRefuseWhatCamelWouldReadAsZeroNamingTheKey() {
        assertThatThrownBy(() -> Durations.millis("mmi.device.interval", "-1s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mmi.device.interval must not be negative, was '-1s'");
        for (String text : new String[]{"abc", "10x", "PT10S", "1.5s", "", "ms", "1s1h"}) {
            assertThatThrownBy(() -> Durations.millis("mmi.device.scan-interval", text)).as(text)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("mmi.device.scan-interval must be a duration such as");
        }
    }
}
