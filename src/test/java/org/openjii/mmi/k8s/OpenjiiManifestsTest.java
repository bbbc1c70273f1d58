package org.openjii.mmi.k8s;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.OPENJII_DOWNLOADS;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.container;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.copyWithDownloads;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.environment;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.jibSetting;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.mountOf;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.named;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.podTemplate;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.render;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.setting;
import static org.openjii.mmi.k8s.KubernetesManifestsTest.volumeNamed;

/**
 * The openJII overlays as kustomize renders them (k8s/overlays/openjii: one pod, several Things;
 * k8s/overlays/openjii-gateways: a DaemonSet, one pod per gateway node): the Secret is openJII's downloads as they are,
 * mounted read-only as MMI_OPENJII_DIR, and nothing else names an endpoint, a Thing or an experiment. What every
 * overlay shares (valid objects, probes, ConfigMaps, labels, known MMI_* names) is checked by KubernetesManifestsTest
 * for these two as well.
 */
class OpenjiiManifestsTest {

    private static final String MOUNT = "/etc/mmi/openjii";

    @TempDir
    static Path copy;

    @BeforeAll
    static void downloads() throws Exception {
        KubernetesManifestsTest.requireRenderer();
        copyWithDownloads(copy);
    }

    private static List<HasMetadata> render(String overlay) throws Exception {
        return KubernetesManifestsTest.render(copy.resolve("k8s/overlays").resolve(overlay));
    }

    /** The Secret volume of the pod. */
    private static Volume openjiiVolume(PodSpec pod) {
        return pod.getVolumes()
                .stream()
                .filter(v -> v.getSecret() != null)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Secret volume"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openjii", "openjii-gateways"})
    void theSecretIsTheDownloadsAsTheyAreMountedReadOnlyAsTheOpenjiiDir(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay);
        PodSpec pod = podTemplate(objects).getSpec();
        Volume volume = openjiiVolume(pod);
        Secret secret = named(objects, Secret.class, volume.getSecret().getSecretName());

        Map<String, byte[]> keys = new TreeMap<>();
        secret.getData().forEach((key, value) -> keys.put(key, Base64.getMimeDecoder().decode(value)));
        assertThat(keys.keySet()).as("the zip names, as openJII names a group's downloads")
                .containsExactlyInAnyOrderElementsOf(OPENJII_DOWNLOADS);
        Path downloads = copy.resolve("k8s/overlays/openjii/downloads");
        for (String zip : OPENJII_DOWNLOADS) {
            assertThat(keys.get(zip)).as(zip + ", byte for byte").isEqualTo(Files.readAllBytes(downloads.resolve(zip)));
        }
        assertThat(volume.getSecret().getDefaultMode()).as("0440: the pod's group only").isEqualTo(0440);
        VolumeMount mount = mountOf(container(objects), volume.getName());
        assertThat(mount.getMountPath()).isEqualTo(MOUNT);
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(mount.getSubPath()).as("a whole-volume mount: a new Secret's files replace the old").isNull();
        assertThat(setting(objects, "mmi.openjii.dir")).isEqualTo(MOUNT);
        // Nothing but the downloads says where to connect, as whom or for which experiment.
        assertThat(environment(objects)).doesNotContainKeys("MMI_MQTT_BROKER_URL", "MMI_MQTT_CLIENT_ID",
                "MMI_EXPERIMENT_ID", "MMI_MQTT_CERT_FILE", "MMI_MQTT_KEY_FILE", "MMI_MQTT_CA_FILE");
        // Every attached MultispeQ, each matched to its Thing.
        assertThat(setting(objects, "mmi.device.port")).isEqualTo("auto");
        assertThat(setting(objects, "mmi.device.all")).isEqualTo("true");
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void aNewDownloadRenamesTheSecretSoApplyReplacesThePod() throws Exception {
        String before = openjiiVolume(podTemplate(render("openjii")).getSpec()).getSecret().getSecretName();
        Path configs = copy.resolve("k8s/overlays/openjii/downloads").resolve(OPENJII_DOWNLOADS.get(1));
        byte[] original = Files.readAllBytes(configs);
        try {
            Files.write(configs, new byte[]{'P', 'K', 5, 6});
            String after = openjiiVolume(podTemplate(render("openjii")).getSpec()).getSecret().getSecretName();
            assertThat(after).startsWith("mmi-openjii-").isNotEqualTo(before);
        } finally {
            Files.write(configs, original);
        }
    }

    @Test
    void severalThingsRunInOnePodOnTheDevicesNode() throws Exception {
        List<HasMetadata> objects = render("openjii");
        Deployment deployment = named(objects, Deployment.class, "mmi");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
        PodSpec pod = podTemplate(objects).getSpec();
        assertThat(pod.getNodeSelector()).containsEntry("openjii.org/multispeq", "true");
        assertThat(container(objects).getResources()
                .getLimits()
                .get("squat.ai/serial")
                .getNumericalAmount()
                .intValue()).as("the MultispeQs of the node, through the device plugin").isGreaterThan(1);
        assertThat(container(objects).getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void theGatewaysRunOnePodPerLabelledNodeWithTheNodesDevicesAndOutbox() throws Exception {
        List<HasMetadata> objects = render("openjii-gateways");
        assertThat(objects).noneMatch(o -> o instanceof Deployment).noneMatch(o -> o instanceof PersistentVolumeClaim);
        DaemonSet gateways = named(objects, DaemonSet.class, "mmi");
        assertThat(gateways.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getIntVal())
                .as("never two pods, so never two connections as one Thing, on a node")
                .isZero();
        PodSpec pod = podTemplate(objects).getSpec();
        assertThat(pod.getNodeSelector()).containsExactly(Map.entry("openjii.org/multispeq-gateway", "true"));
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getHostIPC()).isNotEqualTo(Boolean.TRUE);

        // The image's user, in the dialout group; privileged for the devices plugged in later, nothing else.
        String user = jibSetting("user");
        assertThat(pod.getSecurityContext().getRunAsUser() + ":" + pod.getSecurityContext().getRunAsGroup())
                .isEqualTo(user);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSupplementalGroups()).as("dialout").contains(20L);
        Container mmi = container(objects);
        assertThat(mmi.getSecurityContext().getRunAsUser()).as("the pod's user").isNull();
        assertThat(mmi.getSecurityContext().getPrivileged()).isTrue();
        assertThat(mmi.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(mmi.getResources().getLimits()).doesNotContainKey("squat.ai/serial");
        VolumeMount dev = mmi.getVolumeMounts()
                .stream()
                .filter(m -> m.getMountPath().equals("/dev"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the node's /dev is not mounted"));
        assertThat(volumeNamed(pod, dev.getName()).getHostPath().getPath()).isEqualTo("/dev");
        assertThat(mmi.getTerminationMessagePath()).as("not a file in the node's /dev").doesNotStartWith("/dev");

        // The outbox on the gateway's disk, owned by the pod's user: the one step as root, CHOWN only.
        Path outbox = Path.of(setting(objects, "mmi.outbox.dir"));
        VolumeMount outboxMount = mmi.getVolumeMounts()
                .stream()
                .filter(m -> outbox.startsWith(Path.of(m.getMountPath())))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume holds " + outbox));
        Volume outboxVolume = volumeNamed(pod, outboxMount.getName());
        assertThat(outboxVolume.getHostPath().getPath()).isEqualTo(outboxMount.getMountPath());
        assertThat(outboxVolume.getPersistentVolumeClaim()).isNull();
        assertThat(pod.getInitContainers()).singleElement().satisfies(init -> {
            assertThat(init.getCommand()).containsExactly("chown", user, outboxMount.getMountPath());
            assertThat(init.getVolumeMounts()).singleElement()
                    .satisfies(m -> assertThat(m.getName()).isEqualTo(outboxMount.getName()));
            assertThat(init.getSecurityContext().getRunAsUser()).isZero();
            assertThat(init.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(init.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
            assertThat(init.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(init.getSecurityContext().getCapabilities().getAdd()).containsExactly("CHOWN");
        });
    }
}
