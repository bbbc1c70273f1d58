package org.openjii.mmi.openjii;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.openjii.mmi.delivery.tls.PrivateFileMode;

/**
 * openJII's downloads in a folder, as a user gets them from the web app (docs/openjii.md, "The downloads"): a
 * device's {@code {thingName}-credentials.zip} and {@code {thingName}-config.json}, a group's
 * {@code {group}-credentials.zip} (one folder per Thing) and {@code {group}-configs.zip}, or the same unpacked, in the
 * folder itself or in sub-folders. A browser's second download of a name ({@code x-config (1).json}) counts too.
 * <p>
 * Read whole each time ({@link #read}): the folder is small, and a Kubernetes Secret replaces its files by swapping a
 * symbolic link, which file-change events do not report reliably. Per Thing the newest file wins: the newest valid
 * config, and the newest complete key material (certificate, key and Amazon's root CA). Names starting with a dot
 * (the Secret's {@code ..data} links, hidden files) are skipped.
 */
public final class OpenJiiDownloads {

    private static final Pattern CONFIG = Pattern.compile("(.+)-config( \\(\\d+\\))?\\.json");
    private static final Pattern CONFIGS_ZIP = Pattern.compile(".+-configs( \\(\\d+\\))?\\.zip");
    private static final Pattern CREDENTIALS_ZIP = Pattern.compile(".+-credentials( \\(\\d+\\))?\\.zip");
    private static final String CERT_SUFFIX = ".cert.pem";
    private static final String KEY_SUFFIX = ".private.key";
    private static final List<String> ROOT_CAS = List.of("AmazonRootCA1.pem", "AmazonRootCA3.pem");
    private static final int MAX_DEPTH = 4;
    /** Larger than any PEM file or onboarding config; what is bigger is not one. */
    private static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    /** A Thing's onboarding file. */
    public record ConfigFile(OnboardingConfig config, String origin, long modifiedMillis, String sha256) {
    }

    /**
     * A Thing's key material: its certificate and private key, and the root CAs to trust (Amazon Root CA 1, and CA 3
     * when the bundle has it, in one PEM).
     */
    public record KeyMaterial(String thingName, String origin, long modifiedMillis, byte[] certificate,
            byte[] privateKey, byte[] rootCas, String sha256) {

        @Override
        public String toString() {
            // Never the key itself.
            return "KeyMaterial[" + thingName + " from " + origin + "]";
        }
    }

    /**
     * A file that could not be used, with why; the rest of the folder still counts. An onboarding file names the
     * Thing it was for ({@code configFor}, from its file name), so that Thing keeps what it had.
     */
    public record Problem(String origin, String message, String sha256, String configFor) {

        Problem(String origin, String message, String sha256) {
            this(origin, message, sha256, null);
        }
    }

    /** What the folder holds, per Thing name (sorted). */
    public record Snapshot(Map<String, ConfigFile> configs, Map<String, KeyMaterial> keys, List<Problem> problems) {

        /** Every Thing the folder names, with a config, key material, or both. */
        public List<String> thingNames() {
            TreeMap<String, Boolean> names = new TreeMap<>();
            configs.keySet().forEach(name -> names.put(name, true));
            keys.keySet().forEach(name -> names.put(name, true));
            return List.copyOf(names.keySet());
        }

        /** The Things whose newest onboarding file here is unusable: they keep the state they had. */
        public Set<String> invalidConfigs() {
            Set<String> names = new HashSet<>();
            problems.stream()
                    .map(Problem::configFor)
                    .filter(Objects::nonNull)
                    .forEach(names::add);
            return names;
        }
    }

    private final Path dir;
    private final Map<String, ConfigFile> configs = new HashMap<>();
    private final Map<String, KeyMaterial> keys = new HashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    private OpenJiiDownloads(Path dir) {
        this.dir = dir;
    }

    /**
     * @throws IOException when the folder itself cannot be listed; a file that cannot be read or used is a
     *     {@link Problem} of the snapshot instead
     */
    public static Snapshot read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder (mmi.openjii.dir: the folder with openJII's downloads)");
        }
        OpenJiiDownloads downloads = new OpenJiiDownloads(dir);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir, MAX_DEPTH, FileVisitOption.FOLLOW_LINKS)) {
            files = walk.filter(path -> !hidden(dir.relativize(path)))
                    .filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        for (Path file : files) {
            downloads.readFile(file);
        }
        return new Snapshot(new TreeMap<>(downloads.configs), new TreeMap<>(downloads.keys), List.copyOf(
                downloads.problems));
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private void readFile(Path file) {
        String name = file.getFileName().toString();
        String origin = dir.relativize(file).toString();
        try {
            if (CREDENTIALS_ZIP.matcher(name).matches()) {
                String tooOpen = PrivateFileMode.problem(file, "the zip holds private keys and");
                if (tooOpen != null) {
                    problems.add(new Problem(origin, tooOpen, null));
                    return;
                }
                readKeys(zipEntries(file), origin, modified(file));
            } else if (CONFIGS_ZIP.matcher(name).matches()) {
                for (Map.Entry<String, byte[]> entry : zipEntries(file).entrySet()) {
                    if (CONFIG.matcher(fileName(entry.getKey())).matches()) {
                        readConfig(entry.getValue(), origin + "!" + entry.getKey(), modified(file));
                    }
                }
            } else if (CONFIG.matcher(name).matches()) {
                readConfig(readSmall(file), origin, modified(file));
            } else if (name.endsWith(CERT_SUFFIX)) {
                readLooseKeys(file, origin);
            }
        } catch (IOException e) {
            problems.add(new Problem(origin, "cannot be read: " + e.getMessage(), null));
        }
    }

    private void readConfig(byte[] json, String origin, long modified) {
        String sha256 = sha256(json);
        try {
            OnboardingConfig config = OnboardingFiles.parse(json, origin);
            ConfigFile file = new ConfigFile(config, origin, modified, sha256);
            configs.merge(config.thingName(), file, (a, b) -> b.modifiedMillis() >= a.modifiedMillis() ? b : a);
        } catch (OnboardingFiles.InvalidOnboardingFileException e) {
            Matcher named = CONFIG.matcher(fileName(origin.substring(origin.lastIndexOf('!') + 1)));
            problems.add(new Problem(origin, e.getMessage(), sha256, named.matches() ? named.group(1) : null));
        }
    }

    /** The key material of every {@code {thing}.cert.pem} in a zip, from its folder (a group) or the root. */
    private void readKeys(Map<String, byte[]> entries, String origin, long modified) throws IOException {
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
            String path = entry.getKey();
            String file = fileName(path);
            if (!file.endsWith(CERT_SUFFIX)) {
                continue;
            }
            String folder = path.substring(0, path.length() - file.length());
            String thing = file.substring(0, file.length() - CERT_SUFFIX.length());
            byte[] key = entries.get(folder + thing + KEY_SUFFIX);
            byte[] cas = rootCas(name -> entries.containsKey(folder + name) ? entries.get(folder + name)
                    : entries.get(name));
            String where = origin + "!" + folder;
            if (key == null) {
                problems.add(new Problem(where + thing + KEY_SUFFIX, "missing: the certificate " + file
                        + " comes without its private key", null));
            } else if (cas == null) {
                problems.add(new Problem(where + ROOT_CAS.get(0), "missing: Amazon's root CA for " + thing, null));
            } else {
                addKeys(new KeyMaterial(thing, origin, modified, entry.getValue(), key, cas, sha256(entry.getValue(),
                        key, cas)));
            }
        }
    }

    private void readLooseKeys(Path certFile, String origin) throws IOException {
        String file = certFile.getFileName().toString();
        String thing = file.substring(0, file.length() - CERT_SUFFIX.length());
        Path keyFile = certFile.resolveSibling(thing + KEY_SUFFIX);
        if (!Files.isRegularFile(keyFile)) {
            problems.add(new Problem(dir.relativize(keyFile).toString(), "missing: the certificate " + origin
                    + " comes without its private key", null));
            return;
        }
        String tooOpen = PrivateFileMode.problem(keyFile, "the private key");
        if (tooOpen != null) {
            problems.add(new Problem(dir.relativize(keyFile).toString(), tooOpen, null));
            return;
        }
        byte[] cas = rootCas(name -> nearest(certFile.getParent(), name));
        if (cas == null) {
            problems.add(new Problem(origin, "no " + ROOT_CAS.get(0) + " next to it or in a folder above it", null));
            return;
        }
        byte[] cert = readSmall(certFile);
        byte[] key = readSmall(keyFile);
        addKeys(new KeyMaterial(thing, origin, Math.max(modified(certFile), modified(keyFile)), cert, key, cas,
                sha256(cert, key, cas)));
    }

    private void addKeys(KeyMaterial material) {
        keys.merge(material.thingName(), material, (a, b) -> b.modifiedMillis() >= a.modifiedMillis() ? b : a);
    }

    @FunctionalInterface
    private interface Lookup {

        byte[] find(String name) throws IOException;
    }

    /** Amazon Root CA 1 and 3 in one PEM, whichever are there; null without CA 1, the one openJII names. */
    private static byte[] rootCas(Lookup lookup) throws IOException {
        byte[] first = lookup.find(ROOT_CAS.get(0));
        if (first == null) {
            return null;
        }
        ByteArrayOutputStream pem = new ByteArrayOutputStream();
        pem.writeBytes(first);
        byte[] third = lookup.find(ROOT_CAS.get(1));
        if (third != null) {
            pem.write('\n');
            pem.writeBytes(third);
        }
        return pem.toByteArray();
    }

    /** The file of that name in {@code folder} or the nearest folder above it, up to the downloads folder. */
    private byte[] nearest(Path folder, String name) throws IOException {
        for (Path current = folder; current != null && current.startsWith(dir); current = current.getParent()) {
            Path candidate = current.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return readSmall(candidate);
            }
        }
        return null;
    }

    private static Map<String, byte[]> zipEntries(Path zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (!entry.isDirectory()) {
                    entries.put(entry.getName(), readSmall(in, entry.getName()));
                }
            }
        } catch (IllegalArgumentException e) {
            // ZipInputStream's answer to a malformed entry name.
            throw new IOException("not a readable zip: " + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            throw new IOException("not a zip, or an empty one");
        }
        return entries;
    }

    private static byte[] readSmall(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readSmall(in, file.getFileName().toString());
        }
    }

    /** At most {@value #MAX_FILE_BYTES} bytes: a larger entry is no download of openJII's (and no zip bomb here). */
    private static byte[] readSmall(InputStream in, String name) throws IOException {
        byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        if (bytes.length > MAX_FILE_BYTES) {
            throw new IOException(name + " is larger than " + MAX_FILE_BYTES / 1024 / 1024 + " MiB");
        }
        return bytes;
    }

    private static String fileName(String zipPath) {
        return zipPath.substring(zipPath.lastIndexOf('/') + 1);
    }

    private static long modified(Path file) throws IOException {
        return Files.getLastModifiedTime(file).toMillis();
    }

    static String sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java has SHA-256", e);
        }
    }

    /** Whether a name is one the downloads consist of (for messages about a folder that holds none). */
    static boolean looksLikeDownload(String name) {
        Matcher config = CONFIG.matcher(name);
        return config.matches() || CONFIGS_ZIP.matcher(name).matches() || CREDENTIALS_ZIP.matcher(name).matches()
                || name.endsWith(CERT_SUFFIX);
    }
}
