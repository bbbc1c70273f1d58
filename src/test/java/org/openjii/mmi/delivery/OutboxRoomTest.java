package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.observe.RateLimitedLog;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The budget accounting on a real SQLite file, without the outbox around it. */
class OutboxRoomTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T05:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private Connection db;
    private OutboxTables tables;

    @BeforeEach
    void open() throws SQLException {
        db = OutboxSchema.connect(dir.resolve(Outbox.FILE_NAME));
        tables = new OutboxTables(db, CLOCK);
    }

    @AfterEach
    void close() {
        OutboxSchema.closeQuietly(db);
    }

    private OutboxRoom room(long dataBytes, long otherBytes, Outbox.FullPolicy policy) throws SQLException {
        OutboxRoom room = new OutboxRoom(db, dir.resolve(Outbox.FILE_NAME), new OutboxBudget(dataBytes, otherBytes,
                Duration.ofDays(1)), policy, CLOCK,
                new RateLimitedLog(LoggerFactory.getLogger(OutboxRoomTest.class),
                        Duration.ofSeconds(10), CLOCK),
                (what, e) -> new OutboxException(OutboxException.OUTBOX_ERROR,
                        what, e));
        room.recount();
        return room;
    }

    private long insert(String id, int bytes, OutboxEntry.Kind kind) throws SQLException {
        return tables.insert(id, "t/" + id, new byte[bytes], kind, null, null);
    }

    @Test
    void countsEachBudgetFromTheTables() throws SQLException {
        insert("a", 10, OutboxEntry.Kind.DATA);
        insert("b", 20, OutboxEntry.Kind.DATA);
        insert("c", 5, OutboxEntry.Kind.DEAD_LETTER);
        tables.keepRawInput("c", "raw".getBytes(StandardCharsets.UTF_8));

        OutboxRoom room = room(100, 100, Outbox.FullPolicy.REJECT);

        assertThat(room.entries()).isEqualTo(3);
        assertThat(room.dataBytes()).isEqualTo(30);
        assertThat(room.otherBytes()).isEqualTo(5);
        assertThat(room.rawInputBytes()).isEqualTo(3);
        assertThat(room.deadLetterBytes()).isEqualTo(8);
        room.added(OutboxEntry.Kind.RESPONSE.name(), 4);
        room.removed(OutboxEntry.Kind.DATA.name(), 10);
        assertThat(room.entries()).isEqualTo(3);
        assertThat(room.dataBytes()).isEqualTo(20);
        assertThat(room.otherBytes()).isEqualTo(9);
    }

    @Test
    void rejectRefusesAMeasurementOverItsCapAndCountsIt() throws SQLException {
        insert("a", 60, OutboxEntry.Kind.DATA);
        OutboxRoom room = room(100, 100, Outbox.FullPolicy.REJECT);

        assertThat(room.fits(true, 40)).isTrue();
        assertThat(room.fits(true, 41)).isFalse();
        assertThatThrownBy(() -> room.makeRoom(true, 41, "t/b")).isInstanceOf(OutboxException.class)
                .hasMessageContaining("full for measurements (60 of 100 bytes, mmi.outbox.max-mb)")
                .extracting(e -> ((OutboxException) e).reason())
                .isEqualTo(OutboxException.OUTBOX_FULL);
        assertThat(room.refusedFull()).isEqualTo(1);
        assertThat(room.refusedFullData()).isEqualTo(1);
        assertThat(tables.after(0, 10)).hasSize(1);
    }

    @Test
    void dropOldestDeletesTheOldestOfTheSameBudgetOnly() throws SQLException {
        insert("d1", 40, OutboxEntry.Kind.DATA);
        insert("x", 40, OutboxEntry.Kind.DEAD_LETTER);
        insert("d2", 40, OutboxEntry.Kind.DATA);
        OutboxRoom room = room(100, 100, Outbox.FullPolicy.DROP_OLDEST);

        room.makeRoom(true, 30, "t/d3");

        assertThat(tables.after(0, 10)).extracting(OutboxEntry::messageId).containsExactly("x", "d2");
        assertThat(room.dropped()).isEqualTo(1);
        assertThat(room.dataBytes()).isEqualTo(40);
        assertThat(room.otherBytes()).isEqualTo(40);
    }

    @Test
    void aMessageLargerThanItsWholeCapIsRefusedEvenWhenDroppingOldest() throws SQLException {
        OutboxRoom room = room(100, 100, Outbox.FullPolicy.DROP_OLDEST);

        assertThatThrownBy(() -> room.makeRoom(false, 101, "t/big")).isInstanceOf(OutboxException.class);
        assertThat(room.refusedFull()).isEqualTo(1);
        assertThat(room.refusedFullData()).isZero();
    }

    @Test
    void rawInputsGiveWayToDeadLettersOldestFirstAndOneThatCannotFitIsNotKept() throws SQLException {
        insert("x", 10, OutboxEntry.Kind.DEAD_LETTER);
        tables.keepRawInput("x", new byte[50]);
        OutboxRoom room = room(100, 100, Outbox.FullPolicy.REJECT);

        room.freeRawInputs(50);

        assertThat(tables.rawInput("x")).isEmpty();
        assertThat(room.rawInputBytes()).isZero();
        assertThat(room.roomForRawInput(new byte[70], 20, "y")).as("10 + 20 + 70 fit 100").hasSize(70);
        assertThat(room.roomForRawInput(new byte[91], 0, "z")).isNull();
        assertThat(room.rawInputsNotKept()).isEqualTo(1);
    }

    @Test
    void expiredRawInputsAreDeleted() throws SQLException {
        Clock earlier = Clock.offset(CLOCK, Duration.ofDays(-2));
        new OutboxTables(db, earlier).keepRawInput("old", new byte[7]);
        tables.keepRawInput("new", new byte[5]);
        OutboxRoom room = room(100, 100, Outbox.FullPolicy.REJECT);

        room.expireRawInputs();

        assertThat(tables.rawInput("old")).isEmpty();
        assertThat(tables.rawInput("new")).isPresent();
        assertThat(room.rawInputBytes()).isEqualTo(5);
        assertThat(room.deadLetterBytes()).isEqualTo(5);
    }
}
