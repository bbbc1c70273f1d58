package org.openjii.mmi.topic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An MQTT topic with {@code {name}} placeholders, e.g.
 * {@code experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/{sensorId}} or
 * {@code mmi/dlq/{clientId}/{reason}}. A placeholder may fill a whole level or part of one
 * ({@code multispeq_{deviceId}}).
 * <p>
 * Built for untrusted values: a device id is whatever the device prints. AWS IoT Core's rules are enforced on both
 * sides. The template itself ({@link #parse}, at configuration time): no wildcard, NUL or control character, no empty
 * level, no leading {@code $} (reserved topics), at most 7 slashes. Every value ({@link #render}, per message): not
 * empty, no {@code /} (it would add a level), no {@code +} or {@code #}, no NUL or control character, no unpaired
 * surrogate, no leading {@code $}. The rendered topic: at most 256 UTF-8 bytes. Any violation is an
 * {@link InvalidTopicException} naming the placeholder and the value.
 */
public final class TopicTemplate {

    /** AWS IoT Core's limit on a topic's UTF-8 length. */
    public static final int MAX_TOPIC_BYTES = 256;
    /** AWS IoT Core's limit on slashes (8 levels). */
    public static final int MAX_SLASHES = 7;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)}");
    private static final int MAX_SHOWN_CHARS = 64;

    private final String template;
    /** Literal text and placeholder names, alternating: literal, name, literal, ... (literals may be empty). */
    private final List<String> pieces;
    private final Set<String> placeholders;
    /** For {@link #matches}: the literals, and one level of anything for each placeholder. */
    private final Pattern shape;

    private TopicTemplate(String template, List<String> pieces, Set<String> placeholders) {
        this.template = template;
        this.pieces = pieces;
        this.placeholders = placeholders;
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pieces.size(); i++) {
            regex.append(i % 2 == 0 ? Pattern.quote(pieces.get(i)) : "[^/]+");
        }
        this.shape = Pattern.compile(regex.toString());
    }

    /**
     * Parses and checks a template.
     *
     * @throws IllegalArgumentException when the template breaks a topic rule or has a malformed placeholder
     */
    public static TopicTemplate parse(String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("A topic template must not be empty");
        }
        List<String> pieces = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = PLACEHOLDER.matcher(template);
        int at = 0;
        while (matcher.find()) {
            pieces.add(template.substring(at, matcher.start()));
            pieces.add(matcher.group(1));
            names.add(matcher.group(1));
            at = matcher.end();
        }
        pieces.add(template.substring(at));
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < pieces.size(); i += 2) {
            literal.append(pieces.get(i)).append(i + 1 < pieces.size() ? "x" : "");
        }
        String shape = literal.toString();
        String problem = templateProblem(shape);
        if (problem != null) {
            throw new IllegalArgumentException("Topic template '" + template + "' " + problem);
        }
        return new TopicTemplate(template, List.copyOf(pieces), Collections.unmodifiableSet(names));
    }

    /** What is wrong with the template's literal text (placeholders replaced by {@code x}), or {@code null}. */
    private static String templateProblem(String shape) {
        if (shape.indexOf('{') >= 0 || shape.indexOf('}') >= 0) {
            return "has a brace outside a {placeholder} (names start with a letter: letters, digits, _)";
        }
        if (shape.startsWith("$")) {
            return "starts with $ (reserved topics)";
        }
        if (shape.startsWith("/") || shape.endsWith("/") || shape.contains("//")) {
            return "has an empty level";
        }
        for (int i = 0; i < shape.length(); i++) {
            String why = forbidden(shape.charAt(i));
            if (why != null) {
                return "contains " + why;
            }
        }
        long slashes = shape.chars().filter(c -> c == '/').count();
        if (slashes > MAX_SLASHES) {
            return "has " + slashes + " slashes; AWS IoT Core allows at most " + MAX_SLASHES;
        }
        return null;
    }

    /**
     * What is wrong with a topic to publish to that a peer chose (an MQTT 5 response topic), or {@code null}: the
     * rules of a template, where braces are plain text, and the length limit.
     */
    public static String topicProblem(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "is empty";
        }
        String problem = templateProblem(topic.replace('{', '_').replace('}', '_'));
        if (problem != null) {
            return problem;
        }
        int bytes = utf8Length(topic);
        return bytes > MAX_TOPIC_BYTES ? "is " + bytes + " bytes; AWS IoT Core allows at most " + MAX_TOPIC_BYTES
                : null;
    }

    /**
     * Whether a topic has this template's shape, any value standing for each placeholder: {@code mmi/dlq/x/timeout}
     * matches {@code mmi/dlq/{clientId}/{reason}}. A value fills at most one level, as {@link #render} allows.
     */
    public boolean matches(String topic) {
        return topic != null && shape.matcher(topic).matches();
    }

    /** The placeholder names, in order of first appearance. */
    public Set<String> placeholders() {
        return placeholders;
    }

    /**
     * Checks that every placeholder is one the caller can fill.
     *
     * @param knob the configuration knob holding the template, for the message
     * @throws IllegalArgumentException naming the unknown placeholders and the known ones
     */
    public TopicTemplate requireKnown(String knob, Collection<String> known) {
        Set<String> unknown = new LinkedHashSet<>(placeholders);
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(knob + " '" + template + "' uses unknown placeholder(s) " + unknown
                    + "; known: " + known);
        }
        return this;
    }

    /**
     * The topic with every placeholder replaced.
     *
     * @throws InvalidTopicException when a value is missing or breaks a topic rule, or the topic is too long
     */
    public String render(Map<String, String> values) throws InvalidTopicException {
        StringBuilder topic = new StringBuilder(template.length() + 64);
        for (int i = 0; i < pieces.size(); i++) {
            if (i % 2 == 0) {
                topic.append(pieces.get(i));
            } else {
                String name = pieces.get(i);
                String value = values.get(name);
                checkValue(name, value);
                topic.append(value);
            }
        }
        int bytes = utf8Length(topic);
        if (bytes > MAX_TOPIC_BYTES) {
            throw new InvalidTopicException("topic", topic.toString(), "Topic " + show(topic.toString()) + " is "
                    + bytes + " bytes; AWS IoT Core allows at most " + MAX_TOPIC_BYTES);
        }
        return topic.toString();
    }

    /**
     * Checks one value for a topic level.
     *
     * @param name the placeholder (or knob) the value is for, named in the exception
     */
    public static void checkValue(String name, String value) throws InvalidTopicException {
        String problem = valueProblem(value);
        if (problem != null) {
            throw new InvalidTopicException(name, value, name + " " + (value == null ? "" : show(value) + " ")
                    + problem);
        }
    }

    private static String valueProblem(String value) {
        if (value == null) {
            return "has no value";
        }
        if (value.isEmpty()) {
            return "is empty";
        }
        if (value.charAt(0) == '$') {
            return "starts with $ (reserved topics)";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/') {
                return "contains '/' (it would add a topic level)";
            }
            String why = forbidden(c);
            if (why != null) {
                return "contains " + why;
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired surrogate (not UTF-8)";
            }
        }
        if (utf8Length(value) > MAX_TOPIC_BYTES) {
            return "is longer than a whole topic may be (" + MAX_TOPIC_BYTES + " bytes)";
        }
        return null;
    }

    /** Why a character may not appear in a topic, or {@code null}. */
    private static String forbidden(char c) {
        if (c == '+' || c == '#') {
            return "the wildcard '" + c + "'";
        }
        if (c == 0) {
            return "NUL";
        }
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) {
            return String.format("the control character U+%04X", (int) c);
        }
        return null;
    }

    /** A value for a message: quoted, control characters escaped, long ones cut. */
    public static String show(String value) {
        StringBuilder shown = new StringBuilder("\"");
        int limit = Math.min(value.length(), MAX_SHOWN_CHARS);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || Character.isSurrogate(c)) {
                shown.append(String.format("\\u%04X", (int) c));
            } else {
                shown.append(c);
            }
        }
        shown.append('"');
        if (value.length() > limit) {
            shown.append("... (").append(utf8Length(value)).append(" bytes)");
        }
        return shown.toString();
    }

    /** The template as written. */
    @Override
    public String toString() {
        return template;
    }

    /** Bytes of {@code text} in UTF-8, counted without encoding it. */
    public static int utf8Length(CharSequence text) {
        int length = text.length();
        int bytes = length;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes++;
                } else if (Character.isHighSurrogate(c) && i + 1 < length
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    // 4 bytes for the pair of chars
                    bytes += 2;
                    i++;
                } else {
                    // 3 bytes; a lone surrogate becomes '?' (1 byte) in String.getBytes, counted as 3 to stay safe
                    bytes += 2;
                }
            }
        }
        return bytes;
    }
}
