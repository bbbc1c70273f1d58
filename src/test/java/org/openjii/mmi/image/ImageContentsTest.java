package org.openjii.mmi.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjii.mmi.test.DockerSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image tars {@code bin/build-image} writes, read as files (no Docker): the lean production image (none of the
 * embedded development broker's jars, nothing on the class path that is not in the image), its architecture, user,
 * data folder and OCI labels, and its size against the table of docs/containers.md, which may only fall.
 */
class ImageContentsTest {

    /**
     * The embedded broker (HiveMQ CE) and what only it brings: its storage engines (RocksDB, Xodus), its extension
     * SDK, Guice, Guava, Kotlin (Xodus) and JNA/OSHI. HiveMQ's MQTT client would be the product's and may be there.
     */
    private static final Pattern DEVELOPMENT_ONLY = Pattern.compile(
            "(hivemq-community-edition-embedded|hivemq-extension-sdk|rocksdbjni|xodus-|guice-|guava-|kotlin-|oshi-"
                    + "|jna-).*\\.jar");
    private static final double MB = 1_000_000.0;
    private static final double GROWTH_MB = 1.0;

    /** What the layers of an image tar hold: every file with its size, and the entries' owners. */
    private record Image(JsonNode config, Map<String, TarArchiveEntry> entries, long compressed, String classPath) {

        /** The application's jars, in /app (the JRE of the base has a few of its own). */
        long jarBytes() {
            return jars().stream().mapToLong(name -> entries.get(name).getSize()).sum();
        }

        long bytes() {
            return entries.values()
                    .stream()
                    .filter(TarArchiveEntry::isFile)
                    .mapToLong(TarArchiveEntry::getSize)
                    .sum();
        }

        List<String> jars() {
            return entries.keySet()
                    .stream()
                    .filter(name -> name.startsWith("app/") && name.endsWith(".jar"))
                    .sorted()
                    .toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"amd64", "arm64"})
    void shouldBeTheLeanProductionImage(String arch) throws Exception {
        ProductImage.assumeTar(arch);
        Image image = image(arch);

        assertThat(image.jars()).as("jars of the embedded broker")
                .noneMatch(name -> DEVELOPMENT_ONLY.matcher(Path
                        .of(name)
                        .getFileName()
                        .toString()).matches());
        assertThat(image.jars()).as("the application and its MQTT client are there")
                .anyMatch(name -> name.endsWith(
                        "/mmi.jar"))
                .anyMatch(name -> name.contains("hivemq-mqtt-client"));
        // Jib starts java -cp @/app/jib-classpath-file: every entry must be in the image.
        for (String entry : image.classPath().split(":")) {
            // A folder's jars (/app/classpath/*), or one jar.
            String path = entry.substring(1).replaceFirst("/\\*$", "");
            boolean there = entry.endsWith("/*")
                    ? image.jars().stream().anyMatch(jar -> jar.startsWith(path + "/"))
                    : image.entries().containsKey(path);
            assertThat(there).as("class path entry %s is in the image", entry).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"amd64", "arm64"})
    void shouldRunAsItsUserWithItsDataFolderAndLabels(String arch) throws Exception {
        ProductImage.assumeTar(arch);
        Image image = image(arch);
        JsonNode config = image.config();

        assertThat(config.get("architecture").asText()).isEqualTo(arch);
        assertThat(config.at("/config/User").asText()).isEqualTo("10001:10001");
        // A fresh named volume at /var/lib/mmi takes this folder's owner: writable by the image's user.
        TarArchiveEntry data = image.entries().get("var/lib/mmi");
        assertThat(data).as("/var/lib/mmi in the image").isNotNull();
        assertThat(data.isDirectory()).isTrue();
        assertThat(data.getLongUserId()).isEqualTo(10001);
        assertThat(data.getLongGroupId()).isEqualTo(10001);
        // The JRE of the image's architecture.
        assertThat(config.at("/config/Env").toString()).contains("JAVA_HOME=/usr/lib/jvm/java-17-openjdk-" + arch);
        assertThat(image.entries()).containsKey("usr/lib/jvm/java-17-openjdk-" + arch + "/bin/java");

        JsonNode labels = config.at("/config/Labels");
        assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(projectVersion());
        assertThat(labels.path("org.opencontainers.image.revision").asText()).matches("[0-9a-f]{40}");
        assertThat(labels.path("org.opencontainers.image.source").asText()).isNotBlank();
    }

    /**
     * docs/containers.md states the sizes; the jars may not grow by more than {@value #GROWTH_MB} MB beyond its row
     * (the application's own jar grows a little with every change; a new dependency must be written there on purpose).
     */
    @ParameterizedTest
    @ValueSource(strings = {"amd64", "arm64"})
    void shouldNotGrowBeyondTheDocumentedSizes(String arch) throws Exception {
        ProductImage.assumeTar(arch);
        Image image = image(arch);
        double jars = image.jarBytes() / MB;
        System.out.printf(Locale.ROOT, "Image %s: %.0f MB (docker images), %.0f MB compressed, %d jars %.1f MB%n",
                arch, image.bytes() / MB, image.compressed() / MB, image.jars().size(), jars);

        Map<String, Double> documented = documentedJarTotals();
        assertThat(documented).as("docs/containers.md: a row '| Jars in /app ... | <amd64> MB | <arm64> MB |'")
                .containsKey(arch);
        assertThat(jars).as("the jars in the %s image (MB) grew by more than 1 MB beyond the %s MB of"
                + " docs/containers.md: make the image smaller, or write the new size there", arch,
                documented.get(
                        arch))
                .isLessThanOrEqualTo(
                        documented.get(arch) + GROWTH_MB);
    }

    /** The row {@code | Jars in /app, the image's (106) | 59.3 MB | 59.3 MB |} of docs/containers.md (amd64, arm64). */
    static Map<String, Double> documentedJarTotals() throws IOException {
        Pattern row = Pattern.compile("\\| Jars in /app[^|]*\\|\\s*([\\d.]+) MB\\s*\\|\\s*([\\d.]+) MB\\s*\\|");
        Map<String, Double> totals = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("docs/containers.md"))) {
            Matcher m = row.matcher(line);
            if (m.find()) {
                totals.put("amd64", Double.parseDouble(m.group(1)));
                totals.put("arm64", Double.parseDouble(m.group(2)));
            }
        }
        return totals;
    }

    /** Each tar is read once (its layers decompress to some 400 MB). */
    private static final Map<String, Image> IMAGES = new HashMap<>();

    private static synchronized Image image(String arch) throws IOException {
        Image image = IMAGES.get(arch);
        if (image == null) {
            image = read(ProductImage.tar(arch));
            IMAGES.put(arch, image);
        }
        return image;
    }

    private static Image read(Path tar) throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(DockerSupport.entry(tar, "manifest.json")).get(0);
        JsonNode config = new ObjectMapper().readTree(DockerSupport.entry(tar, manifest.get("Config").asText()));
        List<String> layers = new ArrayList<>();
        manifest.get("Layers").forEach(layer -> layers.add(layer.asText()));
        Map<String, TarArchiveEntry> entries = new HashMap<>();
        long compressed = 0;
        String classPath = "";
        try (TarArchiveInputStream outer = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry entry = outer.getNextEntry(); entry != null; entry = outer.getNextEntry()) {
                if (layers.contains(entry.getName())) {
                    compressed += entry.getSize();
                    InputStream layer = entry.getName().endsWith(".gz") ? new GZIPInputStream(outer) : outer;
                    TarArchiveInputStream inner = new TarArchiveInputStream(layer);
                    for (TarArchiveEntry file = inner.getNextEntry(); file != null; file = inner.getNextEntry()) {
                        String name = file.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
                        entries.put(name, file);
                        if (name.equals("app/jib-classpath-file")) {
                            classPath = new String(inner.readAllBytes(), StandardCharsets.UTF_8).strip();
                        }
                    }
                }
            }
        }
        return new Image(config, entries, compressed, classPath);
    }

    private static String projectVersion() throws Exception {
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        var children = pom.getDocumentElement().getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i).getNodeName().equals("version")) {
                return children.item(i).getTextContent().strip();
            }
        }
        throw new AssertionError("pom.xml has no version");
    }
}
