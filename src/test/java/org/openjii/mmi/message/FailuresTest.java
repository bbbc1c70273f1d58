package org.openjii.mmi.message;

import java.io.IOException;

import org.apache.camel.FailedToStartComponentException;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FailuresTest {

    @Test
    void shouldShowTheCauseOnceWhenAWrapperOnlyRepeatsIt() {
        IOException cause = new IOException("mmi.mqtt.cert-file /etc/mmi/cert.pem: the file does not exist.");
        assertThat(Failures.describe(new RuntimeCamelException(cause)))
                .isEqualTo("mmi.mqtt.cert-file /etc/mmi/cert.pem: the file does not exist.");
    }

    @Test
    void shouldShowOnlyTheCauseOfAComponentThatFailedToStart() {
        IOException cause = new IOException("mmi.mqtt.cert-file /etc/mmi/cert.pem: the file does not exist.");
        Exception failed = new FailedToStartComponentException("iot", cause.toString(), new RuntimeCamelException(
                cause));
        assertThat(Failures.describe(failed)).isEqualTo(
                "mmi.mqtt.cert-file /etc/mmi/cert.pem: the file does not exist.");
    }

    @Test
    void shouldKeepAWrappersOwnMessage() {
        IOException cause = new IOException("Connection refused");
        assertThat(Failures.describe(new IllegalStateException("Cannot reach the broker", cause)))
                .isEqualTo("Cannot reach the broker\n  caused by: Connection refused");
    }
}
