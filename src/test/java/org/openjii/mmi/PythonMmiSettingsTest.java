package org.openjii.mmi;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Python MMI's variables as mmi keys. What each variable meant comes from the Python tool's source (openJII's
 * {@code apps/tools/multispeq_mqtt_interface/src/multispeq_mqtt_interface/utils/config.py} and
 * {@code mqtt/connection.py}): the endpoint is a bare host with {@code AWS_IOT_PORT} (8883 when unset), only
 * {@code true} cleans the session, and a proxy needs a host and a port other than 0.
 */
class PythonMmiSettingsTest {

    @Test
    void everyVariableBecomesTheKeyItMeans() {
        Properties properties = PythonMmiSettings.properties(Map.of("AWS_IOT_ENDPOINT",
                "abc-ats.iot.eu-central-1.amazonaws.com", "AWS_IOT_PORT", "443", "AWS_IOT_CERT_FILEPATH",
                "/certs/device.pem.crt", "AWS_IOT_PRIVATE_KEY_FILEPATH", "/certs/private.pem.key",
                "AWS_IOT_CA_FILEPATH", "/certs/AmazonRootCA1.pem", "AWS_IOT_CLIENT_ID", "lab-3-multispeq",
                "AWS_IOT_KEEP_ALIVE", "30", "AWS_IOT_CLEAN_SESSION", "True", "AWS_IOT_PROXY_HOST",
                "proxy.example.org", "AWS_IOT_PROXY_PORT", "3128"));

        assertThat(properties).containsExactlyInAnyOrderEntriesOf(Map.of("mmi.mqtt.broker-url",
                "ssl://abc-ats.iot.eu-central-1.amazonaws.com:443", "mmi.mqtt.cert-file", "/certs/device.pem.crt",
                "mmi.mqtt.key-file", "/certs/private.pem.key", "mmi.mqtt.ca-file", "/certs/AmazonRootCA1.pem",
                "mmi.mqtt.client-id", "lab-3-multispeq", "mmi.mqtt.keep-alive", "30s", "mmi.mqtt.session-expiry", "0",
                "mmi.mqtt.proxy", "http://proxy.example.org:3128"));
    }

    @Test
    void theDefaultsAreThePythonTools() {
        assertThat(PythonMmiSettings.properties(Map.of("AWS_IOT_ENDPOINT", "abc-ats.iot.eu-central-1.amazonaws.com",
                "AWS_IOT_CLEAN_SESSION", "False", "AWS_IOT_PROXY_HOST", "proxy.example.org", "AWS_IOT_PROXY_PORT",
                "0")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("mmi.mqtt.broker-url",
                        "ssl://abc-ats.iot.eu-central-1.amazonaws.com:8883"));
        assertThat(PythonMmiSettings.properties(Map.of("PATH", "/usr/bin", "AWS_IOT_CLIENT_ID", " "))).isEmpty();
    }

    @Test
    void aNumberThatIsNoneIsNamed() {
        Map<String, String> env = new HashMap<>(Map.of("AWS_IOT_ENDPOINT", "broker.example", "AWS_IOT_PORT", "88x3"));
        assertThatThrownBy(() -> PythonMmiSettings.properties(env))
                .hasMessage("AWS_IOT_PORT (a Python MMI setting) must be a whole number, was '88x3'; correct or unset"
                        + " it");
    }
}
