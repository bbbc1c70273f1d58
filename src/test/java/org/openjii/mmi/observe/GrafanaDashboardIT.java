package org.openjii.mmi.observe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.BridgeProcess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Grafana dashboard (grafana/mmi-dashboard.json) against a scrape of a running bridge: every query of every panel
 * selects series that exist, with the labels its matchers ask for. A dashboard that names a metric the bridge does not
 * serve (renamed, a gauge that became a counter, a binder left out) shows "No data" and fails here instead.
 * <p>
 * The bridge is {@code mmi run} on the simulator with checksum faults (so a dead letter is made) and the embedded
 * broker, as an operator runs it; Prometheus is not needed: the selectors of each PromQL query are checked against the
 * exposition itself. Template variables ({@code $instance}) match anything, as "All" does.
 */
class GrafanaDashboardIT {

    private static final Path DASHBOARD = Path.of("grafana/mmi-dashboard.json");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** PromQL words that are not metric names. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "and", "or", "unless", "offset");
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{[^}]*})?(\\s*\\()?");
    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? \\S+$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path dir;

    @Test
    void shouldFindEveryPanelsMetricInAScrapeOfARunningBridge() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Map<String, List<String>> queries = queries(dashboard);
        assertThat(queries).as("panels with queries").hasSizeGreaterThan(10);

        int port = freePort();
        try (BridgeProcess bridge = BridgeProcess.start(dir.resolve("bridge.log"), Map.of("mmi.http.port", String
                .valueOf(port), "mmi.embedded.port", "0", "mmi.embedded.dir", dir.resolve("broker").toString(),
                "mmi.outbox.dir", dir.resolve("outbox").toString(), "mmi.device.interval", "300ms",
                "mmi.simulator.options", "max-run-time=100ms,faults=crc:0.3"))) {
            // The meters that appear with their first event: a delivery, a dead letter.
            String[] scrape = new String[1];
            await("a scrape with deliveries and a dead letter").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .untilAsserted(() -> {
                        assertThat(bridge.isAlive()).as("running; output:%n%s", bridge.output()).isTrue();
                        scrape[0] = get(port, "/observe/metrics");
                        assertThat(scrape[0]).contains("mmi_dead_letters_total{",
                                "mmi_delivery_latency_seconds_bucket{");
                    });
            Map<String, List<Map<String, String>>> series = series(scrape[0]);

            List<String> missing = new ArrayList<>();
            queries.forEach((panel, exprs) -> exprs.forEach(expr -> selectors(expr).forEach((name, matchers) -> {
                if (series.getOrDefault(name, List.of()).stream().noneMatch(labels -> matches(labels, matchers))) {
                    missing.add(panel + ": " + name + matchers + " in " + expr);
                }
            })));
            assertThat(missing).as("selectors without a series in the scrape").isEmpty();
        }
    }

    /** A label matcher of a selector, such as {@code area="heap"}. */
    record LabelMatcher(String label, String operator, String value) {

        @Override
        public String toString() {
            return label + operator + '"' + value + '"';
        }
    }

    /** Each panel's title and its queries' expressions (rows have none). */
    static Map<String, List<String>> queries(JsonNode dashboard) {
        Map<String, List<String>> queries = new LinkedHashMap<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            List<String> exprs = new ArrayList<>();
            panel.path("targets").forEach(target -> exprs.add(target.path("expr").asText()));
            assertThat(exprs).as("queries of panel %s", panel.path("title").asText())
                    .isNotEmpty()
                    .allMatch(expr -> !expr.isBlank());
            queries.put(panel.path("title").asText(), exprs);
        }
        return queries;
    }

    /** The metric selectors of a PromQL expression: metric name to its label matchers (name, operator, value). */
    static Map<String, List<LabelMatcher>> selectors(String expr) {
        // Grouping labels and range durations are no selectors.
        String stripped = expr.replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\[[^\\]]*]", " ");
        Map<String, List<LabelMatcher>> selectors = new LinkedHashMap<>();
        Matcher m = SELECTOR.matcher(stripped);
        while (m.find()) {
            String name = m.group(1);
            boolean function = m.group(3) != null && m.group(2) == null;
            if (function || KEYWORDS.contains(name) || name.startsWith("$")) {
                continue;
            }
            List<LabelMatcher> matchers = new ArrayList<>();
            if (m.group(2) != null) {
                Matcher label = MATCHER.matcher(m.group(2));
                while (label.find()) {
                    matchers.add(new LabelMatcher(label.group(1), label.group(2), label.group(3)));
                }
            }
            selectors.put(name, matchers);
        }
        return selectors;
    }

    /** The samples of a Prometheus text exposition: metric name to the label sets it has. */
    static Map<String, List<Map<String, String>>> series(String exposition) {
        Map<String, List<Map<String, String>>> series = new HashMap<>();
        Matcher sample = SAMPLE.matcher(exposition);
        while (sample.find()) {
            Map<String, String> labels = new HashMap<>();
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    labels.put(label.group(1), label.group(2));
                }
            }
            series.computeIfAbsent(sample.group(1), name -> new ArrayList<>()).add(labels);
        }
        return series;
    }

    /** Whether a label set satisfies the matchers; a matcher on a template variable matches anything. */
    static boolean matches(Map<String, String> labels, List<LabelMatcher> matchers) {
        for (LabelMatcher matcher : matchers) {
            String value = labels.getOrDefault(matcher.label(), "");
            if (matcher.value().contains("$")) {
                continue;
            }
            boolean ok = switch (matcher.operator()) {
                case "=" -> value.equals(matcher.value());
                case "!=" -> !value.equals(matcher.value());
                case "=~" -> value.matches(matcher.value());
                default -> !value.matches(matcher.value());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
