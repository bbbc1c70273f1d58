package org.openjii.mmi.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.delivery.Outbox;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.openjii.mmi.support.DeviceJson;
import org.openjii.mmi.test.BridgeProcess;
import org.openjii.mmi.test.MosquittoBroker;
import org.openjii.mmi.test.MqttRecorder;
import org.openjii.mmi.test.ScriptedPtyDevice;
import org.openjii.mmi.test.TestJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code mmi dead-letters} on the outbox a real bridge left: {@code mmi run} (its own process) with
 * {@code mmi.dead-letters=local} on a scripted MultispeQ (a pseudo-terminal) whose replies cycle through one without
 * checksum (a dead letter with {@code mmi.ingest.crc-absent=dead-letter}), one the broker's ACL refuses (its
 * experiment is not allowed: the message and its dead letter are kept) and one with a wrong checksum. Then the
 * commands, each in its own process as an operator runs them: refused while the bridge runs, list, export, and, once
 * the ACL allows the experiment, republish. The quarantine is read back with plain SQL.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLettersCommandIT {

    private static final String CLIENT_ID = "dead-letters-it";
    private static final String EXPERIMENT = "6f1c0d2e-0000-4000-8000-0000000000d1";
    private static final String HEADER = "{\"device_name\":\"MultispeQ\",\"device_version\":\"1\",\"device_id\":"
            + "\"00:00:12:34\",\"device_battery\":87,\"device_firmware\":1.17,\"sample\":";
    private static final String WITHOUT_CHECKSUM = HEADER
            + "[[{\"protocol_id\":\"\",\"light_intensity\":12.5,\"data_raw\":[]}]]}";
    private static final String CHECKSUMMED = HEADER
            + "[{\"protocol_id\":\"\",\"light_intensity\":99.5,\"data_raw\":[]}]}";
    private static final String WRONG_CHECKSUM = HEADER
            + "[{\"protocol_id\":\"\",\"light_intensity\":77.5,\"data_raw\":[]}]}DEADBEEF";
    private static final Pattern ROW = Pattern.compile("(?m)^(\\d+) +(\\S+) +(\\S+) +(.+?) +(\\d+) +(\\S+)$");

    @TempDir
    static Path dir;

    private static MosquittoBroker broker;
    private static ScriptedPtyDevice device;
    private static BridgeProcess bridge;
    private static Path outbox;

    /** A quarantine row as plain SQL reads it. */
    record Row(long seq, String kind, int reasonCode, String topic, String messageId, byte[] payload) {

        JsonNode json() {
            try {
                return DeviceJson.parse(payload, 0, payload.length);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        String reason() {
            return "DEAD_LETTER".equals(kind) ? json().path("reason").asText() : "refused";
        }
    }

    /** What a command printed, and how it ended. */
    record Run(int exitCode, String out, String err) {
    }

    @BeforeAll
    static void aBridgeThatKeptDeadLetters() throws Exception {
        ToolAssumptions.assumeTool("mosquitto", MosquittoBroker.available());
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        writeAcl(false);
        broker = MosquittoBroker.start(dir, "acl_file " + dir.resolve("acl"));
        device = ScriptedPtyDevice.start(dir.resolve("ttyFW117"), List.of(WITHOUT_CHECKSUM + "\r\n",
                CHECKSUMMED + Crc32Checksum.format(Crc32Checksum.compute(CHECKSUMMED)) + "\n",
                WRONG_CHECKSUM + "\n"));
        outbox = dir.resolve("outbox");
        Map<String, String> settings = new LinkedHashMap<>(settings());
        settings.put("mmi.device.port", device.link().toString());
        settings.put("mmi.device.interval", "300ms");
        settings.put("mmi.ingest.crc-absent", "dead-letter");
        bridge = BridgeProcess.start(dir.resolve("bridge.log"), settings);
        // Two rounds of the script: one dead letter with a wrong checksum is exported and deleted, one stays.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> bridge.output().split("/crc-mismatch:", -1).length > 2
                        && bridge.output().contains("/crc-absent:") && bridge.output().contains("is kept there too"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
        if (device != null) {
            device.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** The bridge's and the commands' configuration: this broker and outbox, only what openJII's policy allows. */
    private static Map<String, String> settings() {
        return Map.of("mmi.mqtt.broker-url", broker.url(), "mmi.mqtt.client-id", CLIENT_ID, "mmi.experiment-id",
                EXPERIMENT, "mmi.outbox.dir", outbox.toString(), "mmi.dead-letters", "local",
                "mmi.mqtt.status-topic", "", "mmi.commands.enabled", "false", "mmi.timezone", "UTC");
    }

    /** Everyone reads everything; the bridge writes data, of the test's experiment only once {@code allowed}. */
    private static void writeAcl(boolean allowed) throws IOException {
        List<String> acl = new ArrayList<>(List.of("topic read #"));
        if (allowed) {
            acl.add("topic write experiment/data_ingest/v1/" + EXPERIMENT + "/#");
        }
        Files.write(dir.resolve("acl"), acl);
    }

    /** {@code mmi dead-letters ARGS --set ...} in its own JVM, to its end. */
    private static Run mmi(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2.xml").toAbsolutePath(),
                MmiCommand.class.getName(), "dead-letters"));
        command.addAll(List.of(args));
        settings().forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static List<Row> quarantine() throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + outbox.resolve(Outbox.FILE_NAME));
                Statement statement = db.createStatement();
                ResultSet result = statement.executeQuery("SELECT seq, kind, reason_code, topic, message_id, payload"
                        + " FROM quarantine ORDER BY seq")) {
            while (result.next()) {
                rows.add(new Row(result.getLong(1), result.getString(2), result.getInt(3), result.getString(4),
                        result.getString(5), result.getBytes(6)));
            }
        }
        return rows;
    }

    private static List<Row> withReason(List<Row> rows, String reason) {
        return rows.stream().filter(row -> row.reason().equals(reason)).toList();
    }

    @Test
    @Order(1)
    void refusesInOneLineWhileTheBridgeHoldsTheOutbox() throws Exception {
        Run list = mmi("list");

        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err().strip()).doesNotContain("\n")
                .isEqualTo("mmi dead-letters list: the outbox " + outbox.toAbsolutePath() + " is in use by mmi process "
                        + bridge.process().pid() + " (a running bridge): stop it first; dead letters are read from a"
                        + " stopped bridge's outbox");
    }

    @Test
    @Order(2)
    void listsWhatTheStoppedBridgeKept() throws Exception {
        bridge.process().destroy();
        assertThat(bridge.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<Row> rows = quarantine();
        List<Row> refused = rows.stream().filter(row -> row.kind().equals("DATA")).toList();
        assertThat(refused).isNotEmpty().allSatisfy(row -> assertThat(row.reasonCode()).isEqualTo(0x87));
        assertThat(withReason(rows, "rejected-by-broker")).hasSameSizeAs(refused);
        assertThat(withReason(rows, "crc-absent")).isNotEmpty();
        assertThat(withReason(rows, "crc-mismatch")).hasSizeGreaterThanOrEqualTo(2);

        Run list = mmi("list");

        assertThat(list.exitCode()).as(list.err()).isZero();
        Matcher lines = ROW.matcher(list.out());
        Map<Long, String> listed = new LinkedHashMap<>();
        while (lines.find()) {
            Row row = rows.stream().filter(r -> r.seq() == Long.parseLong(lines.group(1))).findFirst().orElseThrow();
            String what = row.kind().equals("DATA") ? "refused-data" : "dead-letter";
            String reason = row.kind().equals("DATA") ? "0x87 Not authorized" : row.reason();
            assertThat(lines.group(3)).isEqualTo(what);
            assertThat(lines.group(4)).isEqualTo(reason);
            assertThat(Integer.parseInt(lines.group(5))).isEqualTo(row.payload().length);
            String topic = row.kind().equals("DATA") ? row.topic() : row.json().path("topic").asText("-");
            assertThat(lines.group(6)).isEqualTo(topic.isEmpty() || topic.equals("null") ? "-" : topic);
            listed.put(row.seq(), lines.group(3));
        }
        assertThat(listed.keySet()).containsExactlyElementsOf(rows.stream().map(Row::seq).toList());
        assertThat(list.out()).contains(rows.size() + " message(s), " + rows.stream()
                .mapToInt(r -> r.payload().length)
                .sum() + " bytes, in the quarantine of " + outbox.resolve(Outbox.FILE_NAME));
        // The refused message's dead letter names the data topic it was refused on.
        assertThat(withReason(rows, "rejected-by-broker").get(0).json().path("refused_topic").asText())
                .isEqualTo(refused.get(0).topic())
                .startsWith("experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/");
    }

    @Test
    @Order(3)
    void exportsEveryMessageWholeAndDeletesOnlyWhenAsked() throws Exception {
        List<Row> rows = quarantine();
        Path all = dir.resolve("all.jsonl");

        Run export = mmi("export", "--output", all.toString());

        assertThat(export.exitCode()).as(export.err()).isZero();
        List<String> lines = Files.readAllLines(all, StandardCharsets.UTF_8);
        assertThat(lines).hasSameSizeAs(rows);
        for (int i = 0; i < rows.size(); i++) {
            JsonNode line = DeviceJson.parse(lines.get(i));
            Row row = rows.get(i);
            assertThat(line.path("id").asLong()).isEqualTo(row.seq());
            assertThat(line.path("message_id").asText()).isEqualTo(row.messageId());
            assertThat(line.path("payload")).isEqualTo(row.json());
        }
        JsonNode absent = lines.stream()
                .map(TestJson::json)
                .filter(l -> l.path("reason").asText().equals("crc-absent"))
                .findFirst()
                .orElseThrow();
        assertThat(absent.path("payload").path("raw").asText()).as("the bytes the device sent")
                .isEqualTo(WITHOUT_CHECKSUM);
        JsonNode mismatch = lines.stream()
                .map(TestJson::json)
                .filter(l -> l.path("reason").asText().equals("crc-mismatch"))
                .findFirst()
                .orElseThrow();
        assertThat(mismatch.path("payload").path("raw").asText()).startsWith(WRONG_CHECKSUM);
        assertThat(export.err()).contains("they stay in the quarantine");
        assertThat(quarantine()).hasSameSizeAs(rows);

        // One, deleted once written.
        Row one = withReason(rows, "crc-mismatch").get(0);
        Path single = dir.resolve("one.jsonl");
        Run delete = mmi("export", String.valueOf(one.seq()), "-o", single.toString(), "--delete");

        assertThat(delete.exitCode()).as(delete.err()).isZero();
        assertThat(Files.readAllLines(single)).singleElement()
                .satisfies(line -> assertThat(TestJson.json(line).path("id").asLong()).isEqualTo(one.seq()));
        assertThat(quarantine()).extracting(Row::seq).doesNotContain(one.seq()).hasSize(rows.size() - 1);
        assertThat(mmi("export", "999999").err()).contains("no message #999999 in the quarantine");
    }

    @Test
    @Order(4)
    void republishesEachAsWhatItIsOnceThePolicyAllowsIt() throws Exception {
        List<Row> rows = quarantine();
        List<Row> refused = rows.stream().filter(row -> row.kind().equals("DATA")).toList();
        List<Row> absent = withReason(rows, "crc-absent");
        List<Row> mismatch = withReason(rows, "crc-mismatch");
        assertThat(mmi("republish").exitCode()).as("neither ids nor --all").isEqualTo(2);
        broker.stop();
        writeAcl(true);
        broker.restart();

        try (MqttRecorder recorder = MqttRecorder.subscribe(broker.url(), "dead-letters-watcher", "experiment/#",
                "mmi/#")) {
            Run republish = mmi("republish", "--all", "--wait", "30");

            assertThat(republish.exitCode()).as("those with a wrong checksum were not republished: "
                    + republish.out() + republish.err()).isEqualTo(1);
            for (Row row : refused) {
                Row letter = withReason(rows, "rejected-by-broker").stream()
                        .filter(l -> l.json().path("refused_message_id").asText().equals(row.messageId()))
                        .findFirst()
                        .orElseThrow();
                assertThat(republish.out()).contains("#" + row.seq() + " refused-data 0x87 Not authorized: back in"
                        + " the outbox for " + row.topic() + " (outbox #")
                        .contains("its dead letter #" + letter.seq() + " removed with it")
                        .contains("#" + letter.seq() + ": removed with #" + row.seq() + ", which it describes");
            }
            for (Row row : absent) {
                assertThat(republish.out()).contains("#" + row.seq() + " dead-letter crc-absent: re-ingested: 1 data"
                        + " message(s) stored for experiment/data_ingest/v1/" + EXPERIMENT + "/multispeq/");
            }
            for (Row row : mismatch) {
                assertThat(republish.out()).contains("#" + row.seq() + " dead-letter crc-mismatch: not republished:"
                        + " the checksum the device printed does not match its text");
            }
            assertThat(republish.out()).contains("Everything acknowledged by " + broker.url());

            // The refused messages arrive as they were kept, under their own message ids; the reply without
            // checksum arrives as data; nothing goes to a dead-letter topic.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> recorder.on("experiment/").size() == refused.size() + absent.size());
            for (Row row : refused) {
                assertThat(recorder.on("experiment/")).anySatisfy(m -> {
                    assertThat(m.userProperties()).containsEntry("message-id", row.messageId());
                    assertThat(m.payload()).isEqualTo(new String(row.payload(), StandardCharsets.UTF_8));
                    assertThat(m.topic()).isEqualTo(row.topic());
                });
            }
            assertThat(recorder.on("experiment/")
                    .stream()
                    .filter(m -> TestJson.json(m.payload()).path("sample").toString().contains("12.5"))
                    .count()).isEqualTo(absent.size());
            assertThat(recorder.on("mmi/")).isEmpty();
        }
        assertThat(quarantine()).extracting(Row::seq)
                .as("only what could not be republished stays")
                .containsExactlyElementsOf(mismatch.stream().map(Row::seq).toList());
    }

}
