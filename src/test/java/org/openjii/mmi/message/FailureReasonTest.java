package org.openjii.mmi.message;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failure reasons are a published contract: subscribers filter dead-letter topics and command error codes on
 * them. This test holds the list as released; changing it means changing this test and docs/failure-reasons.md on
 * purpose.
 */
class FailureReasonTest {

    private static final Map<String, String> RELEASED = released();

    private static Map<String, String> released() {
        Map<String, String> list = new LinkedHashMap<>();
        list.put("timeout", "The device did not complete its reply in time.");
        list.put("crc-mismatch", "A reply's checksum does not match its text: bytes were corrupted on the way.");
        list.put("truncated", "A reply stopped before its end: the device went away or a new line began mid-reply.");
        list.put("invalid-json", "Device output is not one JSON value, even after nan, inf and nil became null.");
        list.put("device-error", "The device reported an error instead of data, such as {\"error\":\"battery low\"}.");
        list.put("device-absent", "No MultispeQ is connected at the port, or it went away during the command.");
        list.put("bad-command", "The device answered that it does not know the command.");
        list.put("prompt-unanswered", "The protocol asked a question that no configured answer covers.");
        list.put("frame-too-large", "A reply exceeded the maximum frame size and was discarded.");
        list.put("unexpected-output", "The device sent a line that belongs to no reply.");
        list.put("cancelled", "The command was cancelled (-1+) before it completed.");
        list.put("denied", "The command policy does not allow the command or protocol.");
        list.put("invalid-protocol",
                "A multispeq: producer got no command or protocol, or a protocol that is not a MultispeQ protocol.");
        list.put("invalid-measurement", "Valid JSON that is not a measurement: no object with a sample array.");
        list.put("crc-absent", "A reply without checksum, refused because mmi.ingest.crc-absent is dead-letter.");
        list.put("payload-too-large", "A message exceeds the payload limit even after compression and splitting.");
        list.put("invalid-topic",
                "A topic cannot be built: a value is missing, adds a level or a wildcard, or makes it too long.");
        list.put("rejected-by-broker",
                "The broker refused the message, with a reason code of 0x80 or more or by disconnecting.");
        list.put("outbox-error", "The outbox cannot be written or read: disk full, read-only or damaged.");
        list.put("outbox-full", "The outbox reached its cap and its policy is to refuse new messages.");
        list.put("outbox-in-use", "Another process has the outbox open.");
        list.put("bad-request", "A command request that cannot be read: not JSON, an unknown field, a wrong value.");
        list.put("busy", "The command queue is full; the sender may try again later.");
        list.put("script-refused", "A script update that is not a valid, allowed MultispeQ protocol.");
        list.put("internal-error", "A failure that carries no reason of its own; the bridge's log has the details.");
        return list;
    }

    @Test
    void shouldKeepTheReleasedCodesAndMeanings() {
        Map<String, String> actual = new LinkedHashMap<>();
        for (FailureReason reason : FailureReason.values()) {
            actual.put(reason.code(), reason.meaning());
        }

        assertThat(actual).containsExactlyEntriesOf(RELEASED);
    }

    @Test
    void shouldUseCodesThatAreOneKebabCaseTopicLevel() {
        assertThat(FailureReason.values()).extracting(FailureReason::code)
                .allMatch(code -> code.matches("[a-z0-9]+(-[a-z0-9]+)*"), "kebab-case")
                .doesNotHaveDuplicates();
        assertThat(FailureReason.values()).extracting(FailureReason::toString)
                .containsExactlyElementsOf(RELEASED.keySet());
    }

    @Test
    void shouldListEveryReasonInTheDocumentationWithTheSameMeaning() throws IOException {
        String page = Files.readString(Path.of("docs/failure-reasons.md"));
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9-]+)` \\| (.+) \\|$").matcher(page);
        Map<String, String> documented = new LinkedHashMap<>();
        while (row.find()) {
            documented.put(row.group(1), row.group(2));
        }

        assertThat(documented).containsExactlyEntriesOf(RELEASED);
    }
}
