package org.openjii.mmi.test;

import java.io.IOException;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON in tests: read with the bridge's own exact-number mapper, and text that is not JSON fails the test. */
public final class TestJson {

    private TestJson() {
    }

    /** The tree of {@code text}; an {@link AssertionError} that shows the text when it is not JSON. */
    public static JsonNode json(String text) {
        try {
            return DeviceJson.parse(text);
        } catch (IOException e) {
            throw new AssertionError("Not JSON: " + text, e);
        }
    }
}
