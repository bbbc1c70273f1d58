package org.openjii.mmi.openjii;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Onboarding files against openJII's schema (generated from its zod source) and what mmi needs beyond it. The valid
 * file is the example of openJII's device-integration.mdx, its elided ids filled in.
 */
class OnboardingFilesTest {

    private static final String EXPERIMENT = "06c68043-1d3c-4d8e-9c7a-5b2f0e1a9d11";
    static final String EXAMPLE = """
            {
              "thingName": "seed-ambyte-gw-01",
              "deviceType": "ambyte",
              "endpoint": "a2s5example-ats.iot.eu-central-1.amazonaws.com",
              "docsUrl": "https://docs.openjii.org/developers/device-integration",
              "experiments": [
                {
                  "experimentId": "06c68043-1d3c-4d8e-9c7a-5b2f0e1a9d11",
                  "experimentName": "Soil Health Monitoring",
                  "topicPrefix": "experiment/data_ingest/v1/06c68043-1d3c-4d8e-9c7a-5b2f0e1a9d11/ambyte",
                  "workbookVersion": 1,
                  "procedures": [
                    {
                      "type": "protocol",
                      "protocolId": "dd66de2d-7e0b-4b6a-a0a5-2f4c3b9e8d77",
                      "name": "Soil Moisture Probe",
                      "family": "ambyte",
                      "code": [{ "_protocol_set": [{ "label": "SoilMoisture", "interval": 5 }] }]
                    },
                    { "type": "command", "format": "string", "content": "battery" },
                    {
                      "type": "question",
                      "id": "0b1f6c2e-3a4d-4e5f-8a9b-0c1d2e3f4a5b",
                      "name": "plot",
                      "kind": "multi_choice",
                      "text": "Which plot?",
                      "options": ["A1", "B1"],
                      "required": true,
                      "answer": "A1"
                    }
                  ]
                }
              ]
            }
            """;

    @Test
    void shouldReadOpenJiisExample() throws Exception {
        OnboardingConfig config = OnboardingFiles.parse(EXAMPLE.getBytes(StandardCharsets.UTF_8), "example.json");

        assertThat(config.thingName()).isEqualTo("seed-ambyte-gw-01");
        assertThat(config.deviceType()).isEqualTo("ambyte");
        assertThat(config.endpoint()).isEqualTo("a2s5example-ats.iot.eu-central-1.amazonaws.com");
        OnboardingConfig.Experiment experiment = config.experiments().get(0);
        assertThat(experiment.experimentId()).isEqualTo(EXPERIMENT);
        assertThat(experiment.workbookVersion()).isEqualTo(1);
        assertThat(experiment.procedures()).hasSize(3);
        OnboardingConfig.Protocol protocol = (OnboardingConfig.Protocol) experiment.procedures().get(0);
        assertThat(protocol.protocolId()).isEqualTo("dd66de2d-7e0b-4b6a-a0a5-2f4c3b9e8d77");
        assertThat(DeviceJson.write(protocol.code())).isEqualTo(
                "[{\"_protocol_set\":[{\"label\":\"SoilMoisture\",\"interval\":5}]}]");
        assertThat(experiment.procedures().get(1)).isEqualTo(new OnboardingConfig.Command("string", "battery", null));
        assertThat(experiment.questions()).singleElement().satisfies(question -> {
            assertThat(question.name()).isEqualTo("plot");
            assertThat(question.text()).isEqualTo("Which plot?");
            assertThat(question.answer().asText()).isEqualTo("A1");
        });
    }

    @Test
    void shouldRefuseWhatIsNotJson() {
        assertThatThrownBy(() -> OnboardingFiles.parse("{\"thingName\":".getBytes(StandardCharsets.UTF_8), "x.json"))
                .hasMessageStartingWith("x.json: not JSON: ");
        assertThatThrownBy(() -> OnboardingFiles.parse(new byte[0], "x.json")).hasMessage("x.json: the file is empty");
    }

    @Test
    void shouldRefuseWhatOpenJiisSchemaRefuses() throws Exception {
        ObjectNode withoutThing = example();
        withoutThing.remove("thingName");
        assertThatThrownBy(() -> parse(withoutThing)).hasMessageContaining("not an openJII onboarding file")
                .hasMessageContaining("thingName");

        ObjectNode badId = example();
        ((ObjectNode) badId.at("/experiments/0")).put("experimentId", "exp-1");
        assertThatThrownBy(() -> parse(badId)).hasMessageContaining("experimentId");

        ObjectNode unknownType = example();
        ((ObjectNode) unknownType.at("/experiments/0/procedures/1")).put("type", "reboot");
        assertThatThrownBy(() -> parse(unknownType)).hasMessageContaining("not an openJII onboarding file");

        ObjectNode phone = example();
        phone.put("deviceType", "mobile");
        assertThatThrownBy(() -> parse(phone)).hasMessageContaining("deviceType");
    }

    @Test
    void shouldRefuseATopicPrefixOutsideTheDataChannels() throws Exception {
        ObjectNode other = example();
        ((ObjectNode) other.at("/experiments/0")).put("topicPrefix", "mmi/v1/x");
        assertThatThrownBy(() -> parse(other)).hasMessage("t.json: experiment " + EXPERIMENT + ": topicPrefix"
                + " \"mmi/v1/x\" is not experiment/data_ingest/v1/" + EXPERIMENT + "/{sensorType}");

        ObjectNode wildcard = example();
        ((ObjectNode) wildcard.at("/experiments/0")).put("topicPrefix", "experiment/data_ingest/v1/" + EXPERIMENT
                + "/#");
        assertThatThrownBy(() -> parse(wildcard)).hasMessageContaining("wildcard '#'");
    }

    @Test
    void shouldRefuseAnEndpointThatIsNoHost() throws Exception {
        ObjectNode url = example();
        url.put("endpoint", "ssl://a2s5example-ats.iot.eu-central-1.amazonaws.com:8883");
        assertThatThrownBy(() -> parse(url)).hasMessageContaining("endpoint")
                .hasMessageContaining("is not a host name");
    }

    private static ObjectNode example() throws Exception {
        return (ObjectNode) DeviceJson.mapper().readTree(EXAMPLE);
    }

    private static OnboardingConfig parse(JsonNode config) throws Exception {
        return OnboardingFiles.parse(DeviceJson.write(config).getBytes(StandardCharsets.UTF_8), "t.json");
    }
}
