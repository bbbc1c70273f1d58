package org.openjii.mmi.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads test resources (the fixtures under /fixtures/multispeq/, schemas, protocols) from the classpath. */
public final class TestResources {

    private TestResources() {
    }

    /** The bytes of {@code path}, exactly as stored. */
    public static byte[] bytes(String path) {
        try (InputStream in = TestResources.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("No resource " + path + " on the test classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String path) {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }
}
