package org.openjii.mmi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigurationKeysTest {

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void stop() throws Exception {
        context.close();
    }

    private PropertiesComponent repositoryProperties() {
        PropertiesComponent properties = context.getPropertiesComponent();
        properties.setLocation("file:application.properties");
        return properties;
    }

    @Test
    void knowsExactlyTheKeysApplicationPropertiesDocuments() throws Exception {
        // Set or commented out as an example (### mmi.timezone = ...): every key the file documents.
        Matcher keys = Pattern.compile("(?m)^(?:#+ *)?(mmi\\.[a-z0-9.-]+) *=")
                .matcher(Files.readString(Path.of(
                        "application.properties")));
        Set<String> documented = new TreeSet<>();
        while (keys.find()) {
            documented.add(keys.group(1));
        }
        // Logging (log4j2.xml reads them from the environment or -D; docs/configuration.md documents them).
        documented.add("mmi.log.level");
        documented.add("mmi.log.format");
        // Chooses the properties files (--profile, MMI_PROFILE): docs/configuration.md documents it, not a file.
        documented.add("mmi.profile");

        assertThat(new TreeSet<>(ConfigurationKeys.KNOWN)).isEqualTo(documented);
    }

    @Test
    void theAwsProfileUsesOnlyKnownKeys() {
        PropertiesComponent properties = context.getPropertiesComponent();
        properties.setLocation("file:application-aws.properties");
        assertThatCode(() -> ConfigurationKeys.check(properties, new Properties(), Map.of()))
                .doesNotThrowAnyException();
    }

    @Test
    void acceptsTheRepositoryConfiguration() {
        assertThatCode(() -> ConfigurationKeys.check(repositoryProperties(), new Properties(), Map.of(
                "MMI_DEVICE_PORT", "auto", "MMI_LOG_LEVEL", "DEBUG", "PATH", "/usr/bin"))).doesNotThrowAnyException();
    }

    @Test
    void refusesAMisspeltKeyFromSetAndSuggestsTheNearest() {
        PropertiesComponent properties = repositoryProperties();
        properties.addOverrideProperty("mmi.devcie.port", "auto");

        assertThatThrownBy(() -> ConfigurationKeys.check(properties, new Properties(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mmi.devcie.port (in a properties file or --set) is not a key mmi knows")
                .hasMessageContaining("did you mean mmi.device.port?");
    }

    @Test
    void refusesUnknownKeysFromSystemProperties() {
        Properties system = new Properties();
        system.setProperty("mmi.mqtt.brokerurl", "tcp://localhost:1883");
        system.setProperty("mmi.cli.log.level", "WARN");

        assertThatThrownBy(() -> ConfigurationKeys.check(repositoryProperties(), system, Map.of()))
                .hasMessageContaining("mmi.mqtt.brokerurl (set with -D) is not a key mmi knows; did you mean"
                        + " mmi.mqtt.broker-url?")
                .hasMessageNotContaining("mmi.cli.log.level");
    }

    @Test
    void onlyWarnsAboutEnvironmentVariablesThatNameNoKey() {
        // Kubernetes injects these for a Service named mmi: a pod must still start.
        assertThatCode(() -> ConfigurationKeys.check(repositoryProperties(), new Properties(), Map.of(
                "MMI_SERVICE_HOST", "10.0.0.7", "MMI_PORT", "tcp://10.0.0.7:8080"))).doesNotThrowAnyException();
    }

    @Test
    void warnsAboutNeitherKeysNorTheLaunchersOwnVariables() {
        assertThat(ConfigurationKeys.unknownEnvironmentVariables(Map.of("MMI_JAVA_OPTS", "-Xmx256m", "MMI_CDS", "off",
                "MMI_DEVICE_PORT", "auto", "MMI_LOG_FORMAT", "json", "MMI_SERVICE_HOST", "10.0.0.7", "PATH",
                "/usr/bin")))
                .containsExactly("MMI_SERVICE_HOST");
    }

    @Test
    void offersNoSuggestionForSomethingFarFromEveryKey() {
        PropertiesComponent properties = repositoryProperties();
        properties.addOverrideProperty("mmi.zzzzzz", "1");

        assertThatThrownBy(() -> ConfigurationKeys.check(properties, new Properties(), Map.of()))
                .hasMessageNotContaining("did you mean");
    }
}
