package org.openjii.mmi.observe;

import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code mmi.http.*} keys as the repository's application.properties sets them, and values that cannot work. */
class ObservabilityTest {

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() throws Exception {
        context.close();
    }

    private PropertiesComponent properties(String... keyValues) {
        PropertiesComponent properties = context.getPropertiesComponent();
        properties.setLocation("file:application.properties");
        Properties overrides = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            overrides.setProperty(keyValues[i], keyValues[i + 1]);
        }
        properties.setOverrideProperties(overrides);
        return properties;
    }

    @Test
    void shouldServeOnThisMachineOnlyOnThePortAndPathsTheKubernetesProbesUse() {
        assertThat(Observability.settings(properties()))
                .isEqualTo(new Observability.Settings("127.0.0.1", 9876, "/observe/health", "/observe/metrics"));
        assertThat(Observability.settings(properties("mmi.http.host", " ")).host()).as("unset")
                .isEqualTo("127.0.0.1");
    }

    @Test
    void shouldTurnHttpOffWithOffOrZero() {
        assertThat(Observability.settings(properties("mmi.http.port", "off")).enabled()).isFalse();
        assertThat(Observability.settings(properties("mmi.http.port", "OFF")).enabled()).isFalse();
        assertThat(Observability.settings(properties("mmi.http.port", "0")).enabled()).isFalse();
        assertThat(Observability.settings(properties("mmi.http.port", "8080")).port()).isEqualTo(8080);
    }

    @Test
    void shouldRefuseAPortThatIsNotOneWithTheKeyAndTheValue() {
        assertThatThrownBy(() -> Observability.settings(properties("mmi.http.port", "http")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mmi.http.port must be a port number (1-65535) or off, was 'http'");
        assertThatThrownBy(() -> Observability.settings(properties("mmi.http.port", "70000")))
                .hasMessageContaining("mmi.http.port");
    }

    @Test
    void shouldRefuseAPathThatIsNotAbsolute() {
        assertThatThrownBy(() -> Observability.settings(properties("mmi.http.metrics-path", "metrics")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mmi.http.metrics-path must be an absolute path such as /observe/metrics (no trailing"
                        + " slash), was 'metrics'");
    }

    @Test
    void shouldBindOnePrometheusRegistryWhereCamelMicrometerLooks() {
        var registry = Observability.meterRegistry(context);

        assertThat(registry).isInstanceOf(PrometheusMeterRegistry.class);
        assertThat(context.getRegistry().lookupByName("metricsRegistry")).isSameAs(registry);
        assertThat(Observability.meterRegistry(context)).isSameAs(registry);
    }

    @Test
    void shouldNameTheMetricsMmiInPrometheus() {
        PrometheusMeterRegistry registry = (PrometheusMeterRegistry) Observability.meterRegistry(context);
        Observability.deadLetters(registry, "invalid-json").increment();
        Observability.deviceConnected(registry, "multispeq", () -> true);
        Observability.deviceCrcAbsent(registry, "multispeq").increment();
        Observability.deviceLinesSkipped(registry, "/dev/ttyACM0").increment();

        assertThat(registry.scrape()).contains("mmi_dead_letters_total{reason=\"invalid-json\"} 1.0",
                "mmi_device_connected{device=\"multispeq\"} 1.0",
                "mmi_device_crc_absent_total{device=\"multispeq\"} 1.0",
                "mmi_device_lines_skipped_total{port=\"/dev/ttyACM0\"} 1.0");
    }
}
