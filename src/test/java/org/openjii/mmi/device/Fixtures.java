package org.openjii.mmi.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads the byte-exact MultispeQ fixtures from the test classpath ({@code /fixtures/multispeq/...}). */
final class Fixtures {

    static final String ROOT = "/fixtures/multispeq/";
    static final String SERIAL = "synthetic/serial/";

    private Fixtures() {
    }

    static byte[] bytes(String path) {
        return TestResources.bytes(ROOT + path);
    }

    static String text(String path) {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }

    static JsonNode json(String path) {
        try {
            return DeviceJson.parse(text(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture paths (relative to the fixture root) of every {@code .raw} file, sorted. */
    static List<String> rawFiles() {
        URL root = Fixtures.class.getResource(ROOT);
        if (root == null) {
            throw new IllegalStateException("Fixture root " + ROOT + " not on the test classpath");
        }
        try {
            Path base = Path.of(root.toURI());
            List<String> paths = new ArrayList<>();
            try (Stream<Path> files = Files.walk(base)) {
                files.filter(p -> p.getFileName().toString().endsWith(".raw"))
                        .forEach(p -> paths.add(base.relativize(p).toString().replace('\\', '/')));
            }
            paths.sort(null);
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code rx} events of a transcript, in order, as the bytes the device sent. */
    static List<byte[]> received(String transcript) {
        List<byte[]> chunks = new ArrayList<>();
        for (JsonNode event : json(SERIAL + transcript).path("events")) {
            if ("rx".equals(event.path("dir").asText())) {
                chunks.add(event.path("data").asText().getBytes(StandardCharsets.UTF_8));
            }
        }
        return chunks;
    }

    static byte[] concat(List<byte[]> chunks) {
        int total = 0;
        for (byte[] c : chunks) {
            total += c.length;
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, all, at, c.length);
            at += c.length;
        }
        return all;
    }
}
