package org.openjii.mmi;

import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PublishingIdsTest {

    private static final String EXPERIMENT = "6f1c0d2e-0000-4000-8000-00000000e001";
    private static final String PROTOCOL = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
    private static final String AWS = "ssl://a1b2c3-ats.iot.eu-west-1.amazonaws.com:8883";

    @Test
    void shouldAskTheAwsProfileForBothIds() {
        assertThat(PublishingIds.problem("aws", "demo-experiment", null, AWS, null))
                .isEqualTo("mmi.experiment-id and mmi.protocol-id are not set (demo-experiment is the placeholder for"
                        + " trying mmi): the aws profile publishes to openJII, which files every measurement by its"
                        + " experiment and protocol; set mmi.experiment-id (MMI_EXPERIMENT_ID) and mmi.protocol-id"
                        + " (MMI_PROTOCOL_ID) to the ids openJII shows for them");
        assertThat(PublishingIds.problem("aws", EXPERIMENT, null, AWS, null))
                .startsWith("mmi.protocol-id is not set: the aws profile")
                .endsWith("set mmi.protocol-id (MMI_PROTOCOL_ID) to the ids openJII shows for them");
        assertThat(PublishingIds.problem("aws", null, PROTOCOL, AWS, null))
                .startsWith("mmi.experiment-id is not set: the aws profile")
                .endsWith("set mmi.experiment-id (MMI_EXPERIMENT_ID) to the ids openJII shows for them");
        assertThat(PublishingIds.problem("aws", EXPERIMENT, PROTOCOL, AWS, null)).isNull();
    }

    /** In the aws profile demo-experiment is never right, also to a broker on this machine. */
    @Test
    void shouldRefuseDemoExperimentInTheAwsProfileWhateverTheBroker() {
        assertThat(PublishingIds.problem("aws", "demo-experiment", PROTOCOL, "ssl://localhost:8883", null))
                .startsWith("mmi.experiment-id is not set (demo-experiment is the placeholder for trying mmi)");
        assertThat(PublishingIds.problem("aws", "demo-experiment", PROTOCOL, "log", null)).isNotNull();
    }

    /** The aws profile asks for its endpoint first (when the connection is made); then for the ids. */
    @Test
    void shouldLeaveAnEmptyEndpointToTheConnection() {
        assertThat(PublishingIds.problem("aws", "demo-experiment", null, null, null)).isNull();
    }

    @Test
    void shouldKeepDemoExperimentOnThisMachine() {
        assertThat(PublishingIds.problem("dev", "demo-experiment", null, "tcp://broker.lab:1883", null))
                .isEqualTo("mmi.experiment-id is demo-experiment, the placeholder for trying mmi on this machine,"
                        + " but mmi.mqtt.broker-url names a broker on broker.lab: set mmi.experiment-id"
                        + " (MMI_EXPERIMENT_ID) to the experiment the data belongs to");
        assertThat(PublishingIds.problem("dev", "demo-experiment", PROTOCOL, AWS, null))
                .contains("a broker on a1b2c3-ats.iot.eu-west-1.amazonaws.com:");
        assertThat(PublishingIds.problem("dev", "demo-experiment", null, "a1b2c3-ats.iot.eu-west-1.amazonaws.com",
                null)).contains("a broker on a1b2c3-ats.iot.eu-west-1.amazonaws.com:");
        assertThat(PublishingIds.problem("dev", EXPERIMENT, null, "tcp://broker.lab:1883", null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "log", "tcp://127.0.0.1:1883", "tcp://127.0.1.1:1883", "ssl://localhost:8883",
            "mqtt://LOCALHOST", "tcp://[::1]:1883", "ws://broker.localhost:8080/mqtt", "tcp://user:pw@127.0.0.1:1883"})
    void shouldLetDemoExperimentGoToABrokerOnThisMachine(String brokerUrl) {
        assertThat(PublishingIds.onThisMachine(brokerUrl)).isTrue();
        assertThat(PublishingIds.problem("dev", "demo-experiment", null, brokerUrl, null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp://mosquitto:1883", "ssl://10.0.0.5:8883", "tcp://127.0.0.1.example.org:1883",
            "tcp://localhost.example.org:1883", "tcp://[::2]:1883", "wss://broker.lab:443/mqtt"})
    void shouldTellABrokerElsewhere(String brokerUrl) {
        assertThat(PublishingIds.onThisMachine(brokerUrl)).isFalse();
    }

    /** The broker is named by its host alone: a password in the URL is never printed. */
    @Test
    void shouldNameTheBrokerWithoutItsCredentials() {
        String problem = PublishingIds.problem("dev", "demo-experiment", null,
                "tcp://lab-user:s3cr@t/word@broker.lab:1883", null);

        assertThat(problem).doesNotContain("s3cr").doesNotContain("word");
        assertThat(PublishingIds.problem("dev", "demo-experiment", null, "tcp://lab-user:s3cret@broker.lab:1883",
                null)).contains("a broker on broker.lab:").doesNotContain("s3cret").doesNotContain("lab-user");
    }

    /** openJII mode takes the ids from openJII's files: nothing to check here. */
    @Test
    void shouldNotApplyInOpenJiiMode() {
        assertThat(PublishingIds.problem("aws", "demo-experiment", null, AWS, "/etc/mmi/openjii")).isNull();
        assertThat(PublishingIds.problem("dev", "demo-experiment", null, "tcp://broker.lab:1883", "/etc/mmi/openjii"))
                .isNull();
    }

    /** Read from Camel's properties as the bridge resolves them, blank values as unset. */
    @Test
    void shouldReadTheSettingsFromTheProperties() {
        CamelContext context = new DefaultCamelContext();
        Properties settings = new Properties();
        settings.put("mmi.profile", "aws");
        settings.put("mmi.experiment-id", EXPERIMENT);
        settings.put("mmi.protocol-id", " ");
        settings.put("mmi.mqtt.broker-url", AWS);
        context.getPropertiesComponent().setOverrideProperties(settings);

        assertThatThrownBy(() -> PublishingIds.check(context.getPropertiesComponent()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("mmi.protocol-id is not set");

        settings.put("mmi.protocol-id", PROTOCOL);
        PublishingIds.check(context.getPropertiesComponent());
    }
}
