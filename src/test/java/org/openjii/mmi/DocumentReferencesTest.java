package org.openjii.mmi;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product stands alone: no file in the repository cites a document outside it, and every document or path it
 * cites exists. Scans every tracked file (git ls-files; without git, the tree less target/ and .git/) for
 * <ul>
 * <li>Markdown links to a file ({@code [text](../docs/containers.md)}), resolved from the linking file's folder;</li>
 * <li>paths named in the text, starting at a top-level folder ({@code docs/multispeq-protocol.md},
 * {@code src/main/resources/schemas/...}), resolved from the repository root;</li>
 * <li>citations of notes that are not in the repository (the shared notes folder, its "traps").</li>
 * </ul>
 * A path on a line that names another repository (a fixture's source: PhotosynQ's documentation, JII-MultispeQ,
 * open-jii) is that repository's, and build output (target/) is not checked.
 */
class DocumentReferencesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath();
    /** Written split, so that this file does not cite them itself. */
    private static final Pattern OUTSIDE = Pattern.compile("stack" + "-notes|\\.\\./shar" + "ed\\b|\\btra"
            + "p \\d+\\b|/work/shar" + "ed");
    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s#]+)(?:#[^)]*)?\\)");
    /** A path from a top-level folder, not inside a URL or a longer path; it ends with a letter or digit. */
    /** A line that names another repository: its paths are that repository's (a fixture's source, the firmware). */
    private static final Pattern UPSTREAM = Pattern.compile("PhotosynQ|JII-MultispeQ|open-jii|jii_multispeq");
    private static final Pattern ROOT_PATH = Pattern.compile("(?<![\\w./@:-])((?:docs|bench|bin|grafana|k8s|routes"
            + "|tools|src|\\.ci)/[\\w./-]*[\\w])");

    @Test
    void shouldCiteNothingOutsideTheRepositoryAndOnlyFilesThatExist() throws Exception {
        List<String> problems = new ArrayList<>();
        List<Path> files = trackedFiles();
        assertThat(files).as("tracked files").hasSizeGreaterThan(100);
        for (Path file : files) {
            String text = text(ROOT.resolve(file));
            if (text == null) {
                continue;
            }
            int lineNumber = 0;
            for (String line : text.split("\n", -1)) {
                lineNumber++;
                String where = file + ":" + lineNumber + ": ";
                Matcher outside = OUTSIDE.matcher(line);
                while (outside.find()) {
                    problems.add(where + "cites \"" + outside.group() + "\", which is not in the repository");
                }
                if (file.toString().endsWith(".md")) {
                    Matcher link = MARKDOWN_LINK.matcher(line);
                    while (link.find()) {
                        String target = link.group(1);
                        if (!target.matches("^[a-z]+:.*") && !Files.exists(ROOT.resolve(file)
                                .getParent()
                                .resolve(
                                        target))) {
                            problems.add(where + "links to " + target + ", which does not exist");
                        }
                    }
                }
                Matcher path = ROOT_PATH.matcher(line);
                while (path.find() && !UPSTREAM.matcher(line).find()) {
                    // What a build makes (target/) is not in the repository.
                    if (!path.group(1).contains("/target/") && !Files.exists(ROOT.resolve(path.group(1)))) {
                        problems.add(where + "names " + path.group(1) + ", which does not exist");
                    }
                }
            }
        }
        assertThat(problems).as("dangling references").isEmpty();
    }

    private static List<Path> trackedFiles() throws IOException, InterruptedException {
        try {
            Process git = new ProcessBuilder("git", "ls-files").directory(ROOT.toFile()).start();
            List<Path> files;
            try (var lines = git.inputReader(StandardCharsets.UTF_8).lines()) {
                files = lines.map(Path::of).filter(f -> Files.isRegularFile(ROOT.resolve(f))).toList();
            }
            if (git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0 && !files.isEmpty()) {
                return files;
            }
        } catch (IOException e) {
            // No git: walk the tree.
        }
        try (Stream<Path> walk = Files.walk(ROOT)) {
            return walk.filter(Files::isRegularFile)
                    .map(ROOT::relativize)
                    .filter(f -> !f.startsWith("target") && !f.startsWith(".git") && !f.toString()
                            .contains(
                                    "/target/"))
                    .toList();
        }
    }

    /** The file as UTF-8 text, or null for a binary file (an image, a raw serial capture that is not text). */
    private static String text(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
