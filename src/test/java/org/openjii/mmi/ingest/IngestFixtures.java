package org.openjii.mmi.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.openjii.mmi.device.JsonSanitizer;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestResources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The byte-exact MultispeQ fixtures ({@code /fixtures/multispeq/...}) as the ingest tests need them. */
public final class IngestFixtures {

    static final String ROOT = "/fixtures/multispeq/";
    static final String MEASUREMENTS = "public/measurements/";
    static final String SERIAL = "synthetic/serial/";
    public static final String MQTT = "synthetic/mqtt/";

    static final String PAR_RAW = SERIAL + "measurement-par-v2.raw";
    static final String RIDES_RAW = SERIAL + "measurement-rides-v2-reconstructed.raw";
    static final String NAN_RAW = SERIAL + "measurement-fw1-nan-tokens.raw";
    static final String FLUORESCENCE = MEASUREMENTS + "fluorescence-detector-offsets_fw2.343_66KB.json";
    static final String RIDES = MEASUREMENTS + "rides_fw2.21.json";
    static final String PAR = MEASUREMENTS + "par_fw2.3465.json";
    static final String BATTERY_LOW = MEASUREMENTS + "par-sensor-calibration-battery-low_fw2.21.json";

    /** Every public measurement output; all but the battery-low calibration are data. */
    static final List<String> PUBLIC_MEASUREMENTS = List.of(FLUORESCENCE,
            MEASUREMENTS + "leaf-thickness-calibration-alert-prompt_fw2.191.json", BATTERY_LOW, PAR,
            MEASUREMENTS + "phi2_fw1.2.json", MEASUREMENTS + "recall-settings_fw2.31.json", RIDES,
            MEASUREMENTS + "spad-calibration-prompts_fw2.011.json");

    /** The public measurement outputs that are data (not device errors), with the reconstructed serial replies. */
    static List<String> dataOutputs() {
        List<String> outputs = new ArrayList<>(PUBLIC_MEASUREMENTS);
        outputs.remove(BATTERY_LOW);
        outputs.addAll(List.of(PAR_RAW, RIDES_RAW, NAN_RAW));
        return outputs;
    }

    private static final CamelContext CONTEXT = new DefaultCamelContext();

    private IngestFixtures() {
    }

    static byte[] bytes(String path) {
        return TestResources.bytes(ROOT + path);
    }

    public static String text(String path) {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }

    /** The device output of a fixture: a {@code .raw} line without its CRC and line end, or the JSON file. */
    static String output(String path) {
        String text = text(path);
        if (path.endsWith(".raw")) {
            String line = text.strip();
            return line.substring(0, line.length() - 8);
        }
        return text;
    }

    /** The fixture's device output as JSON, {@code nan} and the like read as {@code null}. */
    static JsonNode json(String path) {
        try {
            return DeviceJson.parse(JsonSanitizer.sanitize(output(path)).text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture's samples as one flat array: the app's {@code [[...]]} unwrapped, as openJII expects it. */
    static ArrayNode flatSample(String path) {
        return DeviceJson.flattenSample(json(path).get("sample"));
    }

    /** The one run of a fixture, parsed as {@link ParseMeasurement} does. */
    static Measurement measurement(String path) throws IngestException {
        String output = output(path);
        List<Measurement> runs = new ParseMeasurement().parse(output.getBytes(StandardCharsets.UTF_8), output,
                null, null);
        if (runs.size() != 1) {
            throw new IllegalStateException(path + " holds " + runs.size() + " runs");
        }
        return runs.get(0);
    }

    static Exchange exchange(Object body) {
        Exchange exchange = new DefaultExchange(CONTEXT);
        exchange.getMessage().setBody(body);
        return exchange;
    }

    /**
     * A synthetic output with {@code samples} samples of {@code points} random 16-bit ADC counts each: random digits
     * compress only about 2:1, so a few such samples exceed 128 KB even as gzip+base64.
     */
    static String randomOutput(int samples, int points, long seed) {
        Random random = new Random(seed);
        ObjectNode output = DeviceJson.mapper().createObjectNode();
        output.put("device_name", "MultispeQ");
        output.put("device_version", "2");
        output.put("device_id", "01:12:53:20");
        output.put("device_battery", 82);
        output.put("device_firmware", new BigDecimal("2.3465"));
        ArrayNode sample = output.putArray("sample");
        for (int s = 0; s < samples; s++) {
            ObjectNode element = sample.addObject();
            element.put("protocol_id", "");
            ArrayNode data = element.putArray("data_raw");
            for (int i = 0; i < points; i++) {
                data.add(random.nextInt(65536));
            }
        }
        return DeviceJson.write(output);
    }
}
