package org.openjii.mmi.test.openjii;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An openJII device onboarding configuration ({@code zDeviceOnboardingConfig} in openJII's
 * {@code packages/api/src/domains/iot/iot.schema.ts}), as its backend builds it
 * ({@code apps/backend/src/iot/application/use-cases/onboard-device/onboard-device.ts}, procedures from
 * {@code packages/api/src/transforms/workbook-device-plan.ts}): the keys in that order, optional ones left out when
 * unset (as {@code JSON.stringify} drops {@code undefined}).
 *
 * @param endpoint the broker host: AWS's bare ATS host in production; {@code localhost} (or {@code localhost:PORT})
 *     for a test broker
 */
public record OnboardingConfig(String thingName, String deviceType, String endpoint, List<Experiment> experiments) {

    /** Where the web app's single-device download says its contract is documented (the docs example's value). */
    public static final String DOCS_URL = "https://docs.openjii.org/developers/device-integration";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public OnboardingConfig {
        experiments = List.copyOf(experiments);
    }

    /** A config for a Thing that serves no experiment yet; add them with {@link #withExperiments}. */
    public static OnboardingConfig of(String thingName, String deviceType, String endpoint) {
        return new OnboardingConfig(thingName, deviceType, endpoint, List.of());
    }

    /** The same Thing serving exactly {@code served}: a re-issue replaces the list wholesale. */
    public OnboardingConfig withExperiments(Experiment... served) {
        return new OnboardingConfig(thingName, deviceType, endpoint, List.of(served));
    }

    public OnboardingConfig withEndpoint(String newEndpoint) {
        return new OnboardingConfig(thingName, deviceType, newEndpoint, experiments);
    }

    /** The config as the API returns it (what the group download's {@code *-configs.zip} holds). */
    public ObjectNode toJson() {
        ObjectNode config = NODES.objectNode();
        config.put("thingName", thingName);
        config.put("deviceType", deviceType);
        config.put("endpoint", endpoint);
        ArrayNode list = config.putArray("experiments");
        experiments.forEach(experiment -> list.add(experiment.toJson()));
        return config;
    }

    /**
     * The text of {@code {thingName}-config.json} as the device page downloads it
     * ({@code apps/web/components/iot-devices/device-config-delivery.tsx}): {@code docsUrl} added after the config's
     * own keys, {@code JSON.stringify(…, null, 2)}.
     */
    public String deviceDownloadText() {
        ObjectNode delivered = toJson();
        delivered.put("docsUrl", DOCS_URL);
        return JsonStringify.pretty(delivered);
    }

    /**
     * The text of one config inside a group's {@code *-configs.zip}
     * ({@code apps/web/components/iot-devices/groups/group-onboard-results.tsx}): no {@code docsUrl}.
     */
    public String groupDownloadText() {
        return JsonStringify.pretty(toJson());
    }

    /**
     * One experiment the device serves.
     *
     * @param workbookVersion {@code null} when the experiment has no pinned workbook (then procedures is empty)
     */
    public record Experiment(UUID experimentId, String experimentName, String topicPrefix, Integer workbookVersion,
            List<Procedure> procedures) {

        public Experiment {
            procedures = List.copyOf(procedures);
        }

        /**
         * An experiment with a new random id, workbook version 1 and these procedures; its topic prefix is
         * {@code experiment/data_ingest/v1/{experimentId}/{deviceType}} ({@code buildIngestTopicPrefix} in openJII's
         * {@code packages/api/src/transforms/iot-topic.ts}).
         */
        public static Experiment of(String deviceType, String experimentName, Procedure... procedures) {
            return of(UUID.randomUUID(), deviceType, experimentName, procedures);
        }

        public static Experiment of(UUID experimentId, String deviceType, String experimentName,
                Procedure... procedures) {
            return new Experiment(experimentId, experimentName, topicPrefix(experimentId, deviceType), 1,
                    List.of(procedures));
        }

        public static String topicPrefix(UUID experimentId, String deviceType) {
            return "experiment/data_ingest/v1/" + experimentId + "/" + deviceType;
        }

        public Experiment withWorkbookVersion(Integer version) {
            return new Experiment(experimentId, experimentName, topicPrefix, version, procedures);
        }

        public Experiment withProcedures(Procedure... newProcedures) {
            return new Experiment(experimentId, experimentName, topicPrefix, workbookVersion, List.of(newProcedures));
        }

        /** The topic a measurement of this experiment goes to: {@code <topicPrefix>/<sensorVersion>/<sensorId>}. */
        public String topic(String sensorVersion, String sensorId) {
            return topicPrefix + "/" + sensorVersion + "/" + sensorId;
        }

        /** The experiment's protocol procedures, in plan order. */
        public List<Procedure.Protocol> protocols() {
            return procedures.stream()
                    .filter(Procedure.Protocol.class::isInstance)
                    .map(Procedure.Protocol.class::cast)
                    .toList();
        }

        ObjectNode toJson() {
            ObjectNode experiment = NODES.objectNode();
            experiment.put("experimentId", experimentId.toString());
            experiment.put("experimentName", experimentName);
            experiment.put("topicPrefix", topicPrefix);
            experiment.put("workbookVersion", workbookVersion);
            ArrayNode list = experiment.putArray("procedures");
            procedures.forEach(procedure -> list.add(procedure.toJson()));
            return experiment;
        }
    }

    /** A step of an experiment's plan: {@code zDeviceProcedure}'s three kinds. */
    public sealed interface Procedure {

        ObjectNode toJson();

        /** A protocol procedure whose {@code code} is the protocol JSON text (a MultispeQ protocol: an array). */
        static Protocol protocol(UUID protocolId, String name, String family, String codeJson) {
            try {
                return new Protocol(protocolId, name, family, JSON.readTree(codeJson));
            } catch (IOException e) {
                throw new UncheckedIOException("Not JSON: " + codeJson, e);
            }
        }

        static Command command(String format, String content) {
            return new Command(format, content, null);
        }

        /** A {@code multi_choice} question answered with {@code answer}, one of {@code options}. */
        static Question multiChoice(String id, String name, String text, String answer, String... options) {
            return new Question(id, name, "multi_choice", text, Arrays.asList(options), true, NODES.textNode(answer));
        }

        /** A question of another kind ({@code yes_no}, {@code open_ended}, {@code number}); {@code null}: none. */
        static Question question(String id, String name, String kind, String text, String answer) {
            return new Question(id, name, kind, text, null, false,
                    answer == null ? NODES.nullNode() : NODES.textNode(answer));
        }

        /** {@code type: protocol}: run {@code code} on the instrument, publish with {@code protocol_id}. */
        record Protocol(UUID protocolId, String name, String family, JsonNode code) implements Procedure {

            /** {@code code} as one compact line, as it would be sent to an instrument. */
            public String compactCode() {
                return code.toString();
            }

            @Override
            public ObjectNode toJson() {
                ObjectNode procedure = NODES.objectNode();
                procedure.put("type", "protocol");
                procedure.put("protocolId", protocolId.toString());
                putIfSet(procedure, "name", name);
                putIfSet(procedure, "family", family);
                if (code != null) {
                    procedure.set("code", code.deepCopy());
                }
                return procedure;
            }
        }

        /** {@code type: command}: send {@code content} to the instrument; {@code format} string, json or yaml. */
        record Command(String format, String content, String name) implements Procedure {

            @Override
            public ObjectNode toJson() {
                ObjectNode procedure = NODES.objectNode();
                procedure.put("type", "command");
                procedure.put("format", format);
                procedure.put("content", content);
                putIfSet(procedure, "name", name);
                return procedure;
            }
        }

        /**
         * {@code type: question}: static metadata answered when the file was issued.
         *
         * @param options only for {@code multi_choice} (compileDevicePlan writes it for that kind only)
         * @param answer a string, an array of strings, or JSON null
         */
        record Question(String id, String name, String kind, String text, List<String> options, boolean required,
                JsonNode answer) implements Procedure {

            public Question {
                options = options == null ? null : List.copyOf(options);
                answer = Objects.requireNonNullElse(answer, NODES.nullNode());
            }

            @Override
            public ObjectNode toJson() {
                ObjectNode procedure = NODES.objectNode();
                procedure.put("type", "question");
                procedure.put("id", id);
                procedure.put("name", name);
                procedure.put("kind", kind);
                procedure.put("text", text);
                if (options != null) {
                    ArrayNode list = procedure.putArray("options");
                    options.forEach(list::add);
                }
                procedure.put("required", required);
                procedure.set("answer", answer.deepCopy());
                return procedure;
            }
        }

        private static void putIfSet(ObjectNode node, String field, String value) {
            if (value != null) {
                node.put(field, value);
            }
        }
    }
}
