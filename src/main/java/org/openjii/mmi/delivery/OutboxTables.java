package org.openjii.mmi.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The statements of an {@link Outbox} on its tables ({@link OutboxSchema}): rows in and out, nothing counted or
 * checked against a budget (that is {@link OutboxRoom}'s). Every method runs on the caller's transaction, if any.
 */
final class OutboxTables {

    /** Sequence numbers per DELETE statement, well under SQLite's limit of bound parameters (32,766). */
    static final int DELETE_CHUNK = 500;

    /** Told of each message a delete took out of the outbox: its kind and payload bytes. */
    @FunctionalInterface
    interface Removed {

        void removed(String kind, long payloadBytes);
    }

    private final Connection db;
    private final Clock clock;

    OutboxTables(Connection db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Inserts a message into the outbox, created now; returns its sequence number. */
    long insert(String messageId, String topic, byte[] payload, OutboxEntry.Kind kind, Instant originAt,
            byte[] correlationData) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO outbox (message_id, topic, payload, kind,"
                + " created_at, origin_at_micros, correlation_data) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq")) {
            insert.setString(1, messageId);
            insert.setString(2, topic);
            insert.setBytes(3, payload);
            insert.setString(4, kind.name());
            insert.setLong(5, clock.millis());
            if (originAt == null) {
                insert.setNull(6, Types.INTEGER);
            } else {
                insert.setLong(6, ChronoUnit.MICROS.between(Instant.EPOCH, originAt));
            }
            insert.setBytes(7, correlationData);
            try (ResultSet rows = insert.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Keeps the complete raw input of a dead letter under its message id, kept now. */
    void keepRawInput(String messageId, byte[] rawInput) throws SQLException {
        try (PreparedStatement keep = db.prepareStatement("INSERT OR REPLACE INTO raw_input (message_id, raw,"
                + " kept_at) VALUES (?, ?, ?)")) {
            keep.setString(1, messageId);
            keep.setBytes(2, rawInput);
            keep.setLong(3, clock.millis());
            keep.executeUpdate();
        }
    }

    /** The complete raw input kept for a dead letter, if any. */
    Optional<byte[]> rawInput(String messageId) throws SQLException {
        try (PreparedStatement select = db.prepareStatement("SELECT raw FROM raw_input WHERE message_id = ?")) {
            select.setString(1, messageId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getBytes(1)) : Optional.empty();
            }
        }
    }

    /** Up to {@code limit} messages after {@code seq}, oldest first. */
    List<OutboxEntry> after(long seq, int limit) throws SQLException {
        try (PreparedStatement select = db.prepareStatement("SELECT seq, message_id, topic, payload, kind, created_at,"
                + " origin_at_micros, correlation_data FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?")) {
            select.setLong(1, seq);
            select.setInt(2, limit);
            List<OutboxEntry> found = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    long originMicros = rows.getLong(7);
                    Instant originAt = rows.wasNull() ? null : Instant.EPOCH.plus(originMicros, ChronoUnit.MICROS);
                    found.add(new OutboxEntry(rows.getLong(1), rows.getString(2), rows.getString(3),
                            rows.getBytes(4), OutboxEntry.Kind.valueOf(rows.getString(5)),
                            Instant.ofEpochMilli(rows.getLong(6)), originAt, rows.getBytes(8)));
                }
            }
            return found;
        }
    }

    /**
     * Deletes these messages from the outbox, one statement per {@value #DELETE_CHUNK}: through JDBC, preparing and
     * running a statement per row costs more than the deletes themselves.
     */
    void delete(List<Long> seqs, Removed removed) throws SQLException {
        for (int from = 0; from < seqs.size(); from += DELETE_CHUNK) {
            List<Long> chunk = seqs.subList(from, Math.min(seqs.size(), from + DELETE_CHUNK));
            try (PreparedStatement delete = db.prepareStatement("DELETE FROM outbox WHERE seq IN ("
                    + "?,".repeat(chunk.size() - 1) + "?) RETURNING length(payload), kind")) {
                for (int i = 0; i < chunk.size(); i++) {
                    delete.setLong(i + 1, chunk.get(i));
                }
                try (ResultSet rows = delete.executeQuery()) {
                    while (rows.next()) {
                        removed.removed(rows.getString(2), rows.getLong(1));
                    }
                }
            }
        }
    }

    /** Puts a refused message, intact, into the quarantine with the broker's reason, refused now. */
    void quarantine(OutboxEntry entry, int reasonCode, String reason) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT OR REPLACE INTO quarantine (seq, message_id,"
                + " topic, payload, kind, created_at, refused_at, reason_code, reason, correlation_data)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setLong(1, entry.seq());
            insert.setString(2, entry.messageId());
            insert.setString(3, entry.topic());
            insert.setBytes(4, entry.payload());
            insert.setString(5, entry.kind().name());
            insert.setLong(6, entry.createdAt().toEpochMilli());
            insert.setLong(7, clock.millis());
            insert.setInt(8, reasonCode);
            insert.setString(9, reason);
            insert.setBytes(10, entry.correlationData());
            insert.executeUpdate();
        }
    }

    /**
     * Moves a dead letter just inserted to the quarantine, as kept locally: it takes its sequence number along, which
     * the outbox never gives out again.
     */
    void keepInQuarantine(long seq) throws SQLException {
        try (PreparedStatement move = db.prepareStatement("INSERT INTO quarantine (seq, message_id, topic, payload,"
                + " kind, created_at, refused_at, reason_code, reason, correlation_data) SELECT seq, message_id, topic,"
                + " payload, kind, created_at, ?, ?, ?, correlation_data FROM outbox WHERE seq = ?")) {
            move.setLong(1, clock.millis());
            move.setInt(2, Outbox.KEPT_LOCALLY);
            move.setString(3, Outbox.KEPT_LOCALLY_REASON);
            move.setLong(4, seq);
            move.executeUpdate();
        }
        try (PreparedStatement delete = db.prepareStatement("DELETE FROM outbox WHERE seq = ?")) {
            delete.setLong(1, seq);
            delete.executeUpdate();
        }
    }

    /** When the oldest waiting message entered the outbox, if any is waiting. */
    Optional<Instant> oldest() throws SQLException {
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT created_at FROM outbox ORDER BY seq LIMIT 1")) {
            return rows.next() ? Optional.of(Instant.ofEpochMilli(rows.getLong(1))) : Optional.empty();
        }
    }

    /** Messages in the quarantine table. */
    long quarantined() throws SQLException {
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM quarantine")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
