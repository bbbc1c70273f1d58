package org.openjii.mmi.routes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.openjii.mmi.component.iot.IotComponent;
import org.openjii.mmi.component.iot.IotConfiguration;
import org.openjii.mmi.delivery.Delivery;
import org.openjii.mmi.delivery.MqttVersion;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.OpenJiiAsyncApi;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real application under test: {@code application.properties} and {@code routes/*.camel.yaml} from the
 * repository, loaded by Camel Main (camel-test-main-junit5), publishing to a Mosquitto started for the test class.
 * A subscriber records everything the broker receives, and every data message must conform to openJII's asyncapi.yaml
 * ({@link OpenJiiAsyncApi}). Subclasses add property overrides with {@link #override}.
 */
abstract class MmiRouteTestSupport extends CamelMainTestSupport {

    static final String EXPERIMENT = "6f1c0d2e-0000-4000-8000-00000000e001";
    static final String CLIENT_ID = "mmi-test";

    /** Filled before each test class starts its broker; CamelTestSupport reads it when the context is made. */
    private static final Properties OVERRIDES = new Properties();

    static MosquittoBroker broker;
    static MqttRecorder recorder;
    /** Extra Mosquitto configuration for a class, made from the broker's folder (set in a static initializer). */
    static Function<Path, List<String>> brokerConfig = dir -> List.of();

    @BeforeAll
    static void startBroker(TestInfo test) throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        // JUnit calls this inherited method before anything initializes the test class itself: run its static
        // initializer now, so a brokerConfig it sets is used.
        brokerConfig = dir -> List.of();
        Class<?> testClass = test.getTestClass().orElseThrow();
        Class.forName(testClass.getName(), true, testClass.getClassLoader());
        Path dir = Files.createTempDirectory("mmi-mosquitto");
        broker = MosquittoBroker.start(dir, brokerConfig.apply(dir).toArray(String[]::new));
        // Data and dead letters; the status topic (retained online/offline) is not a message of the pipeline.
        recorder = MqttRecorder.subscribeDurably(broker.url(), "test-recorder", "experiment/#", "mmi/dlq/#");
        OVERRIDES.clear();
        OVERRIDES.put("mmi.mqtt.broker-url", broker.url());
        OVERRIDES.put("mmi.mqtt.client-id", CLIENT_ID);
        OVERRIDES.put("mmi.experiment-id", EXPERIMENT);
        OVERRIDES.put("mmi.timezone", "Europe/Amsterdam");
        // No device routes unless a test asks for them: inputs are fed to direct:ingest.
        OVERRIDES.put("mmi.device.port", "");
        // A fresh outbox per class: nothing left over from another class is published here.
        OVERRIDES.put("mmi.outbox.dir", dir.resolve("outbox").toString());
        // No HTTP server unless a test asks for one (ObservabilityIT): test classes must not compete for a port.
        OVERRIDES.put("mmi.http.port", "off");
    }

    /**
     * Every data message a test made the bridge publish must be one openJII's contract accepts (its asyncapi.yaml),
     * with the message id in the payload ({@code _client_id}) equal to the {@code message-id} property.
     */
    @AfterEach
    void everyDataMessageConformsToOpenJiisContract() throws Exception {
        if (recorder == null) {
            return;
        }
        for (MqttRecorder.Received message : recorder.messages()) {
            if (message.topic().startsWith("experiment/")) {
                OpenJiiAsyncApi.assertDataMessage(message.topic(), message.payload());
                String clientId = DeviceJson.parse(message.payload()).path("_client_id").asText();
                if (runsMqtt311()) {
                    // No user properties in MQTT 3.1.1: the payload's _client_id is the only copy of the id.
                    assertThat(clientId).as("_client_id of %s", message.payload()).isNotEmpty();
                } else {
                    assertThat(clientId).as("_client_id of %s", message.payload())
                            .isEqualTo(message.userProperties().get("message-id"));
                }
            }
        }
    }

    /** Whether this class runs the bridge with {@code mmi.mqtt.protocol-version=3.1.1}. */
    static boolean runsMqtt311() {
        return MqttVersion.parse(OVERRIDES.getProperty(MqttVersion.SETTING, "5")) == MqttVersion.V3_1_1;
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (recorder != null) {
            recorder.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** Sets a property for the tests of this class (call from a static initializer or @BeforeAll after super). */
    static void override(String key, String value) {
        OVERRIDES.put(key, value);
    }

    /** The running app's delivery of the default identity (outbox, MQTT connection, publisher). */
    Delivery delivery() {
        return context.getComponent("iot", IotComponent.class).identity(IotConfiguration.DEFAULT_IDENTITY).delivery();
    }

    /** The delivery's readiness: UP while connected and the outbox is not stuck. */
    HealthCheck.State deliveryReadiness() {
        // Called directly: the registry's default exposure level would leave an UP check out of the results.
        return HealthCheckRegistry.get(context).getCheck("delivery").orElseThrow().call().getState();
    }

    @Override
    protected String getPropertyPlaceholderLocations() {
        return "file:application.properties";
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        return OVERRIDES;
    }
}
