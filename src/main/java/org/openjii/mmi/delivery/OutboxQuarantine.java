package org.openjii.mmi.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The outbox's {@code quarantine} table as an operator works with it ({@code mmi dead-letters}): the messages the
 * broker refused, and the dead letters kept there instead of published ({@link DeadLetterMode#LOCAL}). A row is named
 * by its sequence number, which it shares with the outbox (the outbox never gives one out twice).
 * <p>
 * Every method holds the outbox's lock (SQLite has one writer anyway), and one that moves or deletes rows recounts the
 * outbox's budgets, so the caps keep holding.
 */
public final class OutboxQuarantine {

    /**
     * One quarantined message.
     *
     * @param seq its sequence number: the id mmi dead-letters shows
     * @param createdAt when it entered the outbox
     * @param quarantinedAt when the broker refused it, or when it was kept
     * @param reasonCode the broker's MQTT reason code, or {@link Outbox#KEPT_LOCALLY}
     * @param reason the broker's reason, or that it was kept locally
     */
    public record Entry(long seq, String messageId, String topic, byte[] payload, OutboxEntry.Kind kind,
            Instant createdAt, Instant quarantinedAt, int reasonCode, String reason, byte[] correlationData) {

        /** A dead letter kept instead of published, rather than a message the broker refused. */
        public boolean keptLocally() {
            return reasonCode == Outbox.KEPT_LOCALLY;
        }

        /** No payload: where it was going and why it is here. */
        @Override
        public String toString() {
            return "Quarantined[" + seq + ", " + kind + ", " + topic + ", message " + messageId + ", " + payload.length
                    + " bytes, " + reason + "]";
        }
    }

    private static final String COLUMNS = "seq, message_id, topic, payload, kind, created_at, refused_at,"
            + " reason_code, reason, correlation_data";

    private final Outbox outbox;
    private final Connection db;
    private final Clock clock;

    OutboxQuarantine(Outbox outbox, Connection db, Clock clock) {
        this.outbox = outbox;
        this.db = db;
        this.clock = clock;
    }

    /** Every quarantined message, oldest first. */
    public List<Entry> list() {
        synchronized (outbox) {
            try (Statement statement = db.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT " + COLUMNS + " FROM quarantine ORDER BY seq")) {
                List<Entry> entries = new ArrayList<>();
                while (rows.next()) {
                    entries.add(entry(rows));
                }
                return entries;
            } catch (SQLException e) {
                throw outbox.failure("read the quarantine", e);
            }
        }
    }

    /** The quarantined message of that sequence number, if there is one. */
    public Optional<Entry> find(long seq) {
        synchronized (outbox) {
            try (PreparedStatement select = db.prepareStatement("SELECT " + COLUMNS
                    + " FROM quarantine WHERE seq = ?")) {
                select.setLong(1, seq);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(entry(rows)) : Optional.empty();
                }
            } catch (SQLException e) {
                throw outbox.failure("read the quarantine", e);
            }
        }
    }

    /** The complete raw input kept for a dead letter whose envelope carries only its start, if it is still kept. */
    public Optional<byte[]> rawInput(String messageId) {
        return outbox.rawInput(messageId);
    }

    /**
     * Deletes these quarantined messages and the raw inputs kept for them, in one transaction.
     *
     * @return how many there were
     */
    public int remove(Collection<Long> seqs) {
        synchronized (outbox) {
            int removed = outbox.inTransaction("remove messages from the quarantine", () -> {
                int count = 0;
                for (long seq : seqs) {
                    try (PreparedStatement raw = db.prepareStatement("DELETE FROM raw_input WHERE message_id ="
                            + " (SELECT message_id FROM quarantine WHERE seq = ?)");
                            PreparedStatement delete = db.prepareStatement("DELETE FROM quarantine WHERE seq = ?")) {
                        raw.setLong(1, seq);
                        raw.executeUpdate();
                        delete.setLong(1, seq);
                        count += delete.executeUpdate();
                    }
                }
                return count;
            });
            outbox.recount("recount after removing messages from the quarantine");
            return removed;
        }
    }

    /**
     * Moves a quarantined message back into the outbox, in one transaction: with its message id, topic, payload and
     * kind, behind everything waiting, so the publisher sends it again.
     *
     * @return its new sequence number in the outbox
     * @throws IllegalArgumentException when there is no such quarantined message
     * @throws OutboxException {@code outbox-full} when it does not fit under its cap
     */
    public long requeue(long seq) {
        synchronized (outbox) {
            Entry entry = find(seq).orElseThrow(() -> new IllegalArgumentException("No message #" + seq
                    + " in the quarantine of " + outbox.file()));
            boolean data = entry.kind() == OutboxEntry.Kind.DATA;
            long waiting = data ? outbox.dataBytes() : outbox.otherBytes();
            long cap = data ? outbox.budget().dataBytes() : outbox.budget().otherBytes();
            // A kept dead letter is under the cap of dead letters already, in the quarantine as in the outbox.
            if (!entry.keptLocally() && waiting + entry.payload().length > cap) {
                throw new OutboxException(OutboxException.OUTBOX_FULL, "The outbox " + outbox.file() + " has no room"
                        + " for message #" + seq + " (" + entry.payload().length + " bytes; " + waiting + " of " + cap
                        + " bytes in use, " + (data ? "mmi.outbox.max-mb" : "mmi.outbox.dead-letter-max-mb") + ")",
                        null);
            }
            long added = outbox.inTransaction("move message #" + seq + " from the quarantine to the outbox", () -> {
                long stored;
                try (PreparedStatement insert = db.prepareStatement("INSERT INTO outbox (message_id, topic, payload,"
                        + " kind, created_at, origin_at_micros, correlation_data) SELECT message_id, topic, payload,"
                        + " kind, ?, NULL, correlation_data FROM quarantine WHERE seq = ? RETURNING seq")) {
                    insert.setLong(1, clock.millis());
                    insert.setLong(2, seq);
                    try (ResultSet rows = insert.executeQuery()) {
                        rows.next();
                        stored = rows.getLong(1);
                    }
                }
                try (PreparedStatement delete = db.prepareStatement("DELETE FROM quarantine WHERE seq = ?")) {
                    delete.setLong(1, seq);
                    delete.executeUpdate();
                }
                return stored;
            });
            outbox.recount("recount after moving message #" + seq + " to the outbox");
            return added;
        }
    }

    private static Entry entry(ResultSet rows) throws SQLException {
        return new Entry(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getBytes(4),
                OutboxEntry.Kind.valueOf(rows.getString(5)), Instant.ofEpochMilli(rows.getLong(6)),
                Instant.ofEpochMilli(rows.getLong(7)), rows.getInt(8), rows.getString(9), rows.getBytes(10));
    }
}
