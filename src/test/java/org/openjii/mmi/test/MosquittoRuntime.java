package org.openjii.mmi.test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.openjii.mmi.simulator.ToolAssumptions;

/**
 * Where the tests' Mosquitto comes from, decided once per test JVM (docs/containers.md):
 * <ul>
 * <li>Docker is running and the image is there ({@value #DEFAULT_IMAGE}, made by {@code bin/build-test-images}, or the
 * one {@code MMI_TEST_MOSQUITTO_IMAGE} names, which Docker may pull): each broker is a container.</li>
 * <li>Otherwise the {@code mosquitto} program: on the {@code PATH}, else in /usr/sbin, /usr/local/sbin or
 * /opt/homebrew/sbin (folders a user's {@code PATH} often lacks).</li>
 * </ul>
 * {@code MMI_TEST_BROKER} (or {@code -Dmmi.test.broker}) = {@code container} or {@code process} insists on one. Under
 * {@code CI=true} a running Docker without the image is an error, not a reason to fall back: CI builds the image.
 */
final class MosquittoRuntime {

    /** The image {@code bin/build-test-images} makes: Debian bookworm's mosquitto, the version CI installs. */
    static final String DEFAULT_IMAGE = "mmi-test/mosquitto:2.0.11";
    private static final List<Path> SBIN_FOLDERS = List.of(Path.of("/usr/sbin"), Path.of("/usr/local/sbin"),
            Path.of("/opt/homebrew/sbin"));

    enum Kind {
        CONTAINER,
        PROCESS,
        NONE
    }

    /** How brokers start in this JVM; {@code description} says why, for the test report. */
    record Choice(Kind kind, String image, Path binary, String description) {
    }

    private static Choice choice;

    private MosquittoRuntime() {
    }

    static synchronized Choice choice() {
        if (choice == null) {
            choice = decide();
            System.out.println("Test broker: " + choice.description());
        }
        return choice;
    }

    private static Choice decide() {
        String mode = setting("mmi.test.broker", "MMI_TEST_BROKER").orElse("auto").toLowerCase(Locale.ROOT);
        Optional<String> namedImage = setting("mmi.test.mosquitto-image", "MMI_TEST_MOSQUITTO_IMAGE");
        String image = namedImage.orElse(DEFAULT_IMAGE);
        Optional<Path> binary = findBinary(System.getenv("PATH"));
        if (!List.of("auto", "container", "process").contains(mode)) {
            return none("MMI_TEST_BROKER must be auto, container or process, was '" + mode + "'");
        }
        if (mode.equals("process")) {
            return binary.map(MosquittoRuntime::process)
                    .orElseGet(() -> none("MMI_TEST_BROKER=process, but no mosquitto on the PATH or in "
                            + SBIN_FOLDERS));
        }
        String docker = DockerSupport.unavailableReason();
        if (docker == null) {
            // A named image may be pulled (Docker Desktop, a registry); the default one is only ever built here.
            if (namedImage.isPresent() || DockerSupport.hasImage(image)) {
                return new Choice(Kind.CONTAINER, image, null, "Mosquitto in Docker containers from " + image + " ("
                        + DockerSupport.serverDescription() + ")");
            }
            String missing = "Docker is running but has no image " + image + ": build it with bin/build-test-images";
            if (mode.equals("container") || ToolAssumptions.onCi()) {
                return none(missing);
            }
            return binary.map(path -> process(path, missing)).orElseGet(() -> none(missing));
        }
        if (mode.equals("container")) {
            return none("MMI_TEST_BROKER=container, but " + docker);
        }
        return binary.map(path -> process(path, docker))
                .orElseGet(() -> none(docker + ", and no mosquitto on the PATH or in " + SBIN_FOLDERS));
    }

    private static Choice process(Path binary) {
        return new Choice(Kind.PROCESS, null, binary, binary + " as a process");
    }

    private static Choice process(Path binary, String why) {
        return new Choice(Kind.PROCESS, null, binary, binary + " as a process (" + why + ")");
    }

    private static Choice none(String why) {
        return new Choice(Kind.NONE, null, null, "none: " + why);
    }

    /** The first executable {@code mosquitto} on {@code path}, else in the sbin folders. */
    static Optional<Path> findBinary(String path) {
        List<Path> folders = new ArrayList<>();
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    folders.add(Path.of(entry));
                }
            }
        }
        folders.addAll(SBIN_FOLDERS);
        return folders.stream()
                .map(folder -> folder.resolve("mosquitto"))
                .filter(candidate -> Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                .findFirst();
    }

    private static Optional<String> setting(String property, String variable) {
        return Optional.ofNullable(System.getProperty(property))
                .or(() -> Optional.ofNullable(System.getenv(variable)))
                .map(String::trim)
                .filter(value -> !value.isEmpty());
    }
}
