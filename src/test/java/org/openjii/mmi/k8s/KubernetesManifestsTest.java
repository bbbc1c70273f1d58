package org.openjii.mmi.k8s;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.ConfigurationKeys;
import org.openjii.mmi.PublishingIds;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.w3c.dom.Element;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Kubernetes manifests (k8s/) as kustomize renders them, checked offline: every object against the typed
 * Kubernetes model (fabric8, the API's own field names and types; an unknown field fails), then against the
 * application: probes and port from the management keys, the ConfigMaps from application.properties and routes/, the
 * Secret's keys from the certificate keys, the outbox on the PersistentVolumeClaim, non-root with a read-only root.
 * Rendering needs kubectl (its built-in kustomize) or kustomize: skipped without, failing on CI.
 */
class KubernetesManifestsTest {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path K8S = ROOT.resolve("k8s");
    /** The openJII overlays' Secret files, as openJII names a group's downloads (the user puts them there). */
    static final List<String> OPENJII_DOWNLOADS = List.of("group-credentials.zip", "group-configs.zip");
    /**
     * MMI_* variables of keys that ConfigurationKeys does not list yet: mmi.openjii.dir is read by the openJII mode
     * (issue 17), which builds on these manifests.
     */
    private static final Set<String> KEYS_OF_THE_OPENJII_MODE = Set.of("MMI_OPENJII_DIR");
    /** Kinds the manifests may contain, with their model class. */
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of("Deployment", Deployment.class,
            "DaemonSet", DaemonSet.class, "Service", Service.class, "ConfigMap", ConfigMap.class,
            "PersistentVolumeClaim", PersistentVolumeClaim.class, "Secret", Secret.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper MODEL = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .build();

    private static List<String> kustomize;
    private static Properties app;

    /** A copy of k8s/ with openJII's downloads where the openJII overlays read them. */
    @TempDir
    static Path withDownloads;

    @BeforeAll
    static void renderer() throws IOException {
        requireRenderer();
        app = new Properties();
        try (var in = Files.newBufferedReader(ROOT.resolve("application.properties"))) {
            app.load(in);
        }
        copyWithDownloads(withDownloads);
    }

    /** kubectl's kustomize (or kustomize) for {@link #render}: the test is skipped without, and fails on CI. */
    static void requireRenderer() {
        kustomize = findRenderer();
        ToolAssumptions.assumeTool("kubectl (or kustomize)", kustomize != null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws", "overlays/openjii", "overlays/openjii-gateways"})
    void everyRenderedObjectIsAValidKubernetesObject(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay(overlay));
        assertThat(objects).extracting(HasMetadata::getKind).contains("ConfigMap", "Service");
        assertThat(objects).filteredOn(o -> o instanceof Deployment || o instanceof DaemonSet)
                .filteredOn(o -> o.getMetadata().getName().equals("mmi"))
                .as("one bridge")
                .singleElement();
        // Everything a reference names is in the output (kustomize rewrote the generated names consistently).
        PodSpec pod = podTemplate(objects).getSpec();
        for (Volume volume : pod.getVolumes()) {
            if (volume.getConfigMap() != null) {
                assertThat(named(objects, ConfigMap.class, volume.getConfigMap().getName())).as(volume.getName())
                        .isNotNull();
            }
            if (volume.getSecret() != null && !overlay.equals("overlays/aws")) {
                // (The aws overlay's Secret is made by hand: secret.example.yaml.)
                assertThat(named(objects, Secret.class, volume.getSecret().getSecretName())).isNotNull();
            }
            if (volume.getPersistentVolumeClaim() != null) {
                assertThat(named(objects, PersistentVolumeClaim.class,
                        volume.getPersistentVolumeClaim().getClaimName())).isNotNull();
            }
        }
        container(objects).getEnvFrom()
                .forEach(from -> assertThat(named(objects, ConfigMap.class, from.getConfigMapRef().getName()))
                        .isNotNull());
    }

    @Test
    void theValidatorRejectsUnknownFieldsAndWrongTypes() {
        String misspelt = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicaz: 1\n";
        assertThatThrownBy(() -> validate(misspelt, "test")).hasMessageContaining("replicaz")
                .hasMessageContaining("Deployment x");
        String nested = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 80, targetPrt: 1}]\n";
        assertThatThrownBy(() -> validate(nested, "test")).hasMessageContaining("targetPrt");
        String wrongType = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: eighty}]\n";
        assertThatThrownBy(() -> validate(wrongType, "test")).hasMessageContaining("eighty");
        String unknownKind = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n";
        assertThatThrownBy(() -> validate(unknownKind, "test")).hasMessageContaining("Pod");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws", "overlays/openjii", "overlays/openjii-gateways"})
    void probesAndPortAreTheManagementEndpoints(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay(overlay));
        Container container = container(objects);
        int port = Integer.parseInt(setting(objects, "mmi.http.port"));
        String health = setting(objects, "mmi.http.health-path");
        assertThat(container.getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(port);
        });
        assertProbe(container, container.getStartupProbe(), port, health + "/live");
        assertProbe(container, container.getLivenessProbe(), port, health + "/live");
        assertProbe(container, container.getReadinessProbe(), port, health + "/ready");
        Map<String, String> annotations = podTemplate(objects).getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/port", String.valueOf(port))
                .containsEntry("prometheus.io/path", setting(objects, "mmi.http.metrics-path"));
        Service service = named(objects, Service.class, "mmi");
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
        // The HTTP server listens on the pod's address, not only on loopback.
        assertThat(setting(objects, "mmi.http.host")).isEqualTo("0.0.0.0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws", "overlays/openjii", "overlays/openjii-gateways"})
    void theConfigMapsCarryApplicationPropertiesAndEveryRoute(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay(overlay));
        PodSpec pod = podTemplate(objects).getSpec();
        Container container = container(objects);
        String workdir = jibSetting("workingDirectory");

        ConfigMap config = configMapMountedAt(objects, pod, container, workdir + "/application.properties");
        assertThat(config.getData()).containsOnlyKeys("application.properties");
        assertThat(config.getData().get("application.properties"))
                .as("k8s/base/config/application.properties is a copy of application.properties: run bin/k8s-config")
                .isEqualTo(Files.readString(ROOT.resolve("application.properties")));

        ConfigMap routes = configMapMountedAt(objects, pod, container, workdir + "/routes");
        Map<String, String> routeFiles = new TreeMap<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("routes"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".camel.yaml")).toList()) {
                routeFiles.put(file.getFileName().toString(), Files.readString(file));
            }
        }
        assertThat(routeFiles).isNotEmpty();
        assertThat(new TreeMap<>(routes.getData()))
                .as("k8s/base/kustomization.yaml lists every routes/*.camel.yaml, and k8s/base/config holds a copy of"
                        + " them: run bin/k8s-config")
                .isEqualTo(routeFiles);
        // Camel reads exactly these (routes/ of the working directory, the image's, where no mmi.home is set).
        assertThat(app.getProperty("camel.main.routes-include-pattern")).isEqualTo(
                "file:{{mmi.home:.}}/routes/*.camel.yaml");
    }

    @Test
    void anEditedRouteRenamesItsConfigMapSoApplyRollsThePod(@TempDir Path temp) throws Exception {
        copyTree(K8S, temp.resolve("k8s"));
        Path route = temp.resolve("k8s/base/config/routes/ingest.camel.yaml");
        String before = podTemplateRoutesName(render(temp.resolve("k8s/overlays/dev")));
        Files.writeString(route, Files.readString(route) + "# edited\n");
        String after = podTemplateRoutesName(render(temp.resolve("k8s/overlays/dev")));
        assertThat(after).startsWith("mmi-routes-").isNotEqualTo(before);
    }

    @Test
    void theSecretKeysAreTheCertificateFiles() throws Exception {
        List<HasMetadata> objects = render(K8S.resolve("overlays/aws"));
        Secret example = (Secret) validate(Files.readString(K8S.resolve("overlays/aws/secret.example.yaml")),
                "secret.example.yaml").get(0);
        PodSpec pod = mmi(objects).getSpec().getTemplate().getSpec();
        Container container = container(objects);
        Volume certs = pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst().orElseThrow();
        assertThat(certs.getSecret().getSecretName()).isEqualTo(example.getMetadata().getName());
        String mount = mountOf(container, certs.getName()).getMountPath();
        Set<String> files = new TreeSet<>();
        for (String key : List.of("mmi.mqtt.cert-file", "mmi.mqtt.key-file", "mmi.mqtt.ca-file")) {
            String path = setting(objects, key);
            assertThat(Path.of(path).getParent()).as(key).isEqualTo(Path.of(mount));
            files.add(Path.of(path).getFileName().toString());
        }
        assertThat(new TreeSet<>(example.getStringData().keySet())).isEqualTo(files);
        // Placeholders only: nothing that parses as a real certificate or key is committed.
        example.getStringData().values().forEach(value -> assertThat(value).contains("placeholder"));
        assertThat(setting(objects, "mmi.mqtt.broker-url")).startsWith("ssl://").contains(".amazonaws.com:");
        // The example is not part of the overlay: applying it would replace the real certificate.
        assertThat(objects).noneMatch(o -> o instanceof Secret);
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws", "overlays/openjii"})
    void theOutboxIsOnThePersistentVolumeClaim(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay(overlay));
        PodSpec pod = mmi(objects).getSpec().getTemplate().getSpec();
        Path outbox = Path.of(setting(objects, "mmi.outbox.dir"));
        assertThat(outbox.isAbsolute()).as("mmi.outbox.dir " + outbox).isTrue();
        VolumeMount mount = container(objects).getVolumeMounts()
                .stream()
                .filter(m -> outbox.startsWith(Path.of(m.getMountPath())))
                .max(Comparator.comparingInt(m -> m.getMountPath().length()))
                .orElseThrow(() -> new AssertionError("no volume holds " + outbox));
        Volume volume = pod.getVolumes()
                .stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(volume.getPersistentVolumeClaim()).as(outbox + " is on " + volume.getName()).isNotNull();
        assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
        assertThat(named(objects, PersistentVolumeClaim.class, volume.getPersistentVolumeClaim().getClaimName())
                .getSpec()
                .getAccessModes()).containsExactly("ReadWriteOnce");
        // One pod at a time owns the outbox, the serial ports and the client id.
        assertThat(mmi(objects).getSpec().getReplicas()).isEqualTo(1);
        assertThat(mmi(objects).getSpec().getStrategy().getType()).isEqualTo("Recreate");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws", "overlays/openjii"})
    void theContainerRunsAsNonRootOnAReadOnlyRootFileSystem(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay(overlay));
        PodSpec pod = mmi(objects).getSpec().getTemplate().getSpec();
        Container container = container(objects);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(pod.getSecurityContext().getSupplementalGroups()).as("dialout").contains(20L);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        // The image's user is the pod's, and its temp dir (jSerialComm's native library) is a writable emptyDir.
        assertThat(jibSetting("user")).isEqualTo(pod.getSecurityContext().getRunAsUser() + ":"
                + pod.getSecurityContext().getRunAsGroup());
        assertThat(jibSetting("jvmFlags")).contains("-Djava.io.tmpdir=/tmp").contains("-XX:MaxRAMPercentage=");
        VolumeMount tmp = container.getVolumeMounts()
                .stream()
                .filter(m -> m.getMountPath().equals("/tmp"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("/tmp is not a volume"));
        assertThat(volumeNamed(pod, tmp.getName()).getEmptyDir()).isNotNull();
        assertThat(setting(objects, "mmi.log.format")).isEqualTo("json");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(30L);
    }

    @Test
    void theAwsOverlayRunsOnTheDevicesNodeThroughTheDevicePlugin() throws Exception {
        List<HasMetadata> objects = render(K8S.resolve("overlays/aws"));
        PodSpec pod = mmi(objects).getSpec().getTemplate().getSpec();
        Container container = container(objects);
        assertThat(pod.getNodeSelector()).containsEntry("openjii.org/multispeq", "true");
        assertThat(container.getResources().getLimits()).containsKey("squat.ai/serial");
        VolumeMount byId = container.getVolumeMounts()
                .stream()
                .filter(m -> m.getMountPath().equals("/dev/serial/by-id"))
                .findFirst()
                .orElseThrow();
        assertThat(volumeNamed(pod, byId.getName()).getHostPath().getPath()).isEqualTo("/dev/serial/by-id");
        assertThat(setting(objects, "mmi.device.port")).isEqualTo("auto");
    }

    @Test
    void theDevOverlayNeedsNoHardware() throws Exception {
        List<HasMetadata> objects = render(K8S.resolve("overlays/dev"));
        PodSpec pod = mmi(objects).getSpec().getTemplate().getSpec();
        assertThat(pod.getNodeSelector()).isNullOrEmpty();
        assertThat(pod.getVolumes()).noneMatch(v -> v.getHostPath() != null);
        assertThat(container(objects).getResources().getLimits()).doesNotContainKey("squat.ai/serial");
        assertThat(setting(objects, "mmi.device.port")).isEqualTo("sim");
        // The broker URL names the in-cluster Mosquitto Service and its port.
        String url = setting(objects, "mmi.mqtt.broker-url");
        Service mosquitto = named(objects, Service.class, "mosquitto");
        assertThat(url).isEqualTo("tcp://mosquitto:" + mosquitto.getSpec().getPorts().get(0).getPort());
        assertThat(setting(objects, "mmi.mqtt.allow-plaintext")).isEqualTo("true");
        assertThat(objects).filteredOn(o -> o instanceof Deployment)
                .extracting(o -> o.getMetadata().getName())
                .containsExactlyInAnyOrder("mmi", "mosquitto");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws", "overlays/openjii", "overlays/openjii-gateways"})
    void everyObjectCarriesTheRecommendedLabelsAndTheImagesVersion(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay(overlay));
        String version = projectVersion();
        for (HasMetadata object : objects) {
            assertThat(object.getMetadata().getLabels()).as(object.getKind() + " " + object.getMetadata().getName())
                    .containsKeys("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                            "app.kubernetes.io/component", "app.kubernetes.io/part-of",
                            "app.kubernetes.io/managed-by");
            if ("mmi".equals(object.getMetadata().getLabels().get("app.kubernetes.io/name"))) {
                assertThat(object.getMetadata().getLabels()).as(object.getKind() + " " + object.getMetadata()
                        .getName()).containsEntry("app.kubernetes.io/version", version);
            }
        }
        // The pods carry them too; the version is the image's, which Jib tags with the project's version.
        assertThat(podTemplate(objects).getMetadata().getLabels()).containsEntry("app.kubernetes.io/version", version)
                .containsEntry("app.kubernetes.io/component", "bridge");
        String image = jibSetting("to").replace("${project.version}", version);
        assertThat(container(objects).getImage()).isEqualTo(image);
        assertThat(podTemplate(objects).getSpec().getInitContainers()).allSatisfy(init -> assertThat(init.getImage())
                .isEqualTo(image));
        // A selector cannot change: it holds the name only, not the version of a release.
        assertThat(selector(objects).getMatchLabels()).containsOnlyKeys("app.kubernetes.io/name");
    }

    @Test
    void thePrivilegedFallbackRendersAndStaysNonRoot(@TempDir Path temp) throws Exception {
        Path overlay = temp.resolve("privileged");
        Files.createDirectories(overlay);
        // An overlay outside the repository, as a cluster's own repository would have (kustomize wants relative paths).
        Files.writeString(overlay.resolve("kustomization.yaml"),
                "resources:\n  - " + overlay.relativize(K8S.resolve("overlays/aws")) + "\ncomponents:\n  - "
                        + overlay.relativize(K8S.resolve("components/privileged")) + "\n");
        List<HasMetadata> objects = render(overlay);
        Container container = container(objects);
        assertThat(container.getSecurityContext().getPrivileged()).isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getResources().getLimits()).doesNotContainKey("squat.ai/serial");
        assertThat(mmi(objects).getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws", "overlays/openjii", "overlays/openjii-gateways"})
    void everyEnvironmentVariableNamesAKeyMmiKnows(String overlay) throws Exception {
        List<HasMetadata> objects = render(overlay(overlay));
        Set<String> known = ConfigurationKeys.KNOWN.stream()
                .map(k -> k.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'))
                .collect(Collectors.toCollection(TreeSet::new));
        known.addAll(KEYS_OF_THE_OPENJII_MODE);
        assertThat(environment(objects).keySet()).filteredOn(name -> name.startsWith("MMI_"))
                .allSatisfy(name -> assertThat(known).as(name).contains(name));
    }

    /** A pod as an overlay makes it starts: its experiment and protocol ids pass the bridge's startup check. */
    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/aws"})
    void theIdsTheDataIsFiledUnderPassTheStartupCheck(String overlay) throws Exception {
        List<HasMetadata> objects = render(K8S.resolve(overlay));

        assertThat(PublishingIds.problem(optionalSetting(objects, "mmi.profile"),
                setting(objects, PublishingIds.EXPERIMENT_ID), optionalSetting(objects, PublishingIds.PROTOCOL_ID),
                setting(objects, PublishingIds.BROKER_URL), optionalSetting(objects, PublishingIds.OPENJII_DIR)))
                .isNull();
    }

    // --- rendering and validation ---

    private static List<String> findRenderer() {
        // kubectl's built-in kustomize (a kubectl without a cluster: `version --client`), else a kustomize binary.
        Map<List<String>, List<String>> candidates = Map.of(List.of("kubectl", "kustomize"),
                List.of("kubectl", "version", "--client"), List.of("kustomize", "build"),
                List.of("kustomize", "version"));
        for (List<String> candidate : List.of(List.of("kubectl", "kustomize"), List.of("kustomize", "build"))) {
            try {
                Process p = new ProcessBuilder(candidates.get(candidate)).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException | InterruptedException e) {
                // not installed: try the next
            }
        }
        return null;
    }

    static List<HasMetadata> render(Path kustomization) throws Exception {
        List<String> command = new ArrayList<>(kustomize);
        command.add(kustomization.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + err).isZero();
        return validate(out, kustomization.toString());
    }

    /** Parses every document into its model class: an unknown kind, an unknown field or a wrong type fails. */
    static List<HasMetadata> validate(String yaml, String source) throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(yaml)) {
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (doc == null || doc.isNull()) {
                    continue;
                }
                String kind = doc.path("kind").asText();
                String name = kind + " " + doc.path("metadata").path("name").asText();
                Class<? extends HasMetadata> type = KINDS.get(kind);
                if (type == null) {
                    throw new AssertionError(source + ": " + name + ": kind not expected in the manifests");
                }
                HasMetadata object;
                try {
                    object = MODEL.treeToValue(doc, type);
                } catch (JsonProcessingException e) {
                    throw new AssertionError(source + ": " + name + ": " + e.getOriginalMessage(), e);
                }
                // fabric8 keeps unknown fields in additionalProperties instead of failing: refuse them at any depth.
                List<String> unknown = new ArrayList<>();
                unknownFields(object, kind, unknown);
                if (!unknown.isEmpty()) {
                    throw new AssertionError(source + ": " + name + ": unknown fields " + unknown);
                }
                objects.add(object);
            }
        }
        return objects;
    }

    private static void unknownFields(Object node, String path, List<String> unknown) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                unknownFields(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, unknown));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(getter.toString(), e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> unknown.add(path + "." + k));
                }
            } else {
                String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
                unknownFields(value, path + "." + field, unknown);
            }
        }
    }

    /**
     * The kustomization to render for an overlay: openJII's need the downloads their Secret is made of, which are
     * git-ignored, so they are rendered from a copy of k8s/ that has some.
     */
    static Path overlay(String name) {
        return (name.startsWith("overlays/openjii") ? withDownloads.resolve("k8s") : K8S).resolve(name);
    }

    /**
     * Copies k8s/ into {@code dir} and puts a group's downloads into the openJII overlay, in openJII's layout: the
     * credentials zip with a folder per Thing (its certificate and keys), the root CAs and manifest.json; the configs
     * zip with a {thingName}-config.json per Thing. Placeholders, no real key.
     */
    static void copyWithDownloads(Path dir) throws IOException {
        copyTree(K8S, dir.resolve("k8s"));
        Path downloads = dir.resolve("k8s/overlays/openjii/downloads");
        List<String> things = List.of("multispeq_01-12-53-20", "multispeq_01-12-53-21");
        Map<String, String> credentials = new TreeMap<>();
        for (String thing : things) {
            credentials.put(thing + "/" + thing + ".cert.pem", "placeholder certificate of " + thing);
            credentials.put(thing + "/" + thing + ".public.key", "placeholder public key of " + thing);
            credentials.put(thing + "/" + thing + ".private.key", "placeholder private key of " + thing);
        }
        credentials.put("AmazonRootCA1.pem", "placeholder");
        credentials.put("AmazonRootCA3.pem", "placeholder");
        credentials.put("manifest.json", "{\"group\":\"group\",\"action\":\"issue\",\"devices\":[\""
                + String.join("\",\"", things) + "\"]}");
        zip(downloads.resolve(OPENJII_DOWNLOADS.get(0)), credentials);
        Map<String, String> configs = new TreeMap<>();
        things.forEach(thing -> configs.put(thing + "-config.json", "{\"thingName\":\"" + thing + "\"}"));
        zip(downloads.resolve(OPENJII_DOWNLOADS.get(1)), configs);
    }

    private static void zip(Path file, Map<String, String> entries) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
    }

    // --- lookups ---

    private static Deployment mmi(List<HasMetadata> objects) {
        return named(objects, Deployment.class, "mmi");
    }

    /** The bridge's pod template: of its Deployment, or of its DaemonSet (overlays/openjii-gateways). */
    static PodTemplateSpec podTemplate(List<HasMetadata> objects) {
        return objects.stream()
                .filter(o -> o.getMetadata().getName().equals("mmi"))
                .map(o -> o instanceof Deployment d ? d.getSpec().getTemplate()
                        : o instanceof DaemonSet d ? d.getSpec().getTemplate() : null)
                .filter(Objects::nonNull)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Deployment or DaemonSet mmi"));
    }

    private static LabelSelector selector(List<HasMetadata> objects) {
        return objects.stream()
                .filter(o -> o.getMetadata().getName().equals("mmi"))
                .map(o -> o instanceof Deployment d ? d.getSpec().getSelector()
                        : o instanceof DaemonSet d ? d.getSpec().getSelector() : null)
                .filter(Objects::nonNull)
                .findFirst()
                .orElseThrow();
    }

    static Container container(List<HasMetadata> objects) {
        return podTemplate(objects).getSpec()
                .getContainers()
                .stream()
                .filter(c -> c.getName().equals("mmi"))
                .findFirst()
                .orElseThrow();
    }

    static <T extends HasMetadata> T named(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    static Volume volumeNamed(PodSpec pod, String name) {
        return pod.getVolumes()
                .stream()
                .filter(v -> v.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    static VolumeMount mountOf(Container container, String volume) {
        return container.getVolumeMounts()
                .stream()
                .filter(m -> m.getName().equals(volume))
                .findFirst()
                .orElseThrow(() -> new AssertionError("volume " + volume + " is not mounted"));
    }

    private static ConfigMap configMapMountedAt(List<HasMetadata> objects, PodSpec pod, Container container,
            String path) {
        VolumeMount mount = container.getVolumeMounts()
                .stream()
                .filter(m -> m.getMountPath().equals(path))
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing is mounted at " + path));
        Volume volume = volumeNamed(pod, mount.getName());
        assertThat(volume.getConfigMap()).as(path).isNotNull();
        return named(objects, ConfigMap.class, volume.getConfigMap().getName());
    }

    private static String podTemplateRoutesName(List<HasMetadata> objects) {
        return volumeNamed(mmi(objects).getSpec().getTemplate().getSpec(), "routes").getConfigMap().getName();
    }

    /** The container's environment: its envFrom ConfigMaps, then its env (which wins, as in Kubernetes). */
    static Map<String, String> environment(List<HasMetadata> objects) {
        Container container = container(objects);
        Map<String, String> env = new TreeMap<>();
        container.getEnvFrom()
                .forEach(from -> env.putAll(named(objects, ConfigMap.class, from.getConfigMapRef().getName())
                        .getData()));
        for (EnvVar var : container.getEnv()) {
            env.put(var.getName(), var.getValue());
        }
        return env;
    }

    /** A key as the pod's bridge sees it: its MMI_ environment variable, else the mounted application.properties. */
    static String setting(List<HasMetadata> objects, String key) {
        String value = optionalSetting(objects, key);
        assertThat(value).as(key + " in the pod").isNotNull();
        return value;
    }

    /** {@link #setting}, or {@code null} when neither sets it (or sets it blank). */
    private static String optionalSetting(List<HasMetadata> objects, String key) {
        String variable = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        String value = environment(objects).get(variable);
        if (value == null) {
            ConfigMap config = objects.stream()
                    .filter(ConfigMap.class::isInstance)
                    .map(ConfigMap.class::cast)
                    .filter(c -> c.getData().containsKey("application.properties"))
                    .findFirst()
                    .orElseThrow();
            Properties mounted = new Properties();
            try {
                mounted.load(new java.io.StringReader(config.getData().get("application.properties")));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            value = mounted.getProperty(key);
        }
        return value == null || value.isBlank() ? null : value.strip();
    }

    static void assertProbe(Container container, Probe probe, int port, String path) {
        assertThat(probe).as(path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        var target = probe.getHttpGet().getPort();
        int resolved = target.getIntVal() != null ? target.getIntVal()
                : container.getPorts()
                        .stream()
                        .filter(p -> target.getStrVal().equals(p.getName()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no container port " + target.getStrVal()))
                        .getContainerPort();
        assertThat(resolved).as(path + " port").isEqualTo(port);
    }

    /** A setting of the Jib plugin in pom.xml (the image the manifests run). */
    static String jibSetting(String element) throws Exception {
        var factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        var pom = factory.newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        var plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (plugin.getElementsByTagName("artifactId").item(0).getTextContent().equals("jib-maven-plugin")) {
                var nodes = plugin.getElementsByTagName(element);
                assertThat(nodes.getLength()).as("jib " + element).isPositive();
                return nodes.item(0).getTextContent().strip();
            }
        }
        throw new AssertionError("no jib-maven-plugin in pom.xml");
    }

    static String projectVersion() throws Exception {
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        var children = pom.getDocumentElement().getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i).getNodeName().equals("version")) {
                return children.item(i).getTextContent().strip();
            }
        }
        throw new AssertionError("pom.xml has no version");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
