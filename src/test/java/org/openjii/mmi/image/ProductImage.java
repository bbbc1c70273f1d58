package org.openjii.mmi.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.test.DockerSupport;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Volume;

/**
 * The product image that {@code bin/build-image} makes ({@code target/jib-image-<arch>.tar}), loaded into Docker and
 * run as the Kubernetes manifests in {@code k8s/base/deployment.yaml} run it: read-only root file system, its own
 * non-root user with the supplemental group dialout (20), every capability dropped, no new privileges, {@code /tmp} a
 * tmpfs, the outbox on a named volume at {@code /var/lib/mmi}, the certificates mounted read-only at
 * {@code /etc/mmi/certs}, the serial device passed in (docs/containers.md: a pty cannot be passed with
 * {@code --device} itself), a 1 GiB memory limit, JSON logs.
 */
final class ProductImage implements AutoCloseable {

    static final int HTTP_PORT = 9876;
    static final String DEVICE = "/dev/ttyACM0";
    static final String CERTS = "/etc/mmi/certs";
    static final String OUTBOX = "/var/lib/mmi/outbox";
    /** The image's group, also the pod's fsGroup. */
    static final int IMAGE_GROUP = 10001;
    /** HTTP/1.1, as the kubelet's probes and a Prometheus scrape ask. */
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final String arch;
    private final String id;
    private final String tag;
    private final boolean loadedHere;

    private ProductImage(String arch, String id, String tag, boolean loadedHere) {
        this.arch = arch;
        this.id = id;
        this.tag = tag;
        this.loadedHere = loadedHere;
    }

    /** The architecture of this machine, as image tars name it. */
    static String hostArch() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64";
    }

    static Path tar(String arch) {
        return Path.of("target", "jib-image-" + arch + ".tar");
    }

    /** Skips the test when {@code bin/build-image} did not make the tar for {@code arch}, or fails it on CI. */
    static void assumeTar(String arch) {
        ToolAssumptions.assumeTool(tar(arch) + " (bin/build-image)", Files.isRegularFile(tar(arch)));
    }

    /** Loads the image for {@code arch} (unless Docker holds it already) under a tag of this test's. */
    static ProductImage load(String arch) throws IOException {
        Path tar = tar(arch);
        String id = DockerSupport.imageId(tar);
        String tag = "mmi-test/product:" + arch + "-" + id.substring(7, 19);
        return new ProductImage(arch, id, tag, DockerSupport.load(tar, tag));
    }

    String tag() {
        return tag;
    }

    String arch() {
        return arch;
    }

    /**
     * The container as the pod runs it; started by the caller.
     *
     * @param ptyDevice the host's end of the simulated MultispeQ (a pty), given to the container as {@value #DEVICE}
     * @param certs a folder with the certificate, key and CA, mounted read-only at {@value #CERTS}
     */
    GenericContainer<?> container(Network network, String volume, Path ptyDevice, Path certs,
            Map<String, String> environment) {
        return new GenericContainer<>(DockerImageName.parse(tag))
                .withNetwork(network)
                .withNetworkAliases("mmi")
                .withExposedPorts(HTTP_PORT)
                .withEnv("MMI_LOG_FORMAT", "json")
                .withEnv("MMI_OUTBOX_DIR", OUTBOX)
                .withEnv("MMI_DEVICE_PORT", DEVICE)
                .withEnv(environment)
                .withLabels(DockerSupport.labels("product"))
                // An emptyDir in the pod; jSerialComm and SQLite load their native libraries from it (so: exec).
                .withTmpFs(Map.of("/tmp", "rw,exec,nosuid,nodev,size=128m"))
                // The pod's startupProbe.
                .waitingFor(Wait.forHttp("/observe/health/live")
                        .forPort(HTTP_PORT)
                        .withStartupTimeout(Duration.ofMinutes(arch.equals(ProductImage.hostArch()) ? 2 : 8)))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withReadonlyRootfs(true)
                        .withCapDrop(Capability.ALL)
                        .withSecurityOpts(List.of("no-new-privileges"))
                        .withGroupAdd(groups(certs))
                        .withMemory(1024L * 1024 * 1024)
                        // The pty as the device. Not with --device, which makes a new node: the kernel opens a pty
                        // only through its own devpts (EIO otherwise). The node itself, and the device cgroup rule
                        // that --device adds. (On the create command: Testcontainers' own binds first run a check
                        // container whose image would come from a registry.)
                        .withBinds(new Bind(ptyDevice.toString(), new Volume(DEVICE)),
                                new Bind(certs.toString(), new Volume(CERTS), AccessMode.ro))
                        .withDeviceCgroupRules(List.of("c " + deviceNumber(ptyDevice) + " rwm"))
                        .withMounts(List.of(new Mount().withType(MountType.VOLUME)
                                .withSource(volume)
                                .withTarget("/var/lib/mmi"))));
    }

    /**
     * The image as it is, {@code docker run <image>} with nothing configured (its application.properties: the embedded
     * broker); it ends by itself. Started by the caller.
     */
    GenericContainer<?> oneShot() {
        return new GenericContainer<>(DockerImageName.parse(tag))
                .withLabels(DockerSupport.labels("product"))
                .withTmpFs(Map.of("/tmp", "rw,exec,nosuid,nodev,size=128m"))
                .withStartupCheckStrategy(new StartupCheckStrategy() {

                    @Override
                    public StartupStatus checkStartupState(DockerClient client, String containerId) {
                        // Started is enough: it is meant to end, and how is the test's question.
                        return StartupStatus.SUCCESSFUL;
                    }
                })
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withReadonlyRootfs(true)
                        .withCapDrop(Capability.ALL)
                        .withSecurityOpts(List.of("no-new-privileges")));
    }

    /**
     * Makes the pty look like a MultispeQ's port on a node: root's, group dialout (20), {@code rw-rw----}; the
     * container's user reaches it through its supplemental group, as the pod's does. A test that does not run as root
     * cannot give it to that group and opens it to everyone instead.
     */
    static Path asSerialDevice(Path ptyLink) throws IOException {
        Path device = ptyLink.toRealPath();
        try {
            Files.setAttribute(device, "unix:gid", 20);
            Files.setPosixFilePermissions(device, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            Files.setPosixFilePermissions(device, PosixFilePermissions.fromString("rw-rw-rw-"));
        }
        return device;
    }

    /**
     * The supplemental groups: dialout (20), as the pod's, and the certificates' group when it is not the image's own,
     * as the pod's fsGroup makes its Secret readable.
     */
    private static List<String> groups(Path certs) {
        try {
            int group = (Integer) Files.getAttribute(certs.resolve("private.pem.key"), "unix:gid");
            return group == IMAGE_GROUP || group == 20 ? List.of("20") : List.of("20", String.valueOf(group));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code major:minor} of a character device. */
    static String deviceNumber(Path device) {
        try {
            long rdev = (Long) Files.getAttribute(device, "unix:rdev");
            return ((rdev >> 8) & 0xfff) + ":" + ((rdev & 0xff) | ((rdev >> 12) & 0xfff00));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new named volume, as a PersistentVolumeClaim gives a new pod. */
    static String createVolume(String name) {
        DockerSupport.client()
                .createVolumeCmd()
                .withName(name)
                .withLabels(DockerSupport.labels("outbox"))
                .exec();
        return name;
    }

    static void removeVolume(String name) {
        DockerSupport.client().removeVolumeCmd(name).exec();
    }

    /** The status code of a GET on the container's HTTP port. */
    static int status(GenericContainer<?> container, String path) throws IOException, InterruptedException {
        return get(container, path).statusCode();
    }

    static HttpResponse<String> get(GenericContainer<?> container, String path) throws IOException,
            InterruptedException {
        URI uri = URI.create("http://" + container.getHost() + ":" + container.getMappedPort(HTTP_PORT) + path);
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A gauge or counter from {@code /observe/metrics}, or -1 when the scrape fails or lacks it. */
    static double metric(GenericContainer<?> container, String name) {
        try {
            return get(container, "/observe/metrics").body()
                    .lines()
                    .filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .findFirst()
                    .orElse(-1);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * The message ids of the data waiting in the outbox of a container that has ended, read from its volume as any
     * SQLite client would: the database and its write-ahead log copied out with {@code docker cp}.
     */
    static Set<String> waitingIds(String containerId, Path scratch) throws Exception {
        Path copy = Files.createDirectories(scratch);
        DockerClient client = DockerSupport.client();
        try (InputStream archive = client.copyArchiveFromContainerCmd(containerId, OUTBOX).exec();
                TarArchiveInputStream tar = new TarArchiveInputStream(archive)) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (entry.isFile()) {
                    Path file = copy.resolve(Path.of(entry.getName()).getFileName().toString());
                    Files.copy(tar, file);
                }
            }
        }
        Set<String> ids = new HashSet<>();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + copy.resolve(Outbox.FILE_NAME));
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT message_id FROM outbox WHERE kind = 'DATA'")) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }

    /** The exit code of an ended container. */
    static long exitCode(String containerId) {
        return DockerSupport.client().inspectContainerCmd(containerId).exec().getState().getExitCodeLong();
    }

    /** Removes the image when this test loaded it (a later build's tar is a new image: no point keeping this one). */
    @Override
    public void close() {
        if (loadedHere) {
            DockerSupport.removeImage(id);
        }
    }
}
