package org.openjii.mmi.delivery;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.function.BiFunction;

import org.openjii.mmi.observe.RateLimitedLog;

/**
 * What an {@link Outbox}'s messages take of its {@link OutboxBudget}, and the making of room when a new one does not
 * fit: the {@link Outbox.FullPolicy} refuses it or drops the oldest of its budget, and raw inputs kept for dead letters
 * give way first (the expired, then the oldest). Counts the messages and payload bytes of each budget, from the tables
 * at open and after a failed transaction ({@link #recount}), and by each change in between; counts refusals and drops.
 * <p>
 * Not thread-safe on its own: the outbox calls it only while it holds its lock.
 */
final class OutboxRoom {

    private final Connection db;
    private final Path file;
    private final OutboxBudget budget;
    private final Outbox.FullPolicy policy;
    private final Clock clock;
    private final RateLimitedLog refusals;
    /** The outbox's exception for a database failure (recorded in its faults). */
    private final BiFunction<String, SQLException, OutboxException> failure;
    private long entries;
    private long dataBytes;
    private long otherBytes;
    private long rawInputBytes;
    /** Payload bytes of the dead letters kept in the quarantine ({@link DeadLetterMode#LOCAL}). */
    private long keptBytes;
    private long dropped;
    private long refusedFull;
    private long refusedFullData;
    private long rawInputsNotKept;

    OutboxRoom(Connection db, Path file, OutboxBudget budget, Outbox.FullPolicy policy, Clock clock,
            RateLimitedLog refusals, BiFunction<String, SQLException, OutboxException> failure) {
        this.db = db;
        this.file = file;
        this.budget = budget;
        this.policy = policy;
        this.clock = clock;
        this.refusals = refusals;
        this.failure = failure;
    }

    /** Counts messages and bytes from the tables again. */
    void recount() throws SQLException {
        entries = 0;
        dataBytes = 0;
        otherBytes = 0;
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT kind = 'DATA', count(*), coalesce(sum(length(payload)),"
                        + " 0) FROM outbox GROUP BY 1")) {
            while (rows.next()) {
                entries += rows.getLong(2);
                if (rows.getBoolean(1)) {
                    dataBytes = rows.getLong(3);
                } else {
                    otherBytes = rows.getLong(3);
                }
            }
        }
        rawInputBytes = sum("SELECT coalesce(sum(length(raw)), 0) FROM raw_input");
        keptBytes = sum("SELECT coalesce(sum(length(payload)), 0) FROM quarantine WHERE reason_code = "
                + Outbox.KEPT_LOCALLY);
    }

    private long sum(String query) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** A message of {@code kind} with {@code payloadBytes} entered the outbox. */
    void added(String kind, long payloadBytes) {
        entries++;
        bytes(kind, payloadBytes);
    }

    /** A message of {@code kind} with {@code payloadBytes} left the outbox. */
    void removed(String kind, long payloadBytes) {
        entries--;
        bytes(kind, -payloadBytes);
    }

    private void bytes(String kind, long payloadBytes) {
        if (OutboxEntry.Kind.DATA.name().equals(kind)) {
            dataBytes += payloadBytes;
        } else {
            otherBytes += payloadBytes;
        }
    }

    /** A dead letter of {@code payloadBytes} was kept in the quarantine ({@link DeadLetterMode#LOCAL}). */
    void kept(long payloadBytes) {
        keptBytes += payloadBytes;
    }

    /** A raw input of {@code bytes} was kept for a dead letter. */
    void rawInputKept(long bytes) {
        rawInputBytes += bytes;
    }

    /** Whether a new message of {@code payloadBytes} (a measurement or not) fits under its cap as things are. */
    boolean fits(boolean data, long payloadBytes) {
        return data ? dataBytes + payloadBytes <= budget.dataBytes()
                : deadLetterBytes() + payloadBytes <= budget.otherBytes();
    }

    /** Bytes against the cap of dead letters: waiting dead letters and responses, raw inputs, kept dead letters. */
    long deadLetterBytes() {
        return otherBytes + rawInputBytes + keptBytes;
    }

    /**
     * Makes room for a new message of {@code needed} bytes as the policy says: refuses it ({@code outbox-full}), or
     * deletes the oldest messages of its budget (and, for a dead letter, the oldest dead letters kept locally) until
     * it fits.
     *
     * @throws OutboxException {@code outbox-full} with {@link Outbox.FullPolicy#REJECT}, or when the message is larger
     *     than its whole cap
     */
    void makeRoom(boolean data, int needed, String topic) {
        long cap = data ? budget.dataBytes() : budget.otherBytes();
        String capKey = data ? "mmi.outbox.max-mb" : "mmi.outbox.dead-letter-max-mb";
        String what = data ? "measurements" : "dead letters and responses";
        if (policy == Outbox.FullPolicy.REJECT || needed > cap) {
            refusedFull++;
            if (data) {
                refusedFullData++;
            }
            String message = "The outbox " + file + " is full for " + what + " (" + (data ? dataBytes
                    : deadLetterBytes()) + " of " + cap + " bytes, " + capKey + "); refusing a " + needed
                    + " byte message for " + topic + " (mmi.outbox.full-policy=reject)";
            refusals.warn("{}", message);
            throw new OutboxException(OutboxException.OUTBOX_FULL, message, null);
        }
        int droppedNow = 0;
        try {
            while ((data ? dataBytes : deadLetterBytes()) + needed > cap) {
                if (!data && keptBytes > 0 && dropOldestKeptIfOlder()) {
                    droppedNow++;
                    continue;
                }
                try (Statement statement = db.createStatement();
                        ResultSet rows = statement.executeQuery("DELETE FROM outbox WHERE seq = (SELECT min(seq) FROM"
                                + " outbox WHERE kind " + (data ? "=" : "<>") + " 'DATA') RETURNING length(payload)")) {
                    if (!rows.next()) {
                        break;
                    }
                    removed(data ? OutboxEntry.Kind.DATA.name() : OutboxEntry.Kind.DEAD_LETTER.name(),
                            rows.getLong(1));
                    droppedNow++;
                }
            }
        } catch (SQLException e) {
            throw failure.apply("drop old messages", e);
        }
        dropped += droppedNow;
        refusals.error("The outbox {} is full for {} ({} bytes, {}): dropped the {} oldest to store a new one"
                + " (mmi.outbox.full-policy=drop-oldest; {} dropped since start)", file, what, cap, capKey,
                droppedNow, dropped);
    }

    /**
     * Deletes the oldest dead letter kept in the quarantine when no dead letter or response waiting in the outbox is
     * older (sequence numbers are shared, so the older of the two goes first).
     *
     * @return whether one was deleted
     */
    private boolean dropOldestKeptIfOlder() throws SQLException {
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("DELETE FROM quarantine WHERE seq = (SELECT min(seq) FROM"
                        + " quarantine WHERE reason_code = " + Outbox.KEPT_LOCALLY + ") AND seq < coalesce((SELECT"
                        + " min(seq) FROM outbox WHERE kind <> 'DATA'), 9223372036854775807) RETURNING"
                        + " length(payload)")) {
            if (!rows.next()) {
                return false;
            }
            keptBytes -= rows.getLong(1);
            return true;
        }
    }

    /**
     * The raw input if it fits the budget of dead letters, with {@code alsoNeeded} bytes of its dead letter, once the
     * expired and then the oldest raw inputs are deleted; else {@code null}: the dead letter is stored with the start
     * its envelope carries, and that is logged and counted ({@link #rawInputsNotKept()}).
     */
    byte[] roomForRawInput(byte[] rawInput, int alsoNeeded, String messageId) {
        freeRawInputs(alsoNeeded + rawInput.length);
        if (deadLetterBytes() + alsoNeeded + rawInput.length <= budget.otherBytes()) {
            return rawInput;
        }
        rawInputsNotKept++;
        refusals.warn("The outbox {} keeps no complete raw input of dead letter {} ({} bytes): it does not fit"
                + " mmi.outbox.dead-letter-max-mb; its envelope carries the start", file, messageId, rawInput.length);
        return null;
    }

    /**
     * Deletes the expired raw inputs, then the oldest ones until {@code needed} more bytes fit the budget of dead
     * letters or none is left: they give way to dead letters and responses, which have not been sent yet.
     */
    void freeRawInputs(long needed) {
        try {
            expireRawInputs();
            while (deadLetterBytes() + needed > budget.otherBytes() && rawInputBytes > 0) {
                try (Statement statement = db.createStatement();
                        ResultSet rows = statement.executeQuery("DELETE FROM raw_input WHERE message_id ="
                                + " (SELECT message_id FROM raw_input ORDER BY kept_at LIMIT 1)"
                                + " RETURNING length(raw)")) {
                    if (!rows.next()) {
                        break;
                    }
                    rawInputBytes -= rows.getLong(1);
                }
            }
        } catch (SQLException e) {
            throw failure.apply("make room for dead letters", e);
        }
    }

    /** Deletes the raw inputs kept longer than the budget allows. */
    void expireRawInputs() throws SQLException {
        if (rawInputBytes == 0) {
            return;
        }
        try (PreparedStatement expire = db.prepareStatement("DELETE FROM raw_input WHERE kept_at < ?"
                + " RETURNING length(raw)")) {
            expire.setLong(1, clock.millis() - budget.rawInputMaxAge().toMillis());
            try (ResultSet rows = expire.executeQuery()) {
                while (rows.next()) {
                    rawInputBytes -= rows.getLong(1);
                }
            }
        }
    }

    long entries() {
        return entries;
    }

    long dataBytes() {
        return dataBytes;
    }

    long otherBytes() {
        return otherBytes;
    }

    long rawInputBytes() {
        return rawInputBytes;
    }

    long dropped() {
        return dropped;
    }

    long refusedFull() {
        return refusedFull;
    }

    long refusedFullData() {
        return refusedFullData;
    }

    long rawInputsNotKept() {
        return rawInputsNotKept;
    }
}
