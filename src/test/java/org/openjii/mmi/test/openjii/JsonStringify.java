package org.openjii.mmi.test.openjii;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JavaScript's {@code JSON.stringify(value, null, 2)}, the form openJII's web app writes its downloads in: two-space
 * indentation, {@code "key": value}, empty containers as {@code []} and {@code {}}, no trailing newline, numbers as
 * JavaScript prints them. Written here because Jackson's pretty printer differs ({@code "key" : value},
 * {@code [ ]}).
 */
public final class JsonStringify {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INDENT = "  ";

    private JsonStringify() {
    }

    /** {@code JSON.stringify(node, null, 2)}. */
    public static String pretty(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out, "");
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out, String indent) {
        if (node.isObject()) {
            if (node.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            String inner = indent + INDENT;
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                out.append(inner).append(string(field.getKey())).append(": ");
                write(field.getValue(), out, inner);
                out.append(fields.hasNext() ? ",\n" : "\n");
            }
            out.append(indent).append('}');
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            String inner = indent + INDENT;
            for (int i = 0; i < node.size(); i++) {
                out.append(inner);
                write(node.get(i), out, inner);
                out.append(i < node.size() - 1 ? ",\n" : "\n");
            }
            out.append(indent).append(']');
        } else if (node.isTextual()) {
            out.append(string(node.textValue()));
        } else if (node.isNumber()) {
            out.append(number(node.doubleValue()));
        } else {
            // null, true, false
            out.append(node.toString());
        }
    }

    /** A string as JSON.stringify quotes it: Jackson escapes the same characters (quote, backslash, controls). */
    private static String string(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A number as JavaScript's {@code Number.prototype.toString} prints it: plain from 1e-6 up to 1e21, else
     * {@code 1.5e+21} / {@code 1e-7}. JavaScript numbers are doubles: a longer integer is rounded as JSON.parse
     * would.
     */
    static String number(double value) {
        if (value == 0) {
            return "0";
        }
        BigDecimal stripped = BigDecimal.valueOf(value).stripTrailingZeros();
        int exponent = stripped.precision() - stripped.scale() - 1;
        if (exponent >= -6 && exponent < 21) {
            return stripped.toPlainString();
        }
        String digits = stripped.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (stripped.signum() < 0 ? "-" : "") + mantissa + "e" + (exponent > 0 ? "+" : "-") + Math.abs(exponent);
    }
}
