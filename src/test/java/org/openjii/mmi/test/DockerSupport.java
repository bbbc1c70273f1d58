package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.testcontainers.DockerClientFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tests' Docker: Testcontainers' client, with Ryuk off (its image cannot be pulled here: the surefire
 * configuration sets {@code TESTCONTAINERS_RYUK_DISABLED}), so every test removes what it starts and Testcontainers'
 * shutdown hook removes what is left when the JVM ends. Images come from local tars or local builds, never a registry.
 */
public final class DockerSupport {

    /** On every container and volume a test makes: what it is ({@code mosquitto}, {@code product}, ...). */
    public static final String LABEL = "org.openjii.mmi.test";
    /**
     * And the run it belongs to ({@code OPENJII_TEST_RUN}, set by {@code .ci/run}), so that a run removes what a killed
     * JVM
     * of its own left behind, and nothing of another run on the same Docker.
     */
    public static final String RUN_LABEL = "org.openjii.mmi.test.run";

    private static String unavailable;
    private static boolean checked;

    private DockerSupport() {
    }

    /** {@code null} when a Docker engine answers, else why not in one line. */
    static synchronized String unavailableReason() {
        if (!checked) {
            checked = true;
            try {
                DockerClientFactory.instance().client();
            } catch (RuntimeException e) {
                String message = String.valueOf(e.getMessage()).strip();
                unavailable = "no Docker (" + message.lines().findFirst().orElse(message) + ")";
            }
        }
        return unavailable;
    }

    /** Skips the test without Docker, or fails it on CI ({@code CI=true}). */
    public static void assumeDocker() {
        String reason = unavailableReason();
        if (reason != null && ToolAssumptions.onCi()) {
            fail("Docker is required on CI (CI=true): " + reason);
        }
        assumeTrue(reason == null, reason + "; skipping (this fails on CI)");
    }

    /** The labels of a container or volume a test makes. */
    public static Map<String, String> labels(String role) {
        String run = System.getenv("OPENJII_TEST_RUN");
        return Map.of(LABEL, role, RUN_LABEL, run == null || run.isBlank() ? "local" : run);
    }

    public static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    static String serverDescription() {
        return "Docker " + client().versionCmd().exec().getVersion();
    }

    static boolean hasImage(String image) {
        try {
            client().inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /**
     * Loads an image tar ({@code docker load}) unless Docker holds that image already, and tags it {@code tag}: the
     * tags inside the tars of several architectures are the same, so tests run an image by a tag of their own.
     *
     * @return true when this call loaded it (the caller removes it when done)
     */
    public static boolean load(Path imageTar, String tag) throws IOException {
        String id = imageId(imageTar);
        boolean loaded = false;
        if (!hasImage(id)) {
            try (InputStream in = Files.newInputStream(imageTar)) {
                client().loadImageCmd(in).exec();
            }
            loaded = true;
        }
        int colon = tag.lastIndexOf(':');
        client().tagImageCmd(id, tag.substring(0, colon), tag.substring(colon + 1)).withForce().exec();
        return loaded;
    }

    /** Removes an image (all its tags), as {@code docker rmi -f}. */
    public static void removeImage(String image) {
        try {
            client().removeImageCmd(image).withForce(true).exec();
        } catch (NotFoundException e) {
            // Gone already.
        }
    }

    /** The image id Docker gives an image tar: the SHA-256 of its config, which manifest.json names. */
    public static String imageId(Path imageTar) throws IOException {
        JsonNode manifest = new ObjectMapper().readTree(entry(imageTar, "manifest.json"));
        byte[] config = entry(imageTar, manifest.get(0).get("Config").asText());
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(config));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One file of a tar. */
    public static byte[] entry(Path tar, String name) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (entry.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new IOException(tar + " has no " + name);
    }
}
