package org.openjii.mmi.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * The flat {@code sample} array of a run in the two forms the ingest steps use: its compact JSON text, which is what
 * gets published (gzipped above a size, {@link SampleEncoder}), and its tree, which only splitting by sample,
 * device-error checks and tests look into. One form is given, the other is made from it when first asked for; both
 * always agree.
 * <p>
 * Why not just the tree: building the exact-decimal tree of a 24 KB RIDES sample and writing it back out takes longer
 * than gzipping it. When {@link CompactSample} has checked that the device's own bytes of the array are exactly what
 * the tree would be written as, {@link ParseMeasurement} passes those bytes on and no tree is built on the way to the
 * payload.
 * <p>
 * Shared between the steps and the parts of a split, possibly on several threads: treat the tree as read-only.
 */
public final class SampleArray {

    /** A range of UTF-8 bytes holding compact JSON text; the array is shared, not copied: do not modify it. */
    public record Json(byte[] bytes, int offset, int length) {

        public Json {
            Objects.checkFromIndexSize(offset, length, bytes.length);
        }

        public String text() {
            return new String(bytes, offset, length, StandardCharsets.UTF_8);
        }
    }

    private ArrayNode tree;
    private Json json;

    private SampleArray(ArrayNode tree, Json json) {
        this.tree = tree;
        this.json = json;
    }

    /** Samples given as a tree; the text is written from it when needed. */
    public static SampleArray ofTree(ArrayNode tree) {
        return new SampleArray(Objects.requireNonNull(tree, "tree"), null);
    }

    /**
     * Samples given as the text Jackson would write for a tree of them, byte for byte: the caller vouches for that
     * ({@link CompactSample}). The tree is parsed from it when needed.
     */
    static SampleArray ofCompactJson(Json json) {
        return new SampleArray(null, Objects.requireNonNull(json, "json"));
    }

    /** The samples as a tree, numbers with their exact text. */
    public synchronized ArrayNode tree() {
        if (tree == null) {
            try {
                tree = (ArrayNode) DeviceJson.parse(json.bytes(), json.offset(), json.length());
            } catch (IOException e) {
                // ofCompactJson takes only text that was checked to be a compact JSON array.
                throw new UncheckedIOException("Checked sample text did not parse", e);
            }
        }
        return tree;
    }

    /** The compact JSON text of the samples as Jackson writes the tree in UTF-8 ({@code writeValueAsBytes}). */
    public synchronized Json compactJson() {
        if (json == null) {
            byte[] bytes;
            try {
                bytes = DeviceJson.mapper().writeValueAsBytes(tree);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Samples could not be written as JSON: " + e.getOriginalMessage(), e);
            }
            json = new Json(bytes, 0, bytes.length);
        }
        return json;
    }

    /** How many samples; counted in the text when there is no tree yet, so a log line does not build one. */
    public int size() {
        ArrayNode known = knownTree();
        return known != null ? known.size() : countElements(compactJson());
    }

    public boolean isEmpty() {
        ArrayNode known = knownTree();
        return known != null ? known.isEmpty() : compactJson().length() == "[]".length();
    }

    /** Sample {@code index} alone, as a one-element array. */
    public SampleArray element(int index) {
        return ofTree(DeviceJson.mapper().createArrayNode().add(tree().get(index)));
    }

    private synchronized Json knownJson() {
        return json;
    }

    private synchronized ArrayNode knownTree() {
        return tree;
    }

    /** The elements of a compact JSON array: commas at its own level, outside strings, plus one unless it is empty. */
    private static int countElements(Json json) {
        byte[] bytes = json.bytes();
        int closingBracket = json.offset() + json.length() - 1;
        int depth = 0;
        int commas = 0;
        boolean inString = false;
        for (int i = json.offset() + 1; i < closingBracket; i++) {
            byte b = bytes[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '[' || b == '{') {
                depth++;
            } else if (b == ']' || b == '}') {
                depth--;
            } else if (b == ',' && depth == 0) {
                commas++;
            }
        }
        return json.length() == "[]".length() ? 0 : commas + 1;
    }

    /** A summary instead of up to 66 KB of samples (Camel logs message bodies). */
    @Override
    public String toString() {
        Json text = knownJson();
        return "SampleArray[" + (text != null ? text.length() + " bytes of JSON" : "tree") + "]";
    }
}
