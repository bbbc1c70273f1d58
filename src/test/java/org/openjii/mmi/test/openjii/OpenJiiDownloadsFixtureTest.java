package org.openjii.mmi.test.openjii;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.TestResources;
import org.openjii.mmi.test.openjii.OnboardingConfig.Experiment;
import org.openjii.mmi.test.openjii.OnboardingConfig.Procedure;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.InvalidConfig;
import org.openjii.mmi.test.openjii.OpenJiiDownloadsFixture.Packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fixture writes openJII's downloads as openJII's web code names and shapes them (the expected names below are
 * read off {@code iot-credential-file.tsx}, {@code amazon-root-ca.ts}, {@code group-credential-results.tsx} and
 * {@code group-onboard-results.tsx}), and every config it writes is one openJII's schema accepts.
 */
class OpenJiiDownloadsFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID EXPERIMENT = UUID.fromString("11111111-1111-4111-8111-111111111111");
    private static final UUID PROTOCOL = UUID.fromString("22222222-2222-4222-8222-222222222222");

    @TempDir
    Path dir;

    private OpenJiiDownloadsFixture downloads;
    private OpenJiiThing a;
    private OpenJiiThing b;

    @BeforeEach
    void register() {
        downloads = new OpenJiiDownloadsFixture(dir, "localhost");
        a = downloads.register("multispeq", "0042").onboard(drought());
        b = downloads.register("multispeq", "0043").onboard(Experiment.of("multispeq", "Shade"));
    }

    private static Experiment drought() {
        return Experiment.of(EXPERIMENT, "multispeq", "Drought stress",
                Procedure.protocol(PROTOCOL, "Phi2", "multispeq", "[{\"pulses\":[20,50],\"label\":\"phi2\"}]"),
                Procedure.command("string", "battery"),
                Procedure.multiChoice("cell-q1", "plot", "Which plot?", "A1", "A1", "B1"))
                .withWorkbookVersion(3);
    }

    @Test
    void shouldNameThingsAsOpenJiiRegistersThem() {
        // Node.js, register-iot-device.ts's buildThingName
        assertThat(OpenJiiThing.thingName("multispeq", "00:42 ab/é")).isEqualTo("multispeq_00:42-ab--");
        assertThat(OpenJiiThing.thingName("multispeq", "x😀y")).isEqualTo("multispeq_x--y");
        assertThat(a.thingName()).isEqualTo("multispeq_0042");
        // Node.js, the web code's zipFileName
        assertThat(OpenJiiDownloadsFixture.safeGroupName("Field site #1 (north)")).isEqualTo("Field-site-1-north");
        assertThat(OpenJiiDownloadsFixture.safeGroupName("  ###  ")).isEqualTo("group");
        assertThat(OpenJiiDownloadsFixture.safeGroupName("Räume 2.0")).isEqualTo("R-ume-2.0");
    }

    @Test
    void shouldZipADeviceBundleAsTheWebAppDoes() throws Exception {
        Path zip = downloads.writeDeviceCredentials(a, Packaging.ZIP);

        assertThat(zip).isEqualTo(dir.resolve("multispeq_0042-credentials.zip"));
        Map<String, String> entries = entries(zip);
        assertThat(entries.keySet()).containsExactly("multispeq_0042.cert.pem", "multispeq_0042.public.key",
                "multispeq_0042.private.key", "AmazonRootCA1.pem", "AmazonRootCA3.pem");
        assertThat(ownerOnly(zip)).isTrue();
        X509Certificate certificate = certificate(entries.get("multispeq_0042.cert.pem"));
        assertThat(certificate.getSubjectX500Principal().getName()).contains("CN=multispeq_0042");
        X509Certificate rootCa1 = certificate(entries.get("AmazonRootCA1.pem"));
        certificate.verify(rootCa1.getPublicKey());
        assertThat(certificate(entries.get("AmazonRootCA3.pem"))).isNotEqualTo(rootCa1);
        assertThat(entries.get("multispeq_0042.private.key")).startsWith("-----BEGIN RSA PRIVATE KEY-----\n");
        assertThat(entries.get("multispeq_0042.public.key")).startsWith("-----BEGIN PUBLIC KEY-----\n");
        assertThat(publicKey(entries.get("multispeq_0042.public.key"))).isEqualTo(certificate.getPublicKey());
        assertThat(signs(privateKey(entries.get("multispeq_0042.private.key")), certificate.getPublicKey())).isTrue();
    }

    @Test
    void shouldZipAGroupBundleWithAFolderPerThingAndAManifest() throws Exception {
        Path zip = downloads.writeGroupCredentials("Field site #1 (north)", Packaging.ZIP, a, b);

        assertThat(zip).isEqualTo(dir.resolve("Field-site-1-north-credentials.zip"));
        Map<String, String> entries = entries(zip);
        assertThat(entries.keySet()).containsExactly("multispeq_0042/multispeq_0042.cert.pem",
                "multispeq_0042/multispeq_0042.public.key", "multispeq_0042/multispeq_0042.private.key",
                "multispeq_0043/multispeq_0043.cert.pem", "multispeq_0043/multispeq_0043.public.key",
                "multispeq_0043/multispeq_0043.private.key", "AmazonRootCA1.pem", "AmazonRootCA3.pem",
                "manifest.json");
        assertThat(entries.get("manifest.json")).isEqualTo("""
                {
                  "group": "Field site #1 (north)",
                  "action": "issue",
                  "devices": [
                    "multispeq_0042",
                    "multispeq_0043"
                  ]
                }""");
        assertThat(ownerOnly(zip)).isTrue();
    }

    @Test
    void shouldWriteTheDeviceConfigAsTheDevicePageDownloadsIt() throws Exception {
        Path file = downloads.writeDeviceConfig(a);

        assertThat(file).isEqualTo(dir.resolve("multispeq_0042-config.json"));
        assertThat(Files.readString(file) + "\n").isEqualTo(TestResources.text("/openjii/expected-device-config.json"));
        OnboardingConfigSchema.assertValid(Files.readString(file));
        assertThat(ownerOnly(file)).isFalse();
    }

    @Test
    void shouldZipGroupConfigsWithoutDocsUrlAndWithAManifest() throws Exception {
        Path zip = downloads.writeGroupConfigs("Field site #1 (north)", Packaging.ZIP, a, b);

        assertThat(zip).isEqualTo(dir.resolve("Field-site-1-north-configs.zip"));
        Map<String, String> entries = entries(zip);
        assertThat(entries.keySet()).containsExactly("multispeq_0042-config.json", "multispeq_0043-config.json",
                "manifest.json");
        for (String name : List.of("multispeq_0042-config.json", "multispeq_0043-config.json")) {
            OnboardingConfigSchema.assertValid(entries.get(name));
            assertThat(JSON.readTree(entries.get(name)).has("docsUrl")).isFalse();
        }
        ObjectNode withoutDocsUrl = (ObjectNode) JSON
                .readTree(TestResources.text("/openjii/expected-device-config.json"));
        withoutDocsUrl.remove("docsUrl");
        assertThat(JSON.readTree(entries.get("multispeq_0042-config.json"))).isEqualTo(withoutDocsUrl);
        JsonNode manifest = JSON.readTree(entries.get("manifest.json"));
        assertThat(manifest.fieldNames()).toIterable().containsExactly("group", "devices", "experiments");
        assertThat(manifest.get("devices").toString()).isEqualTo("[\"multispeq_0042\",\"multispeq_0043\"]");
        assertThat(manifest.get("experiments").toString()).isEqualTo("[\"" + EXPERIMENT + "\",\""
                + b.config().experiments().get(0).experimentId() + "\"]");
    }

    @Test
    void shouldUnpackAsADesktopUnzipDoes() throws Exception {
        Map<String, String> zipped = entries(downloads.writeGroupCredentials("Field", Packaging.ZIP, a, b));

        Path here = downloads.writeGroupCredentials("Field", Packaging.UNPACKED, a, b);
        Path folder = downloads.writeGroupCredentials("Field", Packaging.UNPACKED_IN_FOLDER, a, b);

        assertThat(here).isEqualTo(dir);
        assertThat(folder).isEqualTo(dir.resolve("Field-credentials"));
        for (Map.Entry<String, String> entry : zipped.entrySet()) {
            assertThat(dir.resolve(entry.getKey())).hasContent(entry.getValue());
            assertThat(folder.resolve(entry.getKey())).hasContent(entry.getValue());
        }
        assertThat(ownerOnly(folder.resolve("multispeq_0042/multispeq_0042.private.key"))).isTrue();
        assertThat(ownerOnly(folder.resolve("multispeq_0042/multispeq_0042.cert.pem"))).isFalse();
        try (var files = Files.walk(dir)) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).noneMatch(name -> name.endsWith(".part"));
        }
    }

    @Test
    void shouldWriteTheFirstDownloadsOfSingleDevices() throws Exception {
        downloads.writeDeviceDownloads(Packaging.UNPACKED_IN_FOLDER, a, b);

        try (var files = Files.list(dir)) {
            assertThat(files.map(dir::relativize).map(Path::toString)).containsExactlyInAnyOrder(
                    "multispeq_0042-credentials", "multispeq_0042-config.json", "multispeq_0043-credentials",
                    "multispeq_0043-config.json");
        }
        try (var files = Files.list(dir.resolve("multispeq_0043-credentials"))) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactlyInAnyOrder(
                    "multispeq_0043.cert.pem", "multispeq_0043.public.key", "multispeq_0043.private.key",
                    "AmazonRootCA1.pem", "AmazonRootCA3.pem");
        }
    }

    @Test
    void shouldValidateEveryConfigOfAllKindsOfProcedure() {
        Experiment everything = Experiment.of("multispeq", "All kinds",
                Procedure.protocol(PROTOCOL, null, null, "[{\"pulses\":[1]}]"),
                new Procedure.Command("json", "{\"set\":1}", "named"), Procedure.command("yaml", "a: 1"),
                Procedure.question("cell-2", "note", "open_ended", "Anything?", null),
                Procedure.question("cell-3", "wet", "yes_no", "Wet?", "yes"),
                new Procedure.Question("cell-4", "leaves", "multi_choice", "Which?", List.of("a", "b"), false,
                        JSON.createArrayNode().add("a").add("b")));
        OpenJiiThing c = downloads.register("multispeq", "0044")
                .onboard(everything, Experiment.of("multispeq", "Unpinned").withWorkbookVersion(null));

        OnboardingConfigSchema.assertValid(c.config().deviceDownloadText());
        OnboardingConfigSchema.assertValid(c.config().groupDownloadText());
        OnboardingConfigSchema.assertValid(downloads.register("ambyte", "gw-01").config().deviceDownloadText());
    }

    @Test
    void shouldReissueAConfigNewerThanTheOldOne() throws Exception {
        Path file = downloads.writeDeviceConfig(a);
        var before = Files.getLastModifiedTime(file);
        Experiment shade = Experiment.of("multispeq", "Shade");

        downloads.reissueConfig(a, shade);

        assertThat(Files.getLastModifiedTime(file)).isGreaterThan(before);
        assertThat(a.config().experiments()).containsExactly(shade);
        JsonNode written = JSON.readTree(file.toFile());
        assertThat(written.at("/experiments/0/topicPrefix").asText()).isEqualTo(
                "experiment/data_ingest/v1/" + shade.experimentId() + "/multispeq");
        assertThat(written.get("experiments")).hasSize(1);
        OnboardingConfigSchema.assertValid(Files.readString(file));
        assertThatThrownBy(() -> downloads.reissueConfig(a, b.config())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRotateCredentialsKeepingTheThingAndItsConfig() throws Exception {
        Path zip = downloads.writeDeviceCredentials(a, Packaging.ZIP);
        var before = Files.getLastModifiedTime(zip);
        X509Certificate first = certificate(entries(zip).get("multispeq_0042.cert.pem"));
        OnboardingConfig config = a.config();

        X509Certificate old = downloads.rotateCredentials(a, Packaging.ZIP);

        assertThat(old).isEqualTo(first);
        X509Certificate rotated = certificate(entries(zip).get("multispeq_0042.cert.pem"));
        assertThat(rotated).isEqualTo(a.certificate()).isNotEqualTo(first);
        assertThat(rotated.getSubjectX500Principal()).isEqualTo(first.getSubjectX500Principal());
        assertThat(rotated.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
        assertThat(Files.getLastModifiedTime(zip)).isGreaterThan(before);
        assertThat(a.config()).isEqualTo(config);
        List<X509Certificate> group = downloads.rotateGroupCredentials("Field", Packaging.ZIP, a, b);
        assertThat(group).hasSize(2).first().isEqualTo(rotated);
        assertThat(entries(dir.resolve("Field-credentials.zip")).get("manifest.json")).contains(
                "\"action\": \"rotate\"");
    }

    @Test
    void shouldWriteInvalidConfigsThatTheSchemaRefusesAndKeepTheThingsState() throws Exception {
        OnboardingConfig config = a.config();
        for (InvalidConfig kind : InvalidConfig.values()) {
            Path file = downloads.writeInvalidConfig(a, kind);

            String text = Files.readString(file);
            if (kind == InvalidConfig.NOT_JSON) {
                assertThatThrownBy(() -> JSON.readTree(text)).isInstanceOf(IOException.class);
            } else {
                assertThat(OnboardingConfigSchema.validate(text)).as(kind.name()).isNotEmpty();
            }
            assertThat(a.config()).isEqualTo(config);
        }
    }

    @Test
    void shouldAcceptTheDocsExampleOnceItsElidedIdsAreFilledIn() {
        String example = TestResources.text("/openjii/device-integration-example.json");
        // As published, its ids are not UUIDs: the schema's "format": "uuid" is checked.
        assertThat(OnboardingConfigSchema.validate(example)).isNotEmpty();

        String filled = example.replace("06c68043-...", "06c68043-0000-4000-8000-000000000001")
                .replace("dd66de2d-...", "dd66de2d-0000-4000-8000-000000000002")
                .replace("0b1f...", "0b1f0000-cell");

        OnboardingConfigSchema.assertValid(filled);
    }

    private static Map<String, String> entries(Path zip) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        List<String> directories = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (entry.isDirectory()) {
                    directories.add(entry.getName());
                }
                entries.put(entry.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(directories).as("directory entries (fflate's zipSync makes none)").isEmpty();
        return entries;
    }

    private static boolean ownerOnly(Path file) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file)).equals("rw-------");
    }

    private static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static PublicKey publicKey(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            return new JcaPEMKeyConverter().getPublicKey(
                    (org.bouncycastle.asn1.x509.SubjectPublicKeyInfo) parser.readObject());
        }
    }

    private static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            return new JcaPEMKeyConverter().getKeyPair((PEMKeyPair) parser.readObject()).getPrivate();
        }
    }

    private static boolean signs(PrivateKey key, PublicKey publicKey) throws Exception {
        byte[] data = "openJII".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(publicKey);
        verifier.update(data);
        return verifier.verify(signature);
    }
}
