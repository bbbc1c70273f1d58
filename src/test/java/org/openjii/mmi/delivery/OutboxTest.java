package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.test.ManualClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboxTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-09T09:30:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static long append(Outbox outbox, String id, String payload) {
        return outbox.append(id, "t/" + id, bytes(payload), OutboxEntry.Kind.DATA, null);
    }

    @Test
    void keepsMessagesInOrderAcrossReopening() {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            append(outbox, "a", "{\"n\":1}");
            append(outbox, "b", "{\"n\":2}");
            outbox.append("c", "t/c", bytes("{\"n\":3}"), OutboxEntry.Kind.DEAD_LETTER,
                    Instant.parse("2026-03-09T09:29:59.123456Z"));
        }
        try (Outbox reopened = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            List<OutboxEntry> entries = reopened.after(0, 10);
            assertThat(entries).extracting(OutboxEntry::messageId).containsExactly("a", "b", "c");
            assertThat(entries).extracting(OutboxEntry::seq).isSorted();
            assertThat(new String(entries.get(1).payload(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":2}");
            assertThat(entries.get(2).kind()).isEqualTo(OutboxEntry.Kind.DEAD_LETTER);
            assertThat(entries.get(2).originAt()).isEqualTo(Instant.parse("2026-03-09T09:29:59.123456Z"));
            assertThat(entries.get(0).originAt()).isNull();
            assertThat(reopened.depth()).isEqualTo(3);
            assertThat(reopened.bytes()).isEqualTo(21);
            assertThat(reopened.oldest()).contains(CLOCK.instant());
        }
    }

    @Test
    void keepsTheCorrelationDataOfAResponseAndUpgradesAnOutboxWithoutTheColumn() throws Exception {
        // An outbox without the correlation_data column.
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("outbox.db"));
                Statement statement = db.createStatement()) {
            statement.execute("CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL,"
                    + " topic TEXT NOT NULL, payload BLOB NOT NULL, kind TEXT NOT NULL, created_at INTEGER NOT NULL,"
                    + " origin_at_micros INTEGER)");
            statement
                    .execute("INSERT INTO outbox (message_id, topic, payload, kind, created_at) VALUES ('old', 't/old',"
                            + " X'7B7D', 'DATA', 1)");
        }
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            outbox.append("r", "replies/1", bytes("{\"ok\":true}"), OutboxEntry.Kind.RESPONSE, null, null,
                    bytes("request-7"));
            List<OutboxEntry> entries = outbox.after(0, 10);
            assertThat(entries).extracting(OutboxEntry::messageId).containsExactly("old", "r");
            assertThat(entries.get(0).correlationData()).isNull();
            assertThat(entries.get(1).kind()).isEqualTo(OutboxEntry.Kind.RESPONSE);
            assertThat(new String(entries.get(1).correlationData(), StandardCharsets.UTF_8)).isEqualTo("request-7");
        }
    }

    @Test
    void neverReusesASequenceNumberAfterRemovals() {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            long first = append(outbox, "a", "1");
            outbox.remove(List.of(first));
            long second = append(outbox, "b", "2");
            assertThat(second).isGreaterThan(first);
            assertThat(outbox.after(first, 10)).extracting(OutboxEntry::messageId).containsExactly("b");
            assertThat(outbox.depth()).isEqualTo(1);
            assertThat(outbox.bytes()).isEqualTo(1);
        }
    }

    @Test
    void removesMoreMessagesThanOneStatementTakesAndKeepsTheCounts() {
        List<Long> seqs = new ArrayList<>();
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            for (int i = 0; i < 1200; i++) {
                seqs.add(append(outbox, "m" + i, "12345"));
            }
            List<Long> delivered = new ArrayList<>(seqs.subList(0, 1100));
            delivered.add(seqs.get(0));
            delivered.add(seqs.get(1199) + 1000);
            outbox.remove(delivered);
            assertThat(outbox.depth()).isEqualTo(100);
            assertThat(outbox.bytes()).isEqualTo(500);
        }
        try (Outbox reopened = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            assertThat(reopened.after(0, 1000)).extracting(OutboxEntry::seq)
                    .containsExactlyElementsOf(seqs.subList(1100, 1200));
            assertThat(reopened.depth()).isEqualTo(100);
            assertThat(reopened.bytes()).isEqualTo(500);
        }
    }

    @Test
    void refusesAMessageOverTheCapWithTheRejectPolicy() {
        try (Outbox outbox = Outbox.open(dir, 10, Outbox.FullPolicy.REJECT, CLOCK)) {
            append(outbox, "a", "12345678");
            assertThatThrownBy(() -> append(outbox, "b", "123"))
                    .isInstanceOf(OutboxException.class)
                    .hasMessageContaining("is full")
                    .hasMessageContaining("mmi.outbox.max-mb")
                    .satisfies(e -> assertThat(((OutboxException) e).reason().code()).isEqualTo("outbox-full"));
            assertThat(outbox.refusedFull()).isEqualTo(1);
            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("a");
        }
    }

    @Test
    void dropsTheOldestMessagesWithTheDropOldestPolicy() {
        try (Outbox outbox = Outbox.open(dir, 10, Outbox.FullPolicy.DROP_OLDEST, CLOCK)) {
            append(outbox, "a", "1234");
            append(outbox, "b", "1234");
            append(outbox, "c", "12345");
            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("b", "c");
            assertThat(outbox.dropped()).isEqualTo(1);
            assertThat(outbox.bytes()).isEqualTo(9);
        }
    }

    @Test
    void movesARefusedMessageToTheQuarantineAndStoresItsDeadLetterInOneStep() throws Exception {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            long refused = append(outbox, "a", "{\"big\":true}");
            append(outbox, "b", "later");
            long letter = outbox.refuse(outbox.after(0, 1).get(0), 0x87, "Not authorized",
                    new Outbox.DeadLetter("dl", "mmi/dlq/x/rejected-by-broker", bytes("{\"reason\":\"r\"}")));
            assertThat(letter).isGreaterThan(refused);
            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("b", "dl");
            assertThat(outbox.after(0, 10).get(1).kind()).isEqualTo(OutboxEntry.Kind.DEAD_LETTER);
            assertThat(outbox.quarantined()).isEqualTo(1);
        }
        // An operator reads the quarantine with any SQLite client: the message is there intact, with the reason.
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Outbox.FILE_NAME));
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT message_id, payload, reason_code, reason"
                        + " FROM quarantine")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("a");
            assertThat(new String(rows.getBytes(2), StandardCharsets.UTF_8)).isEqualTo("{\"big\":true}");
            assertThat(rows.getInt(3)).isEqualTo(0x87);
            assertThat(rows.getString(4)).isEqualTo("Not authorized");
        }
    }

    @Test
    void keepsTheCompleteRawInputOfACutDeadLetterAfterItIsDelivered() {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            long seq = outbox.append("dl", "mmi/dlq/x/invalid-json", bytes("{\"raw_truncated\":true}"),
                    OutboxEntry.Kind.DEAD_LETTER, null, bytes("the whole input"));
            outbox.remove(List.of(seq));
            assertThat(outbox.rawInput("dl")).hasValueSatisfying(raw -> assertThat(new String(raw,
                    StandardCharsets.UTF_8)).isEqualTo("the whole input"));
            assertThat(outbox.rawInput("other")).isEmpty();
        }
    }

    @Test
    void namesTheSettingWhenTheDirectoryCannotBeCreated() throws Exception {
        Path file = dir.resolve("a-file");
        java.nio.file.Files.writeString(file, "x");
        assertThatThrownBy(() -> Outbox.open(file.resolve("outbox"), 10, Outbox.FullPolicy.REJECT, CLOCK))
                .isInstanceOf(OutboxException.class)
                .hasMessageContaining(file.resolve("outbox").toString())
                .hasMessageContaining("mmi.outbox.dir");
    }

    @Test
    void refusesASecondOpenOfTheSameOutboxUntilTheFirstIsClosed() {
        try (Outbox first = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            append(first, "a", "{}");
            assertThatThrownBy(() -> Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK))
                    .isInstanceOf(OutboxException.class)
                    .hasMessageContaining("is in use by mmi process " + ProcessHandle.current().pid())
                    .hasMessageContaining("mmi.outbox.dir");
            assertThat(first.depth()).as("the first one still works").isEqualTo(1);
        }
        try (Outbox second = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            assertThat(second.depth()).isEqualTo(1);
        }
    }

    @Test
    void readsThePolicyAsWrittenInTheProperties() {
        assertThat(Outbox.FullPolicy.parse("drop-oldest")).isEqualTo(Outbox.FullPolicy.DROP_OLDEST);
        assertThat(Outbox.FullPolicy.parse(" reject ")).isEqualTo(Outbox.FullPolicy.REJECT);
        assertThatThrownBy(() -> Outbox.FullPolicy.parse("keep")).hasMessageContaining("mmi.outbox.full-policy");
    }

    private static long deadLetter(Outbox outbox, String id, int bytes, byte[] rawInput) {
        return outbox.append(id, "mmi/dlq/x/bad-request", new byte[bytes], OutboxEntry.Kind.DEAD_LETTER, null,
                rawInput);
    }

    /** The flood: dead letters and responses fill their own budget; measurements keep theirs. */
    @Test
    void keepsTheMeasurementsRoomFromDeadLettersAndResponses() {
        try (Outbox outbox = Outbox.open(dir, new OutboxBudget(1000, 300, Duration.ofDays(7)),
                Outbox.FullPolicy.REJECT, CLOCK)) {
            deadLetter(outbox, "d1", 200, null);
            outbox.append("r1", "mmi/v1/x/response", new byte[100], OutboxEntry.Kind.RESPONSE, null, null, null);
            assertThatThrownBy(() -> deadLetter(outbox, "d2", 1, null)).isInstanceOf(OutboxException.class)
                    .hasMessageContaining("full for dead letters and responses")
                    .hasMessageContaining("mmi.outbox.dead-letter-max-mb");
            for (int i = 0; i < 10; i++) {
                outbox.append("m" + i, "t/m", new byte[100], OutboxEntry.Kind.DATA, null);
            }
            assertThatThrownBy(() -> append(outbox, "m10", "1")).hasMessageContaining("full for measurements");
            assertThat(outbox.refusedFull()).isEqualTo(2);
            assertThat(outbox.refusedFullData()).isEqualTo(1);
            assertThat(outbox.dataBytes()).isEqualTo(1000);
            assertThat(outbox.otherBytes()).isEqualTo(300);
            assertThat(outbox.bytes()).isEqualTo(1300);
        }
        try (Outbox reopened = Outbox.open(dir, new OutboxBudget(1000, 300, Duration.ofDays(7)),
                Outbox.FullPolicy.REJECT, CLOCK)) {
            assertThat(reopened.dataBytes()).as("recounted by kind").isEqualTo(1000);
            assertThat(reopened.otherBytes()).isEqualTo(300);
        }
    }

    @Test
    void dropsOnlyOldestDeadLettersForADeadLetterWithTheDropOldestPolicy() {
        try (Outbox outbox = Outbox.open(dir, new OutboxBudget(1000, 250, Duration.ofDays(7)),
                Outbox.FullPolicy.DROP_OLDEST, CLOCK)) {
            append(outbox, "m", "measurement");
            deadLetter(outbox, "d1", 100, null);
            deadLetter(outbox, "d2", 100, null);
            deadLetter(outbox, "d3", 100, null);
            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("m", "d2", "d3");
            assertThat(outbox.dropped()).isEqualTo(1);
        }
    }

    /** The raw inputs of cut dead letters count against the dead letters' budget, oldest out first. */
    @Test
    void keepsRawInputsWithinTheBudgetOfDeadLettersOldestOutFirst() {
        try (Outbox outbox = Outbox.open(dir, new OutboxBudget(1000, 1000, Duration.ofDays(7)),
                Outbox.FullPolicy.REJECT, CLOCK)) {
            outbox.remove(List.of(deadLetter(outbox, "d1", 10, new byte[400])));
            outbox.remove(List.of(deadLetter(outbox, "d2", 10, new byte[400])));
            assertThat(outbox.rawInputBytes()).isEqualTo(800);
            deadLetter(outbox, "d3", 10, new byte[400]);
            assertThat(outbox.rawInput("d1")).as("the oldest gave way").isEmpty();
            assertThat(outbox.rawInput("d2")).isPresent();
            assertThat(outbox.rawInput("d3")).isPresent();
            // Larger than the whole budget: the dead letter is stored, its complete input is not (counted).
            deadLetter(outbox, "d4", 10, new byte[2000]);
            assertThat(outbox.rawInput("d4")).isEmpty();
            assertThat(outbox.rawInputsNotKept()).isEqualTo(1);
            assertThat(outbox.otherBytes()).isLessThanOrEqualTo(1000);
            // A dead letter that needs the room takes it from the raw inputs before it is refused.
            deadLetter(outbox, "d5", 900, null);
            assertThat(outbox.rawInputBytes()).isZero();
        }
    }

    @Test
    void expiresRawInputsOlderThanTheBudgetAllows() {
        ManualClock moving = new ManualClock(CLOCK.instant());
        OutboxBudget budget = new OutboxBudget(1000, 100_000, Duration.ofDays(7));
        try (Outbox outbox = Outbox.open(dir, budget, Outbox.FullPolicy.REJECT, moving)) {
            outbox.remove(List.of(deadLetter(outbox, "old", 10, bytes("old input"))));
            moving.advance(Duration.ofDays(6));
            outbox.remove(List.of(deadLetter(outbox, "newer", 10, bytes("newer input"))));
        }
        moving.advance(Duration.ofDays(2));
        try (Outbox reopened = Outbox.open(dir, budget, Outbox.FullPolicy.REJECT, moving)) {
            assertThat(reopened.rawInput("old")).as("8 days old").isEmpty();
            assertThat(reopened.rawInput("newer")).as("2 days old").isPresent();
            assertThat(reopened.rawInputBytes()).isEqualTo("newer input".length());
        }
    }

    /**
     * A truncated outbox.db must not stop every start (a crash loop, nothing measured): it is moved aside, named by
     * the time, with its write-ahead log, and a fresh outbox takes the messages.
     */
    @Test
    void movesATruncatedDatabaseAsideAndStartsAFreshOne() throws Exception {
        try (Outbox outbox = Outbox.open(dir, 10_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            for (int i = 0; i < 200; i++) {
                outbox.append("m" + i, "t/m", new byte[4000], OutboxEntry.Kind.DATA, null);
            }
        }
        Path file = dir.resolve(Outbox.FILE_NAME);
        long size = java.nio.file.Files.size(file);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(size / 2);
        }

        try (Outbox fresh = Outbox.open(dir, 10_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            Path aside = dir.resolve("outbox.db.corrupt-20260309T093000Z");
            assertThat(fresh.movedAside()).contains(aside);
            assertThat(aside).hasSize(size / 2);
            assertThat(fresh.faults().count(OutboxFault.CORRUPT)).isEqualTo(1);
            assertThat(fresh.faults().current()).as("the fresh one works").isEmpty();
            assertThat(fresh.depth()).isZero();
            append(fresh, "after", "{}");
            assertThat(fresh.depth()).isEqualTo(1);
        }
    }

    @Test
    void movesAFileThatIsNoDatabaseAside() throws Exception {
        java.nio.file.Files.write(dir.resolve(Outbox.FILE_NAME), new byte[8192]);
        java.nio.file.Files.writeString(dir.resolve(Outbox.FILE_NAME), "this is not an SQLite database at all");

        try (Outbox fresh = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            assertThat(fresh.movedAside()).hasValueSatisfying(aside -> assertThat(aside).hasContent(
                    "this is not an SQLite database at all"));
            append(fresh, "a", "{}");
            assertThat(fresh.depth()).isEqualTo(1);
        }
    }
}
