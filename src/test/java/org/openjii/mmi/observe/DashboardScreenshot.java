package org.openjii.mmi.observe;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Draws grafana/mmi-dashboard.json as a PNG from what a real Prometheus answers to its queries: no Grafana is at hand
 * offline, so this lays the panels out on the dashboard's own 24-column grid and plots each query's result (a stat's
 * last value, a time series' lines), in Grafana's dark colours. Used by {@code bin/dashboard-screenshot}; the picture
 * is of real metrics, its style only resembles Grafana's.
 *
 * <pre>
 * DashboardScreenshot DASHBOARD PROMETHEUS_URL START_EPOCH END_EPOCH OUTPUT.png
 * </pre>
 */
public final class DashboardScreenshot {

    private static final int WIDTH = 1600;
    private static final int ROW_HEIGHT = 30;
    private static final int GAP = 6;
    private static final Color BACKGROUND = new Color(0x11, 0x12, 0x17);
    private static final Color PANEL = new Color(0x18, 0x1b, 0x1f);
    private static final Color BORDER = new Color(0x2a, 0x2d, 0x33);
    private static final Color TEXT = new Color(0xcc, 0xcc, 0xdc);
    private static final Color DIM = new Color(0x8e, 0x8e, 0x9e);
    private static final Color[] PALETTE = {new Color(0x73, 0xbf, 0x69), new Color(0xf2, 0xcc, 0x0c),
            new Color(0x56, 0xa6, 0x4b).brighter(), new Color(0x8a, 0xb8, 0xff), new Color(0xff, 0x98, 0x30),
            new Color(0xf2, 0x49, 0x5c), new Color(0xb8, 0x77, 0xd9), new Color(0x5a, 0xc8, 0xc8)};
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final String prometheus;
    private final long start;
    private final long end;
    private final long step;

    private DashboardScreenshot(String prometheus, long start, long end) {
        this.prometheus = prometheus;
        this.start = start;
        this.end = end;
        this.step = Math.max(5, (end - start) / 240);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: DashboardScreenshot DASHBOARD PROMETHEUS_URL START_EPOCH END_EPOCH OUTPUT.png");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        JsonNode dashboard = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        new DashboardScreenshot(args[1], Long.parseLong(args[2]), Long.parseLong(args[3])).draw(dashboard, Path.of(
                args[4]));
    }

    private void draw(JsonNode dashboard, Path output) throws IOException, InterruptedException {
        int rows = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            JsonNode grid = panel.path("gridPos");
            rows = Math.max(rows, grid.path("y").asInt() + grid.path("h").asInt());
        }
        int header = 44;
        BufferedImage image = new BufferedImage(WIDTH, header + rows * ROW_HEIGHT + GAP, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(TEXT);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        g.drawString(dashboard.path("title").asText(), GAP * 2, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(DIM);
        String span = time(start) + " – " + time(end) + " UTC";
        g.drawString(span, WIDTH - GAP * 2 - g.getFontMetrics().stringWidth(span), 28);
        double column = (WIDTH - GAP) / 24.0;
        for (JsonNode panel : dashboard.path("panels")) {
            JsonNode grid = panel.path("gridPos");
            int x = (int) Math.round(GAP + grid.path("x").asInt() * column);
            int y = header + grid.path("y").asInt() * ROW_HEIGHT;
            int w = (int) Math.round(grid.path("w").asInt() * column) - GAP;
            int h = grid.path("h").asInt() * ROW_HEIGHT - GAP;
            String type = panel.path("type").asText();
            if (type.equals("row")) {
                g.setColor(TEXT);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
                g.drawString(panel.path("title").asText(), x + 4, y + 20);
                continue;
            }
            g.setColor(PANEL);
            g.fillRoundRect(x, y, w, h, 6, 6);
            g.setColor(BORDER);
            g.drawRoundRect(x, y, w, h, 6, 6);
            g.setColor(TEXT);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(panel.path("title").asText(), x + 10, y + 20);
            String unit = panel.path("fieldConfig").path("defaults").path("unit").asText("");
            if (type.equals("stat")) {
                stat(g, panel, unit, x, y + 26, w, h - 26);
            } else {
                timeSeries(g, panel, unit, x, y + 26, w, h - 26);
            }
        }
        g.dispose();
        ImageIO.write(image, "png", output.toFile());
        System.out.println("Wrote " + output + " (" + image.getWidth() + "x" + image.getHeight() + ")");
    }

    private record Series(String name, List<double[]> points) {
    }

    private void stat(Graphics2D g, JsonNode panel, String unit, int x, int y, int w, int h)
            throws IOException, InterruptedException {
        List<String> texts = new ArrayList<>();
        boolean byName = panel.path("options").path("textMode").asText().equals("name");
        for (JsonNode target : panel.path("targets")) {
            for (JsonNode result : query("query", target.path("expr").asText(), "&time=" + end)) {
                String name = legend(target.path("legendFormat").asText(), result.path("metric"));
                double value = result.path("value").path(1).asDouble();
                texts.add(byName ? name : format(value, unit) + (panel.path("targets").size() > 1 ? " " + name : ""));
            }
        }
        String text = texts.isEmpty() ? "No data" : String.join("  /  ", texts);
        g.setColor(texts.isEmpty() ? DIM : PALETTE[0]);
        int size = 34;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, size));
        while (size > 12 && g.getFontMetrics().stringWidth(text) > w - 20) {
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, --size));
        }
        FontMetrics metrics = g.getFontMetrics();
        g.drawString(text, x + (w - metrics.stringWidth(text)) / 2, y + (h + metrics.getAscent()) / 2 - 4);
    }

    private void timeSeries(Graphics2D g, JsonNode panel, String unit, int x, int y, int w, int h)
            throws IOException, InterruptedException {
        List<Series> all = new ArrayList<>();
        for (JsonNode target : panel.path("targets")) {
            for (JsonNode result : query("query_range", target.path("expr").asText(), "&start=" + start + "&end=" + end
                    + "&step=" + step)) {
                List<double[]> points = new ArrayList<>();
                for (JsonNode point : result.path("values")) {
                    double value = point.path(1).asDouble();
                    if (Double.isFinite(value)) {
                        points.add(new double[]{point.path(0).asDouble(), value});
                    }
                }
                all.add(new Series(legend(target.path("legendFormat").asText(), result.path("metric")), points));
            }
        }
        int legendHeight = 16 * Math.min(3, (all.size() + 2) / 3) + 4;
        int left = x + 58;
        int right = x + w - 12;
        int top = y + 6;
        int bottom = y + h - legendHeight - 18;
        double max = 0;
        for (Series series : all) {
            for (double[] p : series.points()) {
                max = Math.max(max, p[1]);
            }
        }
        max = max <= 0 ? 1 : max * 1.1;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i <= 4; i++) {
            int lineY = bottom - (bottom - top) * i / 4;
            g.setColor(BORDER);
            g.drawLine(left, lineY, right, lineY);
            g.setColor(DIM);
            String label = format(max * i / 4, unit);
            g.drawString(label, left - 6 - g.getFontMetrics().stringWidth(label), lineY + 4);
        }
        for (int i = 0; i <= 4; i++) {
            long at = start + (end - start) * i / 4;
            String label = DateTimeFormatter.ofPattern("HH:mm")
                    .withZone(ZoneOffset.UTC)
                    .format(Instant.ofEpochSecond(
                            at));
            int labelX = left + (right - left) * i / 4 - g.getFontMetrics().stringWidth(label) / 2;
            g.drawString(label, labelX, bottom + 14);
        }
        if (all.isEmpty()) {
            g.setColor(DIM);
            g.drawString("No data", (left + right) / 2 - 20, (top + bottom) / 2);
        }
        g.setStroke(new BasicStroke(2f));
        for (int s = 0; s < all.size(); s++) {
            Series series = all.get(s);
            g.setColor(PALETTE[s % PALETTE.length]);
            int previousX = -1;
            int previousY = -1;
            double previousT = 0;
            for (double[] p : series.points()) {
                int px = left + (int) Math.round((right - left) * (p[0] - start) / (double) (end - start));
                int py = bottom - (int) Math.round((bottom - top) * p[1] / max);
                // A gap in the data (no sample for more than two steps) is not bridged by a line.
                if (previousX >= 0 && p[0] - previousT <= 2.5 * step) {
                    g.drawLine(previousX, previousY, px, py);
                } else {
                    g.fillOval(px - 1, py - 1, 3, 3);
                }
                previousX = px;
                previousY = py;
                previousT = p[0];
            }
            int legendX = x + 12 + (s % 3) * ((w - 24) / 3);
            int legendY = bottom + 30 + (s / 3) * 16;
            if (s < 9) {
                g.fillRect(legendX, legendY - 8, 12, 4);
                g.setColor(TEXT);
                g.drawString(series.name(), legendX + 16, legendY - 3);
            }
        }
        g.setStroke(new BasicStroke(1f));
    }

    private JsonNode query(String api, String expr, String parameters) throws IOException, InterruptedException {
        // As Grafana fills them in: every bridge, and a rate window of four scrape intervals (scrapes every 5 s).
        String promql = expr.replace("$__rate_interval", "20s").replace("$instance", ".*");
        URI uri = URI.create(prometheus + "/api/v1/" + api + "?query=" + URLEncoder.encode(promql,
                StandardCharsets.UTF_8) + parameters);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = json.readTree(response.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new IOException(promql + ": " + response.body());
        }
        return body.path("data").path("result");
    }

    private static String legend(String format, JsonNode metric) {
        Matcher m = LEGEND_LABEL.matcher(format);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(metric.path(m.group(1)).asText("")));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String format(double value, String unit) {
        return switch (unit) {
            case "bytes" -> value >= 1 << 20 ? String.format(Locale.ROOT, "%.0f MiB", value / (1 << 20))
                    : String.format(Locale.ROOT, "%.0f KiB", value / 1024);
            case "percentunit" -> String.format(Locale.ROOT, "%.1f%%", value * 100);
            case "s" -> value < 1 ? String.format(Locale.ROOT, "%.0f ms", value * 1000)
                    : String.format(Locale.ROOT, "%.0f s", value);
            case "reqps" -> String.format(Locale.ROOT, "%.2f/s", value);
            default -> value == Math.rint(value) && Math.abs(value) < 1e6 ? String.format(Locale.ROOT, "%.0f", value)
                    : String.format(Locale.ROOT, "%.2f", value);
        };
    }

    private static String time(long epoch) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
                .withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochSecond(
                        epoch));
    }
}
