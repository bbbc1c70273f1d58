package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.tls.BrokerCredentials;
import org.openjii.mmi.support.MmiVersion;
import org.openjii.mmi.test.TestPki;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

class SessionPacketsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T05:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static MqttConnection.Settings settings(String statusTopic, BrokerCredentials credentials) {
        return new MqttConnection.Settings("bridge-1", 60, 3600, statusTopic, 10, Duration.ofSeconds(30),
                MqttVersion.V5, credentials);
    }

    private static JsonNode json(byte[] payload) throws Exception {
        return new ObjectMapper().readTree(new String(payload, StandardCharsets.UTF_8));
    }

    @Test
    void theStatusSaysWhoAndSinceWhenAndTheWillOnlyWho() throws Exception {
        SessionPackets packets = new SessionPackets(settings("mmi/status", BrokerCredentials.NONE), CLOCK);

        JsonNode online = json(packets.status("online"));
        assertThat(online.get("status").asText()).isEqualTo("online");
        assertThat(online.get("client_id").asText()).isEqualTo("bridge-1");
        assertThat(online.get("mmi_version").asText()).isEqualTo(MmiVersion.get());
        assertThat(online.get("since").asText()).isEqualTo("2026-12-07T05:00:00Z");

        MqttWire.Connect connect = packets.connect(true);
        assertThat(connect.cleanStart()).isTrue();
        assertThat(connect.willTopic()).isEqualTo("mmi/status");
        JsonNode will = json(connect.willPayload());
        assertThat(will.get("status").asText()).isEqualTo("offline");
        assertThat(will.has("since")).isFalse();
        assertThat(connect.sessionExpirySeconds()).isEqualTo(3600);
        assertThat(connect.keepAliveSeconds()).as("clamped to IoT Core's 30..1200 s").isEqualTo(60);
        assertThat(connect.username()).isNull();
        assertThat(connect.password()).isNull();
    }

    @Test
    void withoutAStatusTopicThereIsNoWill() {
        MqttWire.Connect connect = new SessionPackets(settings(null, BrokerCredentials.NONE), CLOCK).connect(false);

        assertThat(connect.willTopic()).isNull();
        assertThat(connect.willPayload()).isNull();
    }

    @Test
    void everyConnectReadsThePasswordFileAgainAndKeepsTheLastOneWhenItCannot() throws Exception {
        Path file = TestPki.ownerOnly(Files.writeString(dir.resolve("token"), "first\n"));
        SessionPackets packets = new SessionPackets(settings(null, BrokerCredentials.of("user", null, file)),
                CLOCK);

        assertThat(packets.connect(false).password()).asString(StandardCharsets.UTF_8).isEqualTo("first");
        Files.writeString(file, "second");
        assertThat(packets.connect(false).password()).asString(StandardCharsets.UTF_8).isEqualTo("second");
        Files.delete(file);
        MqttWire.Connect connect = packets.connect(false);
        assertThat(connect.username()).isEqualTo("user");
        assertThat(connect.password()).asString(StandardCharsets.UTF_8).isEqualTo("second");
    }
}
