package org.openjii.mmi.test.openjii;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.openjii.mmi.test.TestPki;

/**
 * Writes a download the way a user ends up with it: a zip (as fflate's {@code zipSync} makes it: the entries in the
 * order given, deflated, no directory entries), or its files unpacked. Every file appears at once (written aside as
 * {@code .<name>.part}, as a browser does, then renamed) with a modification time later than the file it replaces.
 */
final class DownloadWriter {

    /** How much later than the file it replaces a new file's modification time is, at least. */
    private static final Duration NEWER_BY = Duration.ofSeconds(1);

    private DownloadWriter() {
    }

    /** Writes {@code entries} (name to text) as the zip {@code zip}; mode 0600 when {@code secret}. */
    static Path zip(Path zip, LinkedHashMap<String, String> entries, boolean secret) throws IOException {
        return replace(zip, secret, part -> {
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(part))) {
                for (Map.Entry<String, String> entry : entries.entrySet()) {
                    out.putNextEntry(new ZipEntry(entry.getKey()));
                    out.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
                    out.closeEntry();
                }
            }
        });
    }

    /**
     * Writes {@code entries} as files under {@code folder}, as an unzip tool extracts them (a {@code /} in a name is
     * a sub-folder); the files named in {@code secrets} get mode 0600.
     */
    static void unpack(Path folder, LinkedHashMap<String, String> entries, Set<String> secrets)
            throws IOException {
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            Path file = folder.resolve(entry.getKey()).normalize();
            if (!file.startsWith(folder)) {
                throw new IllegalArgumentException("Entry outside the folder: " + entry.getKey());
            }
            Files.createDirectories(file.getParent());
            text(file, entry.getValue(), secrets.contains(entry.getKey()));
        }
    }

    /** Writes one text file; mode 0600 when {@code secret}. */
    static Path text(Path file, String content, boolean secret) throws IOException {
        return replace(file, secret, part -> Files.writeString(part, content, StandardCharsets.UTF_8));
    }

    private interface Writing {

        void write(Path part) throws IOException;
    }

    private static Path replace(Path file, boolean secret, Writing writing) throws IOException {
        Path part = file.resolveSibling("." + file.getFileName() + ".part");
        Files.deleteIfExists(part);
        Files.createFile(part);
        if (secret) {
            TestPki.ownerOnly(part);
        }
        writing.write(part);
        Instant modified = Instant.now();
        if (Files.exists(file)) {
            Instant previous = Files.getLastModifiedTime(file).toInstant().plus(NEWER_BY);
            modified = previous.isAfter(modified) ? previous : modified;
        }
        Files.setLastModifiedTime(part, FileTime.from(modified));
        return Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static Path unpackedFolder(Path dir, String zipName) {
        return dir.resolve(zipName.substring(0, zipName.length() - ".zip".length()));
    }
}
