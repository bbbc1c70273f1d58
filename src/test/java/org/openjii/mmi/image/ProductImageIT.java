package org.openjii.mmi.image;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The product image of this machine's architecture ({@code bin/build-image}) under Docker, run as the pod runs it
 * ({@link ProductImage}, {@link PodFixture}): a simulated MultispeQ on a pty, the outbox on a named volume, mutual TLS
 * over a Docker network to Mosquitto in a container. It delivers, reports ready, loses nothing when it is killed
 * ({@code docker kill}) with a backlog and started again on the same volume, and ends with exit code 0 on SIGTERM
 * with its outbox flushed. {@code bin/image-smoke} runs this class.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ProductImageIT {

    @TempDir
    Path dir;

    private PodFixture pod;

    @BeforeEach
    void setUp() {
        PodFixture.assumeTools(ProductImage.hostArch());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (pod != null) {
            pod.close();
        }
    }

    @Test
    void shouldSayInOneLineThatItHasNoEmbeddedBroker() throws Exception {
        try (ProductImage image = ProductImage.load(ProductImage.hostArch());
                GenericContainer<?> bridge = image.oneShot()) {
            bridge.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> !bridge.isRunning());
            String output = bridge.getLogs();
            assertThat(ProductImage.exitCode(bridge.getContainerId())).as(output).isEqualTo(1);
            assertThat(output.lines().filter(line -> line.startsWith("mmi run:"))).as(output)
                    .containsExactly("mmi run: mmi.mqtt.broker-url is 'embedded', but this build has no embedded broker"
                            + " (the production image leaves it out): set mmi.mqtt.broker-url (MMI_MQTT_BROKER_URL)"
                            + " to your broker, e.g. tcp://mosquitto:1883 or"
                            + " ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883");
            assertThat(output).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void shouldRunAsThePodRunsItAndLoseNothingWhenKilled() throws Exception {
        pod = PodFixture.start(ProductImage.hostArch(), dir);
        // First data at the broker, over mutual TLS as the certificate's CN, and ready.
        GenericContainer<?> first = pod.startBridge();
        await().atMost(Duration.ofSeconds(60)).until(() -> !pod.receivedIds().isEmpty());
        assertThat(pod.broker.logText()).contains("as " + PodFixture.CLIENT_ID + " (p5")
                .contains("u'" + PodFixture.CLIENT_ID + "'");
        await().atMost(Duration.ofSeconds(30)).until(() -> ProductImage.status(first, "/observe/health/ready") == 200);
        // The JVM runs as the pod's security context says: its own user with group dialout, no capabilities, no new
        // privileges, and cannot write the root file system.
        String status = first.execInContainer("cat", "/proc/1/status").getStdout();
        assertThat(status).containsPattern("Uid:\\s+10001\\s")
                .containsPattern("Groups:.*\\b20\\b")
                .containsPattern("CapEff:\\s+0000000000000000")
                .containsPattern("NoNewPrivs:\\s+1");
        assertThat(first.execInContainer("touch", "/app/written").getExitCode()).as("read-only root").isNotZero();

        // A backlog: the broker goes away, measurements pile up in the outbox on the volume.
        pod.recorder.leave(pod.broker);
        pod.broker.stop();
        await().atMost(Duration.ofSeconds(60)).until(() -> ProductImage.metric(first, "mmi_outbox_depth") >= 10);

        // docker kill: SIGKILL, no shutdown. What the outbox held then must all arrive after a restart.
        first.getDockerClient().killContainerCmd(first.getContainerId()).exec();
        await().atMost(Duration.ofSeconds(30)).until(() -> !first.isRunning());
        assertThat(ProductImage.exitCode(first.getContainerId())).as("killed").isEqualTo(137);
        Set<String> waiting = ProductImage.waitingIds(first.getContainerId(), dir.resolve("outbox-at-kill"));
        assertThat(waiting).hasSizeGreaterThanOrEqualTo(10);
        Set<String> expected = new HashSet<>(pod.receivedIds());
        expected.addAll(waiting);
        pod.remove(first);

        pod.broker.restart();
        pod.recorder.reconnect();
        GenericContainer<?> second = pod.startBridge();
        await().atMost(Duration.ofSeconds(90)).until(() -> pod.receivedIds().containsAll(expected));
        await().atMost(Duration.ofSeconds(30)).until(() -> ProductImage.status(second, "/observe/health/ready") == 200);

        // SIGTERM (docker stop, as the kubelet stops a pod): exit code 0, nothing acknowledged left in the outbox.
        second.getDockerClient().stopContainerCmd(second.getContainerId()).withTimeout(60).exec();
        String output = second.getLogs();
        assertThat(ProductImage.exitCode(second.getContainerId())).as(output).isZero();
        Set<String> left = ProductImage.waitingIds(second.getContainerId(), dir.resolve("outbox-at-stop"));
        Set<String> received = settledReceivedIds();
        assertThat(left).as("acknowledged messages left in the outbox").doesNotContainAnyElementsOf(received);
        assertThat(output).contains(" retried, " + left.size() + " waiting in the outbox");
        System.out.printf("Product image (%s): %d messages in the outbox at docker kill, all %d stored before it"
                + " arrived after the restart; SIGTERM: exit code 0, %d left in the outbox, %d messages received%n",
                pod.image.arch(), waiting.size(), expected.size(), left.size(), received.size());
    }

    /** The ids received once the broker has delivered everything it has (nothing new for a second). */
    private Set<String> settledReceivedIds() {
        Set<String> previous = new HashSet<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Set<String> now = pod.receivedIds();
            boolean settled = now.equals(previous);
            previous.clear();
            previous.addAll(now);
            return settled;
        });
        return pod.receivedIds();
    }
}
