package org.openjii.mmi.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.device.JsonSanitizer;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.TestJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Fixture access and assertions shared by the simulator tests. Expected values come from the fixtures only. */
final class SimulatorFixtures {

    static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** JII-MultispeQ's REGEX_RETURN_USER_INPUT, extended to confirm: the device waits for an answer. */
    private static final Pattern QUESTION = Pattern.compile("\"message\":\\[\"(alert|prompt|confirm)\",\"[^\"]*\",\"");

    private SimulatorFixtures() {
    }

    /** Bytes of {@code fixtures/multispeq/<path>} from the test classpath. */
    static byte[] fixtureBytes(String path) {
        try (InputStream in = SimulatorFixtures.class.getResourceAsStream("/fixtures/multispeq/" + path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String fixtureText(String path) {
        return new String(fixtureBytes(path), StandardCharsets.UTF_8);
    }

    static JsonNode fixtureJson(String path) {
        return json(fixtureText(path));
    }

    static JsonNode json(String text) {
        return TestJson.json(text);
    }

    /** The JSON of a {@code <json><CRC>\n} line, without checksum and LF. */
    static String withoutChecksum(String line) {
        return line.substring(0, line.length() - Crc32Checksum.HEX_DIGITS - 1);
    }

    /** A line without its LF and checksum (the line may lack the LF). */
    static String withoutChecksumLine(String line) {
        String text = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        return text.substring(0, text.length() - Crc32Checksum.HEX_DIGITS);
    }

    /** The sample of a measurement fixture in the raw-device shape: {@code [[{...}]]} flattened to {@code [{...}]}. */
    static ArrayNode flatSample(JsonNode document) {
        ArrayNode flat = DeviceJson.mapper().createArrayNode();
        for (JsonNode element : document.get("sample")) {
            if (element.isArray()) {
                element.forEach(flat::add);
            } else {
                flat.add(element);
            }
        }
        return flat;
    }

    /** Options for fast tests: no pauses, no run time. */
    static SimulatorOptions.Builder fast() {
        return SimulatorOptions.builder().chunkPause(Duration.ZERO).runTime(Duration.ZERO);
    }

    static void send(MultispeqSimulator simulator, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        simulator.receive(bytes, 0, bytes.length);
    }

    /** Waits until the output ends with a line feed and holds {@code lines} of them. */
    static String awaitLines(CollectingLink link, int lines) {
        await().atMost(TIMEOUT).until(() -> {
            String text = link.text();
            return text.endsWith("\n") && text.chars().filter(c -> c == '\n').count() >= lines;
        });
        return link.text();
    }

    /** Waits until no output has arrived for {@code quiet}. */
    static void awaitQuiet(CollectingLink link, Duration quiet) {
        AtomicInteger lastSize = new AtomicInteger(-1);
        AtomicLong since = new AtomicLong();
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> {
            int size = link.size();
            long now = System.nanoTime();
            if (size != lastSize.getAndSet(size)) {
                since.set(now);
                return false;
            }
            return now - since.get() >= quiet.toNanos();
        });
    }

    /**
     * Checks a checksummed line: ends with LF, the 8 hex digits before it are the CRC-32 of everything before them,
     * and the JSON parses with DeviceJson after JsonSanitizer.
     *
     * @return the parsed JSON
     */
    static JsonNode assertChecksummedJson(String line) {
        assertThat(line).endsWith("\n");
        assertThat(line.indexOf('\n')).as("one line").isEqualTo(line.length() - 1);
        String json = withoutChecksum(line);
        String digits = line.substring(json.length(), line.length() - 1);
        assertThat(digits).as("checksum of %s", abbreviate(json))
                .isEqualTo(Crc32Checksum.format(Crc32Checksum.compute(json)));
        return json(JsonSanitizer.sanitize(json).text());
    }

    /**
     * Answers every alert, prompt and confirm with {@code answer+} until the reply ends with LF.
     *
     * @return the number of questions answered
     */
    static int answerAll(MultispeqSimulator simulator, CollectingLink link, String answer) {
        int answered = 0;
        while (true) {
            int alreadyAnswered = answered;
            await().atMost(TIMEOUT).until(() -> {
                String text = link.text();
                return text.endsWith("\n") || questionsAsked(text) > alreadyAnswered && QUESTION.matcher(text).find()
                        && text.endsWith("\",\"");
            });
            String text = link.text();
            if (text.endsWith("\n")) {
                return answered;
            }
            send(simulator, answer + "+");
            answered++;
        }
    }

    static int questionsAsked(String text) {
        Matcher m = QUESTION.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 77) + "..." : text;
    }
}
