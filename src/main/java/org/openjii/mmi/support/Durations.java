package org.openjii.mmi.support;

import java.util.Locale;
import java.util.regex.Pattern;

import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

/**
 * Duration settings ({@code 10s}, {@code 5m}, {@code 1h30m}, or a bare number of milliseconds), read strictly. Camel's
 * {@link TimeUtils} reads text it does not understand as 0 ({@code -1s}, {@code abc}, {@code 10x}); for
 * {@code mmi.device.interval} 0 means "measure once", so a typo would silently stop measuring. The text is matched
 * against Camel's syntax first and then converted by {@link TimeUtils}, so both read the same values.
 */
public final class Durations {

    /** Camel's duration syntax: units d, h, m, s, ms in that order, each with a whole number; or milliseconds. */
    private static final Pattern SYNTAX = Pattern.compile("\\d+|(\\d+d)?(\\d+h)?(\\d+m(?!s))?(\\d+s)?(\\d+ms)?");

    private Durations() {
    }

    /**
     * The setting in milliseconds.
     *
     * @throws IllegalArgumentException naming the key, for a negative value or text that is not a duration
     */
    public static long millis(PropertiesComponent properties, String key, String defaultValue) {
        return millis(key, properties.resolveProperty(key).orElse(defaultValue));
    }

    /**
     * A duration setting's text in milliseconds.
     *
     * @throws IllegalArgumentException naming the key, for a negative value or text that is not a duration
     */
    public static long millis(String key, String value) {
        String text = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (text.startsWith("-")) {
            throw new IllegalArgumentException(key + " must not be negative, was '" + value.strip() + "'");
        }
        if (text.isEmpty() || !SYNTAX.matcher(text).matches()) {
            throw new IllegalArgumentException(key + " must be a duration such as 500ms, 10s, 5m or 1h30m (a bare"
                    + " number is milliseconds), was '" + (value == null ? "" : value.strip()) + "'");
        }
        return TimeUtils.toMilliSeconds(text);
    }
}
