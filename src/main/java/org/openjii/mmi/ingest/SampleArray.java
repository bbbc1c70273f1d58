package org.openjii.mmi.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import org.openjii.mmi.device.DeviceJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * The flat {@code sample} array of a run in the two forms the ingest steps use: its compact JSON text, which is what
 * gets published (gzipped above 8 KB), and its tree, which only splitting by sample, device-error checks and tests
 * look into. One form is given, the other is made from it when first asked for; both always agree.
 * <p>
 * Why not just the tree: building the exact-decimal tree of a 24 KB RIDES sample and writing it back out took longer
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
     * Samples given as the text a tree of them would be written as ({@link DeviceJson#write}), byte for byte: the
     * caller vouches for that ({@link CompactSample}). The tree is parsed from it when needed.
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

    /** The compact JSON text of the samples, as {@link DeviceJson#write} writes the tree. */
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

    public int size() {
        return tree().size();
    }

    public boolean isEmpty() {
        Json text = knownJson();
        return text != null ? text.length() == "[]".length() : tree().isEmpty();
    }

    /** Sample {@code index} alone, as a one-element array. */
    public SampleArray element(int index) {
        return ofTree(DeviceJson.mapper().createArrayNode().add(tree().get(index)));
    }

    private synchronized Json knownJson() {
        return json;
    }

    /** A summary instead of up to 66 KB of samples (Camel logs message bodies). */
    @Override
    public String toString() {
        Json text = knownJson();
        return "SampleArray[" + (text != null ? text.length() + " bytes of JSON" : "tree") + "]";
    }
}
