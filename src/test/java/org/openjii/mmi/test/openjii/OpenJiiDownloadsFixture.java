package org.openjii.mmi.test.openjii;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.openjii.mmi.test.TestPki;
import org.openjii.mmi.test.TestPki.KeyType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * openJII's downloads in a folder, in the exact layout its web app gives a user, for Things this fixture registers.
 * The names, entry order and JSON formatting come from openJII's web code (Jan-IngenHousz-Institute/open-jii):
 * <ul>
 * <li>{@code apps/web/components/iot-devices/iot-credential-file.tsx} and {@code iot-credentials-dialog.tsx}: a
 * device's bundle {@code {thingName}-credentials.zip} holds {@code {thingName}.cert.pem}, {@code .public.key},
 * {@code .private.key}, then {@code AmazonRootCA1.pem} and {@code AmazonRootCA3.pem}
 * ({@code amazon-root-ca.ts}), zipped by fflate's {@code zipSync} (no directory entries);</li>
 * <li>{@code groups/group-credential-results.tsx}: a group's {@code {safe group name}-credentials.zip} has one folder
 * per Thing with its three files, the root CAs and {@code manifest.json} {@code {group, action, devices}};</li>
 * <li>{@code device-config-delivery.tsx}: {@code {thingName}-config.json} is the config with {@code docsUrl} added;
 * {@code groups/group-onboard-results.tsx}: {@code {safe group name}-configs.zip} holds the configs (without
 * {@code docsUrl}) and {@code manifest.json} {@code {group, devices, experiments}};</li>
 * <li>{@code apps/backend/src/iot/application/use-cases/register-iot-device/register-iot-device.ts}: the Thing name
 * ({@link OpenJiiThing#thingName(String, String)});</li>
 * <li>{@code packages/api/src/domains/iot/iot.schema.ts} ({@code zDeviceOnboardingConfig}) and
 * {@code apps/docs/content/developers/device-integration.mdx}: the config ({@link OnboardingConfig}).</li>
 * </ul>
 * The test PKI stands in for AWS: {@link #authority()} plays Amazon Root CA 1 (written as {@code AmazonRootCA1.pem};
 * it issues the Things' certificates and should issue the test broker's server certificate), another test CA is
 * {@code AmazonRootCA3.pem}. Every file appears atomically and newer than the one it replaces; files and zips that
 * hold a private key are readable by their owner only.
 */
public final class OpenJiiDownloadsFixture {

    /** How a download lands in the folder. */
    public enum Packaging {
        /** The zip as downloaded. */
        ZIP,
        /**
         * The zip's files extracted into the folder itself. A group's credentials and configs both have a
         * {@code manifest.json}: unpacked into one folder, the later one replaces the earlier, as an unzip tool told
         * to replace would.
         */
        UNPACKED,
        /** The zip's files extracted into a sub-folder named like the zip without {@code .zip}. */
        UNPACKED_IN_FOLDER
    }

    /** A {@code {thingName}-config.json} that openJII's schema refuses. */
    public enum InvalidConfig {
        /** Valid JSON, no {@code thingName}. */
        MISSING_THING_NAME,
        /** Not JSON: the valid file cut in the middle. */
        NOT_JSON,
        /** An experiment id that is not a UUID. */
        EXPERIMENT_ID_NOT_UUID
    }

    private static final String ROOT_CA_1 = "AmazonRootCA1.pem";
    private static final String ROOT_CA_3 = "AmazonRootCA3.pem";

    private final Path dir;
    private final String endpoint;
    private final TestPki.Authority rootCa1;
    private final TestPki.Authority rootCa3;

    /**
     * @param endpoint the {@code endpoint} new Things' configs name: {@code localhost} for a test broker (with
     *     {@code :PORT} if the bridge under test accepts one)
     */
    public OpenJiiDownloadsFixture(Path dir, String endpoint) {
        this(dir, endpoint, TestPki.Authority.create("Amazon Root CA 1 (test)"),
                TestPki.Authority.create("Amazon Root CA 3 (test)"));
    }

    public OpenJiiDownloadsFixture(Path dir, String endpoint, TestPki.Authority rootCa1, TestPki.Authority rootCa3) {
        this.dir = dir;
        this.endpoint = endpoint;
        this.rootCa1 = rootCa1;
        this.rootCa3 = rootCa3;
    }

    /** The folder the downloads go to. */
    public Path dir() {
        return dir;
    }

    /** The CA written as {@code AmazonRootCA1.pem}: the Things' issuer, and the one to issue the broker's cert. */
    public TestPki.Authority authority() {
        return rootCa1;
    }

    /** Registers a device and issues its first credentials (not written yet); its config serves nothing yet. */
    public OpenJiiThing register(String deviceType, String serial) {
        return new OpenJiiThing(deviceType, serial, issue(OpenJiiThing.thingName(deviceType, serial)), endpoint);
    }

    private TestPki.Issued issue(String thingName) {
        return rootCa1.issueClient(thingName, KeyType.RSA);
    }

    /** {@code {thingName}-credentials.zip} (web code: {@code credentialBundleZipName}). */
    public static String credentialsZipName(OpenJiiThing thing) {
        return thing.thingName() + "-credentials.zip";
    }

    /** {@code {thingName}-config.json}. */
    public static String configFileName(OpenJiiThing thing) {
        return thing.thingName() + "-config.json";
    }

    /** {@code {safe group name}-credentials.zip}. */
    public static String groupCredentialsZipName(String groupName) {
        return safeGroupName(groupName) + "-credentials.zip";
    }

    /** {@code {safe group name}-configs.zip}. */
    public static String groupConfigsZipName(String groupName) {
        return safeGroupName(groupName) + "-configs.zip";
    }

    /** The group name as the web code's {@code zipFileName} keeps it filesystem-safe. */
    public static String safeGroupName(String groupName) {
        String safe = groupName.replaceAll("[^a-zA-Z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        return safe.isEmpty() ? "group" : safe;
    }

    /**
     * The first downloads of single devices: each Thing's credential bundle (packaged so) and its
     * {@code {thingName}-config.json}.
     */
    public void writeDeviceDownloads(Packaging packaging, OpenJiiThing... things) throws IOException {
        for (OpenJiiThing thing : things) {
            writeDeviceCredentials(thing, packaging);
            writeDeviceConfig(thing);
        }
    }

    /** Writes a Thing's credential bundle; returns the zip, or the folder its files went to. */
    public Path writeDeviceCredentials(OpenJiiThing thing, Packaging packaging) throws IOException {
        LinkedHashMap<String, String> files = deviceCredentialFiles(thing, "");
        addRootCas(files);
        return write(credentialsZipName(thing), files, Set.of(thing.thingName() + ".private.key"), packaging);
    }

    /** Writes a group's credential bundle ({@code action} {@code issue}) for the Things' current credentials. */
    public Path writeGroupCredentials(String groupName, Packaging packaging, OpenJiiThing... things)
            throws IOException {
        return writeGroupCredentials(groupName, "issue", packaging, things);
    }

    /**
     * Rotates a Thing's credentials (a new RSA key and certificate, same Thing name) and writes its new bundle over
     * the old one. Its config does not change (certificate rotation does not change the config file).
     *
     * @return the certificate it replaced, for a CRL
     */
    public X509Certificate rotateCredentials(OpenJiiThing thing, Packaging packaging) throws IOException {
        X509Certificate old = thing.replaceCredentials(issue(thing.thingName()));
        writeDeviceCredentials(thing, packaging);
        return old;
    }

    /** Rotates the Things' credentials and writes the group bundle ({@code action} {@code rotate}). */
    public List<X509Certificate> rotateGroupCredentials(String groupName, Packaging packaging, OpenJiiThing... things)
            throws IOException {
        List<X509Certificate> old = new ArrayList<>();
        for (OpenJiiThing thing : things) {
            old.add(thing.replaceCredentials(issue(thing.thingName())));
        }
        writeGroupCredentials(groupName, "rotate", packaging, things);
        return old;
    }

    private Path writeGroupCredentials(String groupName, String action, Packaging packaging, OpenJiiThing... things)
            throws IOException {
        LinkedHashMap<String, String> files = new LinkedHashMap<>();
        Set<String> secrets = new LinkedHashSet<>();
        ObjectNode manifest = JsonNodeFactory.instance.objectNode();
        manifest.put("group", groupName);
        manifest.put("action", action);
        ArrayNode devices = manifest.putArray("devices");
        for (OpenJiiThing thing : things) {
            String folder = thing.thingName() + "/";
            files.putAll(deviceCredentialFiles(thing, folder));
            secrets.add(folder + thing.thingName() + ".private.key");
            devices.add(thing.thingName());
        }
        addRootCas(files);
        files.put("manifest.json", JsonStringify.pretty(manifest));
        return write(groupCredentialsZipName(groupName), files, secrets, packaging);
    }

    /** Writes a Thing's current config as {@code {thingName}-config.json}, as the device page downloads it. */
    public Path writeDeviceConfig(OpenJiiThing thing) throws IOException {
        return DownloadWriter.text(dir.resolve(configFileName(thing)), thing.config().deviceDownloadText(), false);
    }

    /** Writes the Things' current configs as a group download, with its manifest. */
    public Path writeGroupConfigs(String groupName, Packaging packaging, OpenJiiThing... things) throws IOException {
        LinkedHashMap<String, String> files = new LinkedHashMap<>();
        ObjectNode manifest = JsonNodeFactory.instance.objectNode();
        manifest.put("group", groupName);
        ArrayNode devices = manifest.putArray("devices");
        Set<String> experimentIds = new LinkedHashSet<>();
        for (OpenJiiThing thing : things) {
            files.put(configFileName(thing), thing.config().groupDownloadText());
            devices.add(thing.thingName());
            thing.config().experiments().forEach(e -> experimentIds.add(e.experimentId().toString()));
        }
        experimentIds.forEach(manifest.putArray("experiments")::add);
        files.put("manifest.json", JsonStringify.pretty(manifest));
        return write(groupConfigsZipName(groupName), files, Set.of(), packaging);
    }

    /**
     * Re-issues a Thing's config: {@code newConfig} becomes its state and replaces {@code {thingName}-config.json}
     * (a newer modification time), as a user drops the newest download into the folder.
     */
    public Path reissueConfig(OpenJiiThing thing, OnboardingConfig newConfig) throws IOException {
        thing.replaceConfig(newConfig);
        return writeDeviceConfig(thing);
    }

    /** Re-issues a Thing's config with exactly these experiments. */
    public Path reissueConfig(OpenJiiThing thing, OnboardingConfig.Experiment... experiments) throws IOException {
        return reissueConfig(thing, thing.config().withExperiments(experiments));
    }

    /**
     * Writes an invalid {@code {thingName}-config.json} over the Thing's file (newer, as a re-issue would be); the
     * Thing's state stays what it was.
     */
    public Path writeInvalidConfig(OpenJiiThing thing, InvalidConfig kind) throws IOException {
        ObjectNode config = thing.config().toJson();
        config.put("docsUrl", OnboardingConfig.DOCS_URL);
        String text = switch (kind) {
            case MISSING_THING_NAME -> {
                config.remove("thingName");
                yield JsonStringify.pretty(config);
            }
            case NOT_JSON -> {
                String valid = JsonStringify.pretty(config);
                yield valid.substring(0, valid.length() / 2);
            }
            case EXPERIMENT_ID_NOT_UUID -> {
                ArrayNode experiments = (ArrayNode) config.get("experiments");
                if (experiments.isEmpty()) {
                    throw new IllegalStateException(thing + " serves no experiment to break");
                }
                ((ObjectNode) experiments.get(0)).put("experimentId", "not-a-uuid");
                yield JsonStringify.pretty(config);
            }
        };
        return DownloadWriter.text(dir.resolve(configFileName(thing)), text, false);
    }

    /** Writes the certificate of Amazon Root CA 1 here (e.g. the test broker's {@code cafile}). */
    public Path writeRootCa(Path file) throws IOException {
        return rootCa1.writeCertificate(file);
    }

    private static LinkedHashMap<String, String> deviceCredentialFiles(OpenJiiThing thing, String folder) {
        LinkedHashMap<String, String> files = new LinkedHashMap<>();
        files.put(folder + thing.thingName() + ".cert.pem", thing.certificatePem());
        files.put(folder + thing.thingName() + ".public.key", thing.publicKeyPem());
        files.put(folder + thing.thingName() + ".private.key", thing.privateKeyPem());
        return files;
    }

    private void addRootCas(LinkedHashMap<String, String> files) {
        files.put(ROOT_CA_1, OpenJiiThing.pem(rootCa1.certificate().certificate()));
        files.put(ROOT_CA_3, OpenJiiThing.pem(rootCa3.certificate().certificate()));
    }

    private Path write(String zipName, LinkedHashMap<String, String> files, Set<String> secrets, Packaging packaging)
            throws IOException {
        Files.createDirectories(dir);
        return switch (packaging) {
            case ZIP -> DownloadWriter.zip(dir.resolve(zipName), files, !secrets.isEmpty());
            case UNPACKED -> {
                DownloadWriter.unpack(dir, files, secrets);
                yield dir;
            }
            case UNPACKED_IN_FOLDER -> {
                Path folder = DownloadWriter.unpackedFolder(dir, zipName);
                DownloadWriter.unpack(folder, files, secrets);
                yield folder;
            }
        };
    }
}
