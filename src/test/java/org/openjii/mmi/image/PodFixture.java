package org.openjii.mmi.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.DockerSupport;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.TestPki;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * What a pod finds around it, for the product image: a Docker network with Mosquitto on it (mutual TLS on 8883 under
 * the name {@code mosquitto}; plain MQTT on a loopback port for the test's recorder, with persistence, so the broker
 * can be stopped and started again), the certificates a Secret would hold, a simulated MultispeQ on a pty, a named
 * volume for the outbox. Bridges started here run the image as the pod does ({@link ProductImage#container}); their
 * output is kept in {@code target/product-image-it/}.
 */
final class PodFixture implements AutoCloseable {

    static final String CLIENT_ID = "mmi-image-test";
    static final String DATA = "experiment/data_ingest/v1/image-experiment/";

    final ProductImage image;
    final Network network;
    final MosquittoBroker broker;
    final MqttRecorder recorder;
    private final PtySimulator device;
    private final String volume;
    private final Path certs;
    private final Path logs;
    private final List<GenericContainer<?>> bridges = new ArrayList<>();

    private PodFixture(ProductImage image, Network network, MosquittoBroker broker, MqttRecorder recorder,
            PtySimulator device, String volume, Path certs, Path logs) {
        this.image = image;
        this.network = network;
        this.broker = broker;
        this.recorder = recorder;
        this.device = device;
        this.volume = volume;
        this.certs = certs;
        this.logs = logs;
    }

    /**
     * Skips the test without Docker, socat, the Mosquitto image or the image tar for {@code arch}; on CI
     * ({@code CI=true}) fails it instead.
     */
    static void assumeTools(String arch) {
        DockerSupport.assumeDocker();
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        ToolAssumptions.assumeTool("the Mosquitto image (bin/build-test-images)", MosquittoBroker.available()
                && MosquittoBroker.inContainers());
        ProductImage.assumeTar(arch);
    }

    static PodFixture start(String arch, Path dir) throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "product-image-it", arch));
        try (var old = Files.list(logs)) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        List<AutoCloseable> started = new ArrayList<>();
        try {
            ProductImage image = ProductImage.load(arch);
            started.add(image);
            Network network = Network.builder()
                    .createNetworkCmdModifier(cmd -> cmd.withLabels(DockerSupport.labels("network")))
                    .build();
            started.add(network);
            String volume = ProductImage.createVolume("mmi-test-outbox-" + UUID.randomUUID());
            started.add(() -> ProductImage.removeVolume(volume));

            TestPki.Authority authority = TestPki.Authority.create("mmi image test CA");
            Path brokerDir = Files.createDirectories(dir.resolve("broker"));
            Path caFile = authority.writeCertificate(brokerDir.resolve("ca.pem"));
            TestPki.Issued server = authority.issueServer("mosquitto", "mosquitto");
            // The bridge's files as AWS IoT issues them, mounted as the pod mounts its Secret: mode 0440, the group
            // the pod's fsGroup (10001, the image's own group; as another user than root the test's own group,
            // which the container then gets as a supplemental group, as fsGroup is one).
            Path certs = Files.createDirectories(dir.resolve("certs"));
            TestPki.Issued client = authority.issueClient(CLIENT_ID, TestPki.KeyType.RSA);
            List<Path> files = List.of(client.writeCertificate(certs.resolve("device.pem.crt")),
                    client.writeKey(certs.resolve("private.pem.key"), TestPki.KeyFormat.TRADITIONAL),
                    authority.writeCertificate(certs.resolve("ca.pem")));
            for (Path file : files) {
                try {
                    Files.setAttribute(file, "unix:gid", ProductImage.IMAGE_GROUP);
                } catch (IOException e) {
                    // Not root: the file keeps the test's group.
                }
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
            }
            MosquittoBroker broker = MosquittoBroker.startOnNetwork(network, "mosquitto", brokerDir,
                    "persistence true", "persistence_location " + brokerDir + "/", "max_queued_messages 10000",
                    "listener 8883", "cafile " + caFile, "certfile " + server.writeCertificate(brokerDir.resolve(
                            "server.pem")),
                    "keyfile " + server.writeKey(brokerDir.resolve("server.key"),
                            TestPki.KeyFormat.TRADITIONAL),
                    "require_certificate true",
                    "use_identity_as_username true", "tls_version tlsv1.2");
            started.add(broker);
            MqttRecorder recorder = MqttRecorder.subscribeDurably(broker.url(), "image-recorder", DATA + "#");
            started.add(recorder);
            PtySimulator device = PtySimulator.start(dir.resolve("ttyMSQ"), SimulatorOptions.builder()
                    .runTime(Duration.ZERO)
                    .maxRunTime(Duration.ZERO)
                    .chunkPause(Duration.ZERO)
                    .build());
            return new PodFixture(image, network, broker, recorder, device, volume, certs, logs);
        } catch (Exception | Error e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
            throw e;
        }
    }

    /** Starts a bridge from the image on the outbox volume, measuring the simulated MultispeQ every 300 ms. */
    GenericContainer<?> startBridge() throws Exception {
        GenericContainer<?> bridge = image.container(network, volume, ProductImage.asSerialDevice(device.hostLink()),
                certs, Map.of("MMI_MQTT_BROKER_URL", "ssl://mosquitto:8883", "MMI_MQTT_CERT_FILE", ProductImage.CERTS
                        + "/device.pem.crt", "MMI_MQTT_KEY_FILE", ProductImage.CERTS + "/private.pem.key",
                        "MMI_MQTT_CA_FILE", ProductImage.CERTS + "/ca.pem", "MMI_MQTT_CLIENT_ID", CLIENT_ID,
                        "MMI_EXPERIMENT_ID", "image-experiment", "MMI_DEVICE_INTERVAL", "300ms"));
        bridges.add(bridge);
        bridge.start();
        return bridge;
    }

    /** Saves a bridge's output ({@code docker logs}) and removes its container. */
    void remove(GenericContainer<?> bridge) throws Exception {
        if (bridge.getContainerId() != null) {
            Files.writeString(logs.resolve("bridge-" + (bridges.indexOf(bridge) + 1) + ".log"), bridge.getLogs());
        }
        bridge.stop();
    }

    /** The message ids of the data the recorder received. */
    Set<String> receivedIds() {
        return recorder.on(DATA)
                .stream()
                .map(m -> m.userProperties().get("message-id"))
                .collect(Collectors.toSet());
    }

    @Override
    public void close() throws Exception {
        for (GenericContainer<?> bridge : bridges) {
            remove(bridge);
        }
        device.close();
        recorder.close();
        broker.close();
        ProductImage.removeVolume(volume);
        network.close();
        image.close();
    }
}
