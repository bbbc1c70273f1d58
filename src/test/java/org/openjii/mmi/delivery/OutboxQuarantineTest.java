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
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Dead letters kept in the quarantine ({@code mmi.dead-letters=local}): never in the outbox table the publisher reads,
 * under the cap of dead letters, and what mmi dead-letters does with the quarantine (list, remove, requeue).
 */
class OutboxQuarantineTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T09:30:00Z"), ZoneOffset.UTC);
    private static final String DLQ = "mmi/dlq/gw/crc-mismatch";

    @TempDir
    Path dir;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private Outbox local(long deadLetterBytes, Outbox.FullPolicy policy) {
        return Outbox.open(dir, new OutboxBudget(1_000_000, deadLetterBytes, Duration.ofDays(7)), policy,
                DeadLetterMode.LOCAL, CLOCK);
    }

    private static long deadLetter(Outbox outbox, String id, int bytes) {
        return outbox.append(id, DLQ, new byte[bytes], OutboxEntry.Kind.DEAD_LETTER, null);
    }

    @Test
    void keepsADeadLetterInTheQuarantineWhereThePublisherNeverReads() throws Exception {
        try (Outbox outbox = local(1_000_000, Outbox.FullPolicy.REJECT)) {
            outbox.append("m1", "t/m", bytes("{\"n\":1}"), OutboxEntry.Kind.DATA, null);
            long seq = outbox.append("d1", DLQ, bytes("{\"reason\":\"crc-mismatch\"}"),
                    OutboxEntry.Kind.DEAD_LETTER, null, bytes("the complete raw input"));
            outbox.append("m2", "t/m", bytes("{\"n\":2}"), OutboxEntry.Kind.DATA, null);

            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("m1", "m2");
            assertThat(outbox.depth()).isEqualTo(2);
            assertThat(outbox.quarantined()).isEqualTo(1);
            assertThat(outbox.otherBytes()).as("under the cap of dead letters, with its raw input")
                    .isEqualTo(25 + 22);
            List<OutboxQuarantine.Entry> kept = outbox.quarantine().list();
            assertThat(kept).singleElement().satisfies(entry -> {
                assertThat(entry.seq()).isEqualTo(seq).isBetween(1L, 3L);
                assertThat(entry.keptLocally()).isTrue();
                assertThat(entry.kind()).isEqualTo(OutboxEntry.Kind.DEAD_LETTER);
                assertThat(entry.topic()).isEqualTo(DLQ);
                assertThat(entry.quarantinedAt()).isEqualTo(CLOCK.instant());
            });
            assertThat(outbox.quarantine().rawInput("d1")).hasValueSatisfying(raw -> assertThat(new String(raw,
                    StandardCharsets.UTF_8)).isEqualTo("the complete raw input"));
        }
        // Any SQLite client sees it with its reason.
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(Outbox.FILE_NAME));
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT message_id, reason_code, reason FROM quarantine")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("d1");
            assertThat(rows.getInt(2)).isEqualTo(Outbox.KEPT_LOCALLY);
            assertThat(rows.getString(3)).isEqualTo("kept locally (mmi.dead-letters=local)");
        }
        try (Outbox reopened = local(1_000_000, Outbox.FullPolicy.REJECT)) {
            assertThat(reopened.otherBytes()).as("recounted at open").isEqualTo(25 + 22);
            assertThat(reopened.depth()).isEqualTo(2);
        }
    }

    @Test
    void publishesDeadLettersByDefault() {
        try (Outbox outbox = Outbox.open(dir, 1_000_000, Outbox.FullPolicy.REJECT, CLOCK)) {
            deadLetter(outbox, "d1", 10);
            assertThat(outbox.deadLetters()).isEqualTo(DeadLetterMode.PUBLISH);
            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("d1");
            assertThat(outbox.quarantined()).isZero();
        }
    }

    @Test
    void keepsTheDeadLetterOfARefusedMessageNextToIt() {
        try (Outbox outbox = local(1_000_000, Outbox.FullPolicy.REJECT)) {
            outbox.append("m1", "t/m", bytes("{\"n\":1}"), OutboxEntry.Kind.DATA, null);
            OutboxEntry refused = outbox.after(0, 1).get(0);
            long letter = outbox.refuse(refused, 0x87, "Not authorized", new Outbox.DeadLetter("d1",
                    "mmi/dlq/gw/rejected-by-broker", bytes("{\"refused_message_id\":\"m1\"}")));

            assertThat(outbox.depth()).isZero();
            assertThat(outbox.after(0, 10)).isEmpty();
            assertThat(outbox.quarantine().list()).extracting(OutboxQuarantine.Entry::messageId,
                    OutboxQuarantine.Entry::kind, OutboxQuarantine.Entry::reasonCode)
                    .containsExactly(tuple("m1", OutboxEntry.Kind.DATA, 0x87),
                            tuple("d1", OutboxEntry.Kind.DEAD_LETTER,
                                    Outbox.KEPT_LOCALLY));
            assertThat(letter).isGreaterThan(refused.seq());
            // The refused measurement is not a dead letter: only its dead letter takes that budget.
            assertThat(outbox.otherBytes()).isEqualTo(27);
        }
    }

    @Test
    void refusesADeadLetterBeyondItsCap() {
        try (Outbox outbox = local(250, Outbox.FullPolicy.REJECT)) {
            deadLetter(outbox, "d1", 100);
            deadLetter(outbox, "d2", 100);
            assertThatThrownBy(() -> deadLetter(outbox, "d3", 100)).isInstanceOf(OutboxException.class)
                    .hasFieldOrPropertyWithValue("reason", OutboxException.OUTBOX_FULL)
                    .hasMessageContaining("mmi.outbox.dead-letter-max-mb");
            assertThat(outbox.quarantined()).isEqualTo(2);
            assertThat(outbox.refusedFull()).isEqualTo(1);
            // Measurements have their own room.
            outbox.append("m1", "t/m", new byte[1000], OutboxEntry.Kind.DATA, null);
        }
    }

    @Test
    void dropsTheOldestKeptDeadLetterOrWaitingResponseWithTheDropOldestPolicy() {
        try (Outbox outbox = local(250, Outbox.FullPolicy.DROP_OLDEST)) {
            deadLetter(outbox, "d1", 100);
            outbox.append("r1", "mmi/v1/gw/response", new byte[100], OutboxEntry.Kind.RESPONSE, null);
            deadLetter(outbox, "d2", 100);
            assertThat(outbox.quarantine().list()).extracting(OutboxQuarantine.Entry::messageId)
                    .containsExactly("d2");
            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("r1");
            deadLetter(outbox, "d3", 100);
            assertThat(outbox.after(0, 10)).as("the response was older than d2").isEmpty();
            assertThat(outbox.quarantine().list()).extracting(OutboxQuarantine.Entry::messageId)
                    .containsExactly("d2", "d3");
            assertThat(outbox.dropped()).isEqualTo(2);
            assertThat(outbox.otherBytes()).isEqualTo(200);
        }
    }

    @Test
    void requeuesARefusedMessageBehindWhatWaitsAndRemovesWhatIsDealtWith() {
        try (Outbox outbox = local(1_000_000, Outbox.FullPolicy.REJECT)) {
            outbox.append("m1", "t/m1", bytes("{\"n\":1}"), OutboxEntry.Kind.DATA, null);
            OutboxEntry refused = outbox.after(0, 1).get(0);
            long letter = outbox.refuse(refused, 0x87, "Not authorized", new Outbox.DeadLetter("d1",
                    "mmi/dlq/gw/rejected-by-broker", bytes("{}")));
            outbox.append("m2", "t/m2", bytes("{\"n\":2}"), OutboxEntry.Kind.DATA, null);
            long other = outbox.append("d2", DLQ, bytes("{\"raw\":\"x\"}"), OutboxEntry.Kind.DEAD_LETTER, null,
                    bytes("complete"));

            long again = outbox.quarantine().requeue(refused.seq());

            assertThat(outbox.after(0, 10)).extracting(OutboxEntry::messageId, OutboxEntry::topic)
                    .containsExactly(tuple("m2", "t/m2"),
                            tuple("m1", "t/m1"));
            assertThat(again).isGreaterThan(other);
            assertThat(outbox.dataBytes()).isEqualTo(14);
            assertThat(outbox.quarantine().find(refused.seq())).isEmpty();

            assertThat(outbox.quarantine().remove(List.of(letter, other, 9999L))).isEqualTo(2);
            assertThat(outbox.quarantined()).isZero();
            assertThat(outbox.rawInput("d2")).as("its raw input went with it").isEmpty();
            assertThat(outbox.otherBytes()).isZero();
            assertThatThrownBy(() -> outbox.quarantine().requeue(letter)).hasMessageContaining("No message #"
                    + letter);
        }
    }

    @Test
    void requeuesOnlyWhatFitsTheMeasurementsCap() {
        try (Outbox outbox = Outbox.open(dir, new OutboxBudget(100, 1000, Duration.ofDays(7)),
                Outbox.FullPolicy.REJECT, DeadLetterMode.LOCAL, CLOCK)) {
            outbox.append("m1", "t/m1", new byte[60], OutboxEntry.Kind.DATA, null);
            OutboxEntry refused = outbox.after(0, 1).get(0);
            outbox.refuse(refused, 0x87, "Not authorized", null);
            outbox.append("m2", "t/m2", new byte[60], OutboxEntry.Kind.DATA, null);
            assertThatThrownBy(() -> outbox.quarantine().requeue(refused.seq()))
                    .hasFieldOrPropertyWithValue("reason", OutboxException.OUTBOX_FULL)
                    .hasMessageContaining("mmi.outbox.max-mb");
            assertThat(outbox.quarantined()).isEqualTo(1);
        }
    }

    @Test
    void namesASecondOpenAsInUse() {
        try (Outbox first = local(1000, Outbox.FullPolicy.REJECT)) {
            assertThatThrownBy(() -> local(1000, Outbox.FullPolicy.REJECT))
                    .hasFieldOrPropertyWithValue("reason", OutboxException.OUTBOX_IN_USE);
        }
    }

    @Test
    void readsTheModeAsWrittenInTheProperties() {
        assertThat(DeadLetterMode.parse(" Local ")).isEqualTo(DeadLetterMode.LOCAL);
        assertThat(DeadLetterMode.parse("publish")).isEqualTo(DeadLetterMode.PUBLISH);
        assertThatThrownBy(() -> DeadLetterMode.parse("drop")).hasMessage(
                "mmi.dead-letters must be publish or local, was 'drop'");
    }
}
