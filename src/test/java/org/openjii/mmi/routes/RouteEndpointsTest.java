package org.openjii.mmi.routes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both ends of every route are visible in {@code routes/}: each route starts and ends at a Camel endpoint, and an
 * in-process endpoint ({@code direct:}, {@code seda:}) that a route reads from or writes to has its other side in the
 * YAML too, never only in Java. The MQTT ends are {@code iot:} endpoints.
 */
class RouteEndpointsTest {

    private static final Set<String> IN_PROCESS = Set.of("direct", "seda");
    private static final Set<String> SENDING_STEPS = Set.of("to", "toD", "wireTap", "enrich", "pollEnrich");

    /** Route id → its {@code from} URI and the URIs of its last steps. */
    private record Route(String file, String id, String from, List<String> ends) {
    }

    private static final List<Route> ROUTES = new ArrayList<>();
    /** Every URI a YAML step or error handler sends to. */
    private static final Set<String> SENT_TO = new HashSet<>();

    @BeforeAll
    static void readRoutes() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList()) {
                for (JsonNode entry : yaml.readTree(file.toFile())) {
                    collectSends(entry);
                    JsonNode route = entry.has("route") ? entry.get("route")
                            : entry.has("routeTemplate") ? entry.get("routeTemplate").get("route") : null;
                    if (route != null) {
                        JsonNode from = route.get("from");
                        List<String> ends = new ArrayList<>();
                        lastSends(from.get("steps"), ends);
                        ROUTES.add(new Route(file.getFileName().toString(), route.path("id")
                                .asText(
                                        entry.path("routeTemplate").path("id").asText()),
                                endpoint(from.get("uri").asText()),
                                ends));
                    }
                }
            }
        }
        assertThat(ROUTES).as("routes read from routes/").hasSizeGreaterThanOrEqualTo(7);
    }

    /** Adds every URI the node sends to, anywhere below it (steps, error handlers). */
    private static void collectSends(JsonNode node) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (SENDING_STEPS.contains(field.getKey()) && field.getValue().has("uri")) {
                    SENT_TO.add(endpoint(field.getValue().get("uri").asText()));
                } else if (field.getKey().equals("deadLetterUri")) {
                    SENT_TO.add(endpoint(field.getValue().asText()));
                }
                collectSends(field.getValue());
            }
        } else if (node.isArray()) {
            node.forEach(RouteEndpointsTest::collectSends);
        }
    }

    /** The endpoints of the last step of {@code steps}, looking into the branches of a choice, doTry or split. */
    private static void lastSends(JsonNode steps, List<String> ends) {
        if (steps == null || steps.isEmpty()) {
            return;
        }
        JsonNode last = steps.get(steps.size() - 1);
        String kind = last.fieldNames().next();
        JsonNode step = last.get(kind);
        switch (kind) {
            case "choice" -> {
                step.path("when").forEach(when -> lastSends(when.get("steps"), ends));
                lastSends(step.path("otherwise").get("steps"), ends);
            }
            case "doTry" -> lastSends(step.get("steps"), ends);
            case "split", "filter", "loop" -> lastSends(step.get("steps"), ends);
            default -> ends.add(SENDING_STEPS.contains(kind) && step.has("uri") ? endpoint(step.get("uri").asText())
                    : kind);
        }
    }

    /** {@code scheme:path} without options. */
    private static String endpoint(String uri) {
        int query = uri.indexOf('?');
        return (query < 0 ? uri : uri.substring(0, query)).replace("://", ":");
    }

    private static String scheme(String endpoint) {
        return endpoint.substring(0, endpoint.indexOf(':'));
    }

    @Test
    void everyRouteStartsAtAnEndpointWhoseOtherSideIsInTheYaml() {
        for (Route route : ROUTES) {
            if (IN_PROCESS.contains(scheme(route.from()))) {
                assertThat(SENT_TO).as(route.file() + " route " + route.id() + " starts at " + route.from()
                        + ": something in routes/ must send to it").contains(route.from());
            }
        }
    }

    @Test
    void everyRouteEndsAtAnEndpointWhoseOtherSideIsInTheYaml() {
        Set<String> consumed = new HashSet<>();
        ROUTES.forEach(route -> consumed.add(route.from()));
        for (Route route : ROUTES) {
            assertThat(route.ends()).as(route.file() + " route " + route.id() + " ends at an endpoint").isNotEmpty();
            for (String end : route.ends()) {
                assertThat(end).as(route.file() + " route " + route.id() + " ends at an endpoint, not a " + end)
                        .contains(":");
                if (IN_PROCESS.contains(scheme(end))) {
                    assertThat(consumed).as(route.file() + " route " + route.id() + " ends at " + end
                            + ": a route in routes/ must read it").contains(end);
                }
            }
        }
    }

    @Test
    void theMqttEndsAreIotEndpoints() {
        assertThat(route("ingest").ends()).containsExactly("iot:data");
        assertThat(route("dead-letter").ends()).containsExactly("iot:dead-letter");
        assertThat(route("command-request").from()).isEqualTo("iot:command");
        assertThat(route("command-response").ends()).containsExactly("iot:response");
    }

    private static Route route(String id) {
        return ROUTES.stream().filter(route -> route.id().equals(id)).findFirst().orElseThrow();
    }
}
