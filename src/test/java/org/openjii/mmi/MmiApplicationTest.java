package org.openjii.mmi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Profiles: which properties files are read, and which wins, through Camel's own properties component. */
class MmiApplicationTest {

    @TempDir
    Path temp;

    @Test
    void devIsTheDefaultAndReadsApplicationPropertiesAlone() throws Exception {
        assertThat(MmiApplication.profile(Map.of(), new Properties(), Map.of())).isEqualTo("dev");
        assertThat(resolve(null, "dev", "mmi.device.port")).isEqualTo("sim");
        assertThat(resolve(null, "dev", "mmi.mqtt.broker-url")).isEqualTo("embedded");
    }

    @Test
    void theAwsProfileWinsOverApplicationPropertiesAndLeavesTheRestAlone() throws Exception {
        assertThat(resolve(null, "aws", "mmi.device.port")).isEqualTo("auto");
        assertThat(resolve(null, "aws", "mmi.mqtt.flow-control")).isEqualTo("iot-core");
        // The endpoint is the operator's: empty, so startup names mmi.mqtt.broker-url instead of guessing.
        assertThat(resolve(null, "aws", "mmi.mqtt.broker-url")).isEmpty();
        // Not in the profile: application.properties' value.
        assertThat(resolve(null, "aws", "mmi.mqtt.topic"))
                .isEqualTo("experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/{sensorId}");
    }

    @Test
    void aConfigFileWinsOverTheProfile() throws Exception {
        Path config = Files.writeString(temp.resolve("lab.properties"), "mmi.device.port = /dev/ttyACM0\n");
        assertThat(resolve(config.toString(), "aws", "mmi.device.port")).isEqualTo("/dev/ttyACM0");
    }

    @Test
    void theProfileComesFromSetThenSystemPropertyThenEnvironment() {
        Properties system = new Properties();
        system.setProperty("mmi.profile", "from-d");
        Map<String, String> env = Map.of("MMI_PROFILE", "from-env");
        assertThat(MmiApplication.profile(Map.of("mmi.profile", "from-set"), system, env)).isEqualTo("from-set");
        assertThat(MmiApplication.profile(Map.of(), system, env)).isEqualTo("from-d");
        assertThat(MmiApplication.profile(Map.of(), new Properties(), env)).isEqualTo("from-env");
    }

    @Test
    void aProfileWithoutItsFileStopsStartupNamingTheFile() {
        assertThatThrownBy(() -> MmiApplication.propertyLocations(null, "lab", temp))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mmi.profile lab")
                .hasMessageContaining(temp.resolve("application-lab.properties").toAbsolutePath().toString());
        assertThatThrownBy(() -> MmiApplication.propertyLocations(null, "../etc", temp))
                .hasMessageContaining("is not a profile name");
    }

    private static String resolve(String configFile, String profile, String key) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            PropertiesComponent properties = context.getPropertiesComponent();
            properties.setLocation(MmiApplication.propertyLocations(configFile, profile, Path.of("")));
            return properties.resolveProperty(key).orElseThrow().trim();
        }
    }
}
