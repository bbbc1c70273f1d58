package org.openjii.mmi.ingest;

/**
 * The {@code sample} field of an ingest message, ready to be set: compact JSON text, or gzip+base64 of it.
 *
 * @param text the value of {@code sample}
 * @param encoding {@value SampleEncoder#GZIP_BASE64} for compressed text, {@code null} for plain JSON text (the
 *     value of {@code _sample_encoding})
 * @param serializedBytes UTF-8 bytes the value takes in the serialized message, quotes and escapes included
 * @param encoder the settings that produced it, so a later step can tell whether its own settings would differ
 */
public record EncodedSample(String text, String encoding, int serializedBytes, SampleEncoder encoder) {

    public boolean compressed() {
        return encoding != null;
    }

    @Override
    public String toString() {
        return "EncodedSample[" + (encoding == null ? "json" : encoding) + ", " + serializedBytes + " bytes]";
    }
}
