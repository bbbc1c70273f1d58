package org.openjii.mmi.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code mmi shell}'s config prints for a value: passwords never, file paths and the client id as they are. */
class ShellSessionTest {

    @Test
    void shouldMaskPasswordsAndNothingAUserNeedsToSee() {
        assertThat(ShellSession.masked("camel.component.http.proxy-auth-password", "s3cret")).isEqualTo("xxxxxx");
        assertThat(ShellSession.masked("camel.vault.aws.secretKey", "abc")).isEqualTo("xxxxxx");
        assertThat(ShellSession.masked("mmi.mqtt.broker-url", "tcp://user:s3cret@broker:1883"))
                .isEqualTo("tcp://user:xxxxxx@broker:1883");
        assertThat(ShellSession.masked("mmi.mqtt.key-file", "/etc/mmi/certs/thing-private.pem.key"))
                .isEqualTo("/etc/mmi/certs/thing-private.pem.key");
        assertThat(ShellSession.masked("mmi.mqtt.client-id", "greenhouse-7")).isEqualTo("greenhouse-7");
        assertThat(ShellSession.masked("mmi.mqtt.broker-url", "ssl://abc-ats.iot.eu-central-1.amazonaws.com:8883"))
                .isEqualTo("ssl://abc-ats.iot.eu-central-1.amazonaws.com:8883");
    }
}
