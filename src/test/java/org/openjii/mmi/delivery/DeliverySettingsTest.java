package org.openjii.mmi.delivery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The delivery's settings: what {@code mmi.mqtt.*} and {@code mmi.outbox.*} accept, and how a bad value is named. */
class DeliverySettingsTest {

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void close() {
        context.stop();
    }

    private Delivery.Settings settings(String... keyValues) {
        return settings(Map.of(), keyValues);
    }

    private Delivery.Settings settings(Map<String, String> env, String... keyValues) {
        Properties properties = new Properties();
        properties.put("mmi.mqtt.broker-url", "tcp://127.0.0.1:1883");
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put(keyValues[i], keyValues[i + 1]);
        }
        context.getPropertiesComponent().setOverrideProperties(properties);
        return DeliverySettings.fromProperties(context.getPropertiesComponent(),
                properties.getProperty("mmi.mqtt.broker-url"), env);
    }

    @Test
    void shouldUseIotCoreCompatibleDefaults() {
        Delivery.Settings settings = settings();
        assertThat(settings.connection().clientId()).isEqualTo("mmi");
        assertThat(settings.connection().effectiveKeepAliveSeconds()).isEqualTo(60);
        assertThat(settings.connection().sessionExpirySeconds()).isEqualTo(3600);
        assertThat(settings.connection().statusTopic()).isNull();
        assertThat(settings.flowControl()).isEqualTo(FlowControl.unlimited(100));
        assertThat(settings.fullPolicy()).isEqualTo(Outbox.FullPolicy.REJECT);
        assertThat(settings.maxAge()).isEqualTo(Duration.ofMinutes(15));
        assertThat(settings.messageExpiry()).isNull();
    }

    @Test
    void shouldRefuseAnyQosButOne() {
        assertThatThrownBy(() -> settings("mmi.mqtt.qos", "2"))
                .hasMessageContaining("mmi.mqtt.qos must be 1")
                .hasMessageContaining("never acknowledges QoS 2");
        assertThatThrownBy(() -> settings("mmi.mqtt.qos", "0")).hasMessageContaining("mmi.mqtt.qos must be 1");
    }

    @Test
    void shouldClampTheKeepAliveToIotCoresRange() {
        assertThat(settings("mmi.mqtt.keep-alive", "5s").connection().effectiveKeepAliveSeconds()).isEqualTo(30);
        assertThat(settings("mmi.mqtt.keep-alive", "2h").connection().effectiveKeepAliveSeconds()).isEqualTo(1200);
        assertThat(settings("mmi.mqtt.keep-alive", "300").connection().effectiveKeepAliveSeconds()).isEqualTo(300);
    }

    @Test
    void shouldNameTheKeyOfAValueOutsideIotCoresLimits() {
        assertThatThrownBy(() -> settings("mmi.mqtt.session-expiry", "8d"))
                .hasMessageContaining("mmi.mqtt.session-expiry");
        assertThatThrownBy(() -> settings("mmi.mqtt.message-expiry", "8d"))
                .hasMessageContaining("mmi.mqtt.message-expiry");
        assertThatThrownBy(() -> settings("mmi.mqtt.client-id", "$aws"))
                .hasMessageContaining("mmi.mqtt.client-id");
        assertThatThrownBy(() -> settings("mmi.mqtt.keep-alive", "soon"))
                .hasMessageContaining("mmi.mqtt.keep-alive")
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> settings("mmi.outbox.max-mb", "lots")).hasMessageContaining("mmi.outbox.max-mb");
    }

    @Test
    void shouldFillTheClientIdIntoTheStatusTopic() {
        Delivery.Settings settings = settings("mmi.mqtt.client-id", "gw-7", "mmi.mqtt.status-topic",
                "mmi/v1/{clientId}/status", "mmi.mqtt.message-expiry", "7d");
        assertThat(settings.connection().statusTopic()).isEqualTo("mmi/v1/gw-7/status");
        assertThat(settings.messageExpiry()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void shouldRefuseAClientIdThatCannotBeATopicSegment() {
        assertThatThrownBy(() -> settings("mmi.mqtt.client-id", "lab/#", "mmi.mqtt.status-topic",
                "mmi/v1/{clientId}/status"))
                .hasMessageContaining("mmi.mqtt.status-topic")
                .hasMessageContaining("lab/#");
    }

    @Test
    void shouldTurnOnTheIotCoreProfileForAnAwsEndpoint() {
        assertThat(settings("mmi.mqtt.broker-url", "ssl://abc-ats.iot.eu-central-1.amazonaws.com:8883")
                .flowControl()).isEqualTo(FlowControl.IOT_CORE);
    }

    @Test
    void shouldReadABareAwsEndpointAsTlsOn8883() {
        Delivery.Settings settings = settings("mmi.mqtt.broker-url", "abc-ats.iot.eu-central-1.amazonaws.com");
        assertThat(settings.brokerUrl()).isEqualTo("ssl://abc-ats.iot.eu-central-1.amazonaws.com:8883");
        assertThat(settings.flowControl()).isEqualTo(FlowControl.IOT_CORE);
    }

    @Test
    void shouldReadTheVersionCredentialsProxyAndPubackTimeout() {
        Delivery.Settings settings = settings(Map.of("HTTPS_PROXY", "http://env-proxy:3128"), "mmi.mqtt.broker-url",
                "ssl://broker.example:8883", "mmi.mqtt.protocol-version", "3.1.1", "mmi.mqtt.username", "lab-3",
                "mmi.mqtt.password", "s3cret", "mmi.mqtt.puback-timeout", "20s");
        assertThat(settings.connection().version()).isEqualTo(MqttVersion.V3_1_1);
        assertThat(settings.connection().credentials().username()).isEqualTo("lab-3");
        assertThat(settings.proxy().describe()).isEqualTo("http://env-proxy:3128 (HTTPS_PROXY)");
        assertThat(settings.pubackTimeout()).isEqualTo(Duration.ofSeconds(20));

        Delivery.Settings defaults = settings(Map.of("HTTPS_PROXY", "http://env-proxy:3128", "NO_PROXY",
                ".example"), "mmi.mqtt.broker-url", "ssl://broker.example:8883");
        assertThat(defaults.connection().version()).isEqualTo(MqttVersion.V5);
        assertThat(defaults.connection().credentials().none()).isTrue();
        assertThat(defaults.proxy()).isNull();
        assertThat(defaults.pubackTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldNameTheKeyOfAVersionOrCredentialsThatCannotWork() {
        assertThatThrownBy(() -> settings("mmi.mqtt.protocol-version", "4"))
                .hasMessage("mmi.mqtt.protocol-version must be 5 or 3.1.1, was '4'");
        assertThatThrownBy(() -> settings("mmi.mqtt.password", "s3cret"))
                .hasMessageStartingWith("mmi.mqtt.password is set but mmi.mqtt.username is not")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> settings("mmi.mqtt.proxy", "ftp://proxy:21"))
                .hasMessageStartingWith("mmi.mqtt.proxy has the scheme ftp");
    }

    @Test
    void shouldKeepDeadLettersLocallyAndLeaveOutTheStatusOnlyWhenTold() {
        assertThat(settings().deadLetters()).isEqualTo(DeadLetterMode.PUBLISH);
        Delivery.Settings policyOnly = settings("mmi.dead-letters", "local", "mmi.mqtt.status-topic", " ");
        assertThat(policyOnly.deadLetters()).isEqualTo(DeadLetterMode.LOCAL);
        assertThat(policyOnly.connection().statusTopic()).as("no status, no Last Will").isNull();
        assertThat(policyOnly.withOutboxDir(Path.of("outbox/thing-1")).deadLetters()).isEqualTo(DeadLetterMode.LOCAL);
        assertThatThrownBy(() -> settings("mmi.dead-letters", "drop")).hasMessageContaining("mmi.dead-letters");
    }
}
