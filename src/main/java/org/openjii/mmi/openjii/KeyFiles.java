package org.openjii.mmi.openjii;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The key material of the Things being served, written as PEM files for the TLS layer (which reads files) into a
 * folder only this user may enter, under {@code java.io.tmpdir}: never next to the outbox, whose volume outlives the
 * process. One sub-folder per Thing, rewritten on rotation; everything is deleted when the bridge stops.
 */
public final class KeyFiles implements AutoCloseable {

    /** Where a Thing's files are. */
    public record Paths(Path certificate, Path privateKey, Path rootCas) {
    }

    private final Path root;

    public KeyFiles() throws IOException {
        this.root = Files.createTempDirectory("mmi-openjii-", PosixFilePermissions.asFileAttribute(PosixFilePermissions
                .fromString("rwx------")));
    }

    /** Writes a Thing's files (replacing older ones) and says where they are. */
    public synchronized Paths write(OpenJiiDownloads.KeyMaterial material) throws IOException {
        Path folder = root.resolve(material.thingName());
        Files.createDirectories(folder);
        String thing = material.thingName();
        Path certificate = replace(folder.resolve(thing + ".cert.pem"), material.certificate());
        Path key = replace(folder.resolve(thing + ".private.key"), material.privateKey());
        Path cas = replace(folder.resolve("AmazonRootCA.pem"), material.rootCas());
        return new Paths(certificate, key, cas);
    }

    /** Written under a temporary name, owner-only, then moved over the old file. */
    private static Path replace(Path file, byte[] content) throws IOException {
        Path temporary = Files.createTempFile(file.getParent(), ".new-", ".pem", PosixFilePermissions
                .asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(temporary, content);
        return Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public synchronized void close() throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
