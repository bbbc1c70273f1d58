package org.openjii.mmi.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * The simulator's knowledge of real instruments, all taken from the bundled copies of the public and synthetic
 * fixtures (resources next to this class, see their README): which output a known protocol produces, the shapes of
 * device_info and print_memory, and the sensor values of the continuous commands. Nothing here is typed in by hand
 * except the {@code memory} figures, for which no recording exists.
 * <p>
 * Over 400 lines as one class on purpose: every table is read from the same fixtures, once, and the lookups share
 * them.
 */
final class SimulatorData {

    /** App-saved measurement files add these top-level fields; the device never prints them. */
    static final List<String> APP_FIELDS = List.of("time", "app_os", "app_name", "app_version", "app_device",
            "location", "time_offset");

    /** Illustrative: no recorded {@code memory} output of a MultispeQ is public. */
    static final String MEMORY_LINE = "heap used = 4144, heap free = 2016, stack + heap free = 186872\n";

    /** The build date of fw 2.31 as its settings report it (recall-settings_fw2.31, {@code compiled}). */
    static final String COMPILED_LINE = "Compiled on: Jun  4 2020 16:29:52\n";

    private static final String BASE = "/org/openjii/mmi/simulator/";
    private static final JsonNodeFactory NODES = DeviceJson.mapper().getNodeFactory();
    private static final int MAX_GENERIC_POINTS = 100_000;
    private static final String SPAD_SOURCE = "spad-calibration-prompts_fw2.011";

    /** Protocol fixtures and the output each one produced on a real device. */
    private static final Map<String, String> PROTOCOL_OUTPUTS = Map.of("par", "par_fw2.3465", "rides",
            "rides_fw2.21", "phi2", "phi2_fw1.2", "recall-settings", "recall-settings_fw2.31",
            "leaf-thickness-calibration-alert-prompt", "leaf-thickness-calibration-alert-prompt_fw2.191", "spad",
            "spad", "spad-legacy-mmi", "spad-legacy");

    private static volatile SimulatorData instance;

    private final Map<JsonNode, String> knownProtocols = new LinkedHashMap<>();
    private final Map<String, ArrayNode> samples = new LinkedHashMap<>();
    private final ObjectNode parEnvironment;
    private final String deviceInfoV1Tail;
    private final ObjectNode settingsV2;
    private final ObjectNode printMemory;
    private final String printMemoryV2Text;
    private final JsonNode configurationV1;
    private final StreamTemplate stream;

    private SimulatorData() {
        for (String name : SimulatorOptions.OUTPUT_NAMES) {
            samples.put(name, flattenSample(parse(resource("measurements/" + name + ".json"), name)));
        }
        JsonNode spadSample = samples.get(SPAD_SOURCE).get(0);
        samples.put("spad", spadSample(spadSample));
        samples.put("spad-legacy", spadLegacySample(spadSample));
        PROTOCOL_OUTPUTS.forEach((protocol, output) -> knownProtocols
                .put(parse(resource("protocols/" + protocol + ".json"), protocol), output));

        parEnvironment = NODES.objectNode();
        JsonNode par = samples.get("par_fw2.3465").get(0);
        for (String key : List.of("light_intensity", "r", "g", "b", "w")) {
            parEnvironment.set(key, par.get(key));
        }

        String v1 = stripChecksum(resource("serial/device-info-fw1.17.raw"));
        deviceInfoV1Tail = v1.substring(v1.indexOf(",\"configuration\":"));

        JsonNode recall = parse(resource("measurements/recall-settings_fw2.31.json"), "recall-settings");
        settingsV2 = flattenSample(recall).get(0).path("recall").path("settings").deepCopy();
        settingsV2.remove("time");

        printMemoryV2Text = resource("device/print-memory_fw2.3465.json");
        printMemory = (ObjectNode) parse(printMemoryV2Text, "print-memory");
        configurationV1 = parse(v1 + "}", "device-info-fw1.17").get("configuration");

        String frames = resource("serial/stream-all-sensors-fw1.17.raw");
        stream = StreamTemplate.parse(stripChecksum(frames.substring(0, frames.indexOf('\n') + 1)));
    }

    static SimulatorData get() {
        SimulatorData data = instance;
        if (data == null) {
            synchronized (SimulatorData.class) {
                data = instance;
                if (data == null) {
                    data = new SimulatorData();
                    instance = data;
                }
            }
        }
        return data;
    }

    /** The sample a bundled output name stands for, flattened to the raw-device shape (a copy). */
    ArrayNode sample(String outputName) {
        ArrayNode sample = samples.get(outputName);
        if (sample == null) {
            throw new IllegalArgumentException("No bundled output " + outputName);
        }
        return sample.deepCopy();
    }

    /** The output name of a protocol fixture equal to {@code protocol} (parsed JSON), or {@code null}. */
    String knownOutput(JsonNode protocol) {
        return knownProtocols.get(protocol);
    }

    /**
     * The sample of a measurement document given as text or file (device or app-saved shape).
     *
     * @throws IllegalArgumentException when it is not a JSON object with a {@code sample} array
     */
    static ArrayNode sampleOfDocument(String json, String what) {
        return flattenSample(parse(json, what));
    }

    static ArrayNode sampleOfFile(String path) {
        try {
            return sampleOfDocument(Files.readString(Path.of(path), StandardCharsets.UTF_8), path);
        } catch (IOException e) {
            throw new IllegalArgumentException("Simulator output file " + path + " cannot be read: " + e, e);
        }
    }

    /**
     * The sample of a measurement as the device prints it: app-saved files nest it as {@code [[{...}]]}, the device
     * prints {@code [{...}]} (docs/multispeq-protocol.md, "Measurement output").
     */
    static ArrayNode flattenSample(JsonNode document) {
        JsonNode sample = document.path("sample");
        if (!sample.isArray()) {
            throw new IllegalArgumentException("A simulator output must be a measurement object with a sample array");
        }
        return DeviceJson.flattenSample(sample);
    }

    /** spad.json: the first {@code spad} set of the SPAD calibration, without its prompt. */
    private static ArrayNode spadSample(JsonNode source) {
        ObjectNode object = source.deepCopy();
        ObjectNode set = firstSpadSet(source).deepCopy();
        set.remove("message");
        object.putArray("set").add(set);
        ArrayNode sample = NODES.arrayNode();
        sample.add(object);
        return sample;
    }

    /** [{"spad":[1]}] has no sub-protocols: the spad values sit in the sample object itself. */
    private static ArrayNode spadLegacySample(JsonNode source) {
        ObjectNode object = NODES.objectNode();
        JsonNode set = firstSpadSet(source);
        for (Map.Entry<String, JsonNode> field : source.properties()) {
            if ("set".equals(field.getKey())) {
                for (Map.Entry<String, JsonNode> inner : set.properties()) {
                    if (!List.of("time", "label", "message", "data_raw").contains(inner.getKey())) {
                        object.set(inner.getKey(), inner.getValue().deepCopy());
                    }
                }
            } else {
                object.set(field.getKey(), field.getValue().deepCopy());
            }
        }
        ArrayNode sample = NODES.arrayNode();
        sample.add(object);
        return sample;
    }

    private static JsonNode firstSpadSet(JsonNode source) {
        for (JsonNode set : source.path("set")) {
            if ("spad".equals(set.path("label").asText(null))) {
                return set;
            }
        }
        throw new IllegalStateException(SPAD_SOURCE + " has no set labelled spad");
    }

    /**
     * A plausible output for a protocol no fixture matches: per protocol set one sample object; per
     * {@code _protocol_set_} block one {@code set} entry with the block's label, its question if it asks one, the
     * PAR fixture's environmental values and sum(pulses) deterministic {@code data_raw} points.
     */
    ArrayNode genericSample(JsonNode protocol) {
        ArrayNode sample = NODES.arrayNode();
        for (JsonNode set : protocol) {
            if (!set.isObject()) {
                continue;
            }
            ObjectNode object = sample.addObject();
            object.set("protocol_id",
                    set.has("protocol_id") ? set.get("protocol_id").deepCopy() : TextNode.valueOf(""));
            for (String echoed : List.of("v_arrays", "set_repeats")) {
                if (set.has(echoed)) {
                    object.set(echoed, set.get(echoed).deepCopy());
                }
            }
            JsonNode blocks = set.get("_protocol_set_");
            if (blocks != null && blocks.isArray()) {
                ArrayNode entries = object.putArray("set");
                for (JsonNode block : blocks) {
                    if (block.isObject()) {
                        fillGeneric(entries.addObject(), block);
                    }
                }
                object.putArray("data_raw");
            } else {
                fillGeneric(object, set);
            }
        }
        return sample;
    }

    private void fillGeneric(ObjectNode entry, JsonNode block) {
        if (block.path("label").isTextual()) {
            entry.set("label", block.get("label"));
        }
        ArrayNode message = question(block);
        if (message != null) {
            entry.set("message", message);
        }
        entry.setAll(parEnvironment.deepCopy());
        ArrayNode raw = entry.putArray("data_raw");
        int points = pulseCount(block);
        for (int i = 0; i < points; i++) {
            raw.add(rawPoint(i));
        }
    }

    /** {@code ["alert"|"prompt"|"confirm", text, answer]} for a block that asks the operator, else {@code null}. */
    private static ArrayNode question(JsonNode block) {
        for (String type : List.of("alert", "prompt", "confirm")) {
            if (block.has(type)) {
                JsonNode text = block.get(type);
                ArrayNode message = NODES.arrayNode();
                message.add(type).add(text.isTextual() ? text.asText() : DeviceJson.write(text));
                message.add("prompt".equals(type) ? "" : "ok");
                return message;
            }
        }
        JsonNode message = block.get("message");
        if (message != null && message.isArray() && message.size() >= 2 && message.get(0).isTextual()) {
            ArrayNode copy = NODES.arrayNode();
            copy.add(message.get(0).asText()).add(message.get(1).asText());
            copy.add("prompt".equals(message.get(0).asText()) ? "" : "ok");
            return copy;
        }
        return null;
    }

    private static int pulseCount(JsonNode block) {
        long sum = 0;
        for (JsonNode pulses : block.path("pulses")) {
            if (pulses.isNumber() && pulses.asDouble() > 0) {
                sum += (long) pulses.asDouble();
            }
        }
        return (int) Math.min(sum, MAX_GENERIC_POINTS);
    }

    /** A 16-bit ADC count on a fluorescence-induction-like curve, with a little deterministic ripple. */
    private static int rawPoint(int i) {
        return 15_000 + (int) Math.round(6_000 * (1 - Math.exp(-i / 25.0))) + (i * 37) % 11 - 5;
    }

    /**
     * device_info. Firmware 1.x prints the fw 1.17 shape with its {@code configuration} block (device-info-fw1.17
     * fixture, checksummed by the caller); v2 the shape JII's {@code info()} reads, {@code settings} (the
     * device-info-v2-assumed fixture's object) and {@code configuration}, one line without checksum.
     * {@code device_firmware} is a string here, unlike in measurements.
     */
    String deviceInfo(SimulatorOptions o) {
        if (o.profile() != FirmwareProfile.FW_2) {
            return "{\"device_name\":\"" + o.deviceName() + "\",\"device_version\":\"" + o.deviceVersion()
                    + "\",\"device_id\":\"" + o.deviceId() + "\",\"device_battery\":" + o.battery()
                    + ",\"device_firmware\":\"" + o.firmware() + "\"" + deviceInfoV1Tail;
        }
        ObjectNode info = NODES.objectNode();
        info.put("device_name", o.deviceName());
        info.put("device_version", o.deviceVersion());
        info.put("device_id", o.deviceId());
        info.put("device_battery", o.battery());
        info.put("device_firmware", o.firmware());
        ObjectNode settings = settingsV2.deepCopy();
        settings.put("device_id", o.deviceId());
        settings.set("device_version", o.deviceVersion().matches("\\d{1,9}")
                ? IntNode.valueOf(Integer.parseInt(o.deviceVersion()))
                : TextNode.valueOf(o.deviceVersion()));
        settings.set("firmware", DecimalNode.valueOf(new BigDecimal(o.firmware())));
        info.set("settings", settings);
        info.set("configuration", configurationV1.deepCopy());
        return DeviceJson.write(info) + "\n";
    }

    /**
     * print_memory as each firmware prints it. v2: the published fw 2.3465 output byte for byte (pretty-printed, no
     * checksum, no final line feed) with this device's id. fw 1.x: the layout of {@code print_calibrations()} in that
     * version's {@code loop.cpp} ({@link CalibrationsLayout}), the checksum to be added by the caller.
     */
    String printMemory(SimulatorOptions o) {
        return switch (o.profile()) {
            case FW_2 -> printMemoryV2Text.replaceFirst("\"device_id\": \"[^\"]*\"",
                    "\"device_id\": \"" + o.deviceId() + "\"");
            case FW_1_17 -> CalibrationsLayout.FW_1_17.print(o.deviceId(), this::calibration);
            case FW_1_20 -> CalibrationsLayout.FW_1_20.print(o.deviceId(), this::calibration);
        };
    }

    /** An EEPROM value for a fw 1.x print_memory: the v2 recording's where it has the same name, else 0. */
    private double calibration(String name) {
        JsonNode value = printMemory.get(name);
        if (value != null && value.isArray() && !value.isEmpty()) {
            value = value.get(0);
        }
        return value != null && value.isNumber() ? value.doubleValue() : 0;
    }

    /** The two lines of {@code temp}, with the BME280 readings of the all_sensors fixture, printed with %f. */
    String tempLines() {
        return "BME2801 Temp = " + stream.value("temperature") + "C, Humidity = " + stream.value("relative_humidity")
                + "C\nBME2802 Temp = " + stream.value("temperature2") + "C, Humidity = "
                + stream.value("relative_humidity2") + "C\n";
    }

    /** One frame of a continuous command (without checksum), the fixture's first frame with varied readings. */
    String streamFrame(Random random) {
        return stream.vary(random);
    }

    private static String stripChecksum(String line) {
        String text = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        return text.substring(0, text.length() - 8);
    }

    private static JsonNode parse(String json, String what) {
        try {
            JsonNode node = DeviceJson.parse(json);
            if (node == null || !node.isContainerNode()) {
                throw new IllegalArgumentException(what + " is not a JSON object or array");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = SimulatorData.class.getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("Simulator resource " + BASE + name + " is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read simulator resource " + name, e);
        }
    }

    /**
     * A continuous-command frame cut into literal text and number slots, so frames keep the fixture's exact layout
     * (keys, {@code %f} decimals) while the readings move a little from frame to frame.
     */
    static final class StreamTemplate {

        private final List<String> literals;
        private final List<String> keys;
        private final List<String> numbers;

        private StreamTemplate(List<String> literals, List<String> keys, List<String> numbers) {
            this.literals = Collections.unmodifiableList(literals);
            this.keys = Collections.unmodifiableList(keys);
            this.numbers = Collections.unmodifiableList(numbers);
        }

        static StreamTemplate parse(String frame) {
            List<String> literals = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            List<String> numbers = new ArrayList<>();
            StringBuilder literal = new StringBuilder();
            String lastString = null;
            int i = 0;
            while (i < frame.length()) {
                char c = frame.charAt(i);
                if (c == '"') {
                    int end = frame.indexOf('"', i + 1);
                    lastString = frame.substring(i + 1, end);
                    literal.append(frame, i, end + 1);
                    i = end + 1;
                } else if (c == '-' || Character.isDigit(c)) {
                    int end = i + 1;
                    while (end < frame.length() && (Character.isDigit(frame.charAt(end)) || frame.charAt(end) == '.')) {
                        end++;
                    }
                    literals.add(literal.toString());
                    literal.setLength(0);
                    keys.add(lastString);
                    numbers.add(frame.substring(i, end));
                    i = end;
                } else {
                    literal.append(c);
                    i++;
                }
            }
            literals.add(literal.toString());
            return new StreamTemplate(literals, keys, numbers);
        }

        /** The fixture's text of the first number under {@code key}. */
        String value(String key) {
            return numbers.get(keys.indexOf(key));
        }

        String vary(Random random) {
            StringBuilder out = new StringBuilder(literals.get(0));
            for (int i = 0; i < numbers.size(); i++) {
                String base = numbers.get(i);
                int dot = base.indexOf('.');
                if (dot < 0) {
                    out.append(Long.parseLong(base) + random.nextInt(7) - 3);
                } else {
                    BigDecimal value = new BigDecimal(base);
                    double relative = random.nextGaussian() * 0.002;
                    out.append(value.add(value.multiply(BigDecimal.valueOf(relative)))
                            .setScale(base.length() - dot - 1, RoundingMode.HALF_UP)
                            .toPlainString());
                }
                out.append(literals.get(i + 1));
            }
            return out.toString();
        }
    }
}
