package org.openjii.mmi.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.camel.spi.ExecutorServiceManager;
import org.openjii.mmi.observe.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;

/**
 * Larger than ~400 lines for its public surface (the overloads and accessors other packages call); the work is in
 * {@link OutboxTables} (statements), {@link OutboxRoom} (budgets), {@link OutboxSchema} and {@link OutboxLock}.
 * <p>
 * The durable outbox: every message is on disk before the route that produced it is done, and leaves only after its
 * PUBACK (or, refused by the broker, when its dead letter or quarantine record has taken its place, in the same
 * transaction).
 * <p>
 * Storage is an embedded SQLite database ({@code outbox.db}) in write-ahead-log mode with {@code synchronous=FULL}:
 * each append is a transaction that is on disk when {@link #append} returns, and SQLite recovers a consistent state
 * after {@code kill -9} or a power cut. Chosen over a directory of files because one message needs several fields
 * (topic, message id, kind) written atomically with the payload, the publisher reads in order and deletes in batches,
 * and depth, size and the age of the oldest entry are single indexed queries; SQLite is the most widely deployed
 * embedded store there is, and its durability rules are documented (sqlite.org/atomiccommit.html).
 * <p>
 * The sequence number ({@code INTEGER PRIMARY KEY AUTOINCREMENT}) never repeats, also after deletes and restarts, so
 * it is the publishing order: messages of one device leave in the order they arrived.
 * <p>
 * Bounded by a {@link OutboxBudget}: measurements have their own cap, which dead letters, command responses and the raw
 * inputs kept for dead letters cannot take (they share a second one), so a flood of bad requests cannot evict a
 * measurement. When a message does not fit under its cap, the {@link FullPolicy} decides: refuse it
 * ({@code outbox-full}: the route fails and says so) or drop the oldest messages of its budget to make room
 * ({@link OutboxRoom}). Both are logged (at most one line per {@value #LOG_WINDOW_SECONDS} s) and counted
 * ({@link #dropped()},
 * {@link #refusedFull()}). Raw inputs give way first: the oldest are deleted to make room, and none is kept longer
 * than the budget's maximum age.
 * <p>
 * A database failure is classified ({@link OutboxFault}: disk full, read-only, I/O error, damaged) and recorded in
 * {@link #faults()} for the readiness check and the failure counter. A damaged {@code outbox.db} found at open is moved
 * aside ({@code outbox.db.corrupt-<time>}) with one loud line, and a fresh one is started, so measuring goes on.
 * <p>
 * Messages the broker refuses are moved, intact, to the {@code quarantine} table of the same database, where an
 * operator can read them ({@code mmi dead-letters list}, or {@code sqlite3 outbox.db 'select * from quarantine'}); a
 * refused data message is replaced by its dead letter in the same transaction. With {@link DeadLetterMode#LOCAL} a
 * dead letter is never published: it goes to the quarantine too (reason code {@value #KEPT_LOCALLY}), under the cap
 * of dead letters ({@link OutboxQuarantine}; docs/dead-letters.md).
 * <p>
 * Thread-safe: one JDBC connection, every method synchronized (SQLite allows one writer at a time anyway).
 */
public final class Outbox implements AutoCloseable {

    /** What to do with a message that does not fit under the cap. */
    public enum FullPolicy {

        /** Refuse the new message: its route fails with {@code outbox-full}. */
        REJECT,
        /** Delete the oldest messages until the new one fits. */
        DROP_OLDEST;

        public static FullPolicy parse(String text) {
            try {
                return valueOf(text.trim().replace('-', '_').toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("mmi.outbox.full-policy must be reject or drop-oldest, was '" + text
                        + "'", e);
            }
        }
    }

    public static final String FILE_NAME = "outbox.db";
    /** Held by the process that has the outbox open (its PID inside). */
    public static final String LOCK_FILE_NAME = "outbox.lock";
    /** The quarantine's reason code of a dead letter kept there instead of published (not an MQTT reason code). */
    public static final int KEPT_LOCALLY = -1;
    static final String KEPT_LOCALLY_REASON = "kept locally (" + DeadLetterMode.SETTING + "=local)";

    /** At most one log line per this many seconds for refusals and drops (each is counted). */
    static final int LOG_WINDOW_SECONDS = 10;
    /** The name of the thread that loads SQLite's native library ahead of the first open. */
    static final String NATIVE_LIBRARY_LOADER = "MmiOutboxSqliteLoad";

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final Path file;
    private final Connection db;
    private final OutboxLock owner;
    private final OutboxBudget budget;
    private final FullPolicy policy;
    private final DeadLetterMode deadLetters;
    private final Clock clock;
    private final OutboxFaults faults = new OutboxFaults();
    private final RateLimitedLog refusals;
    private final OutboxRoom room;
    private final OutboxTables tables;
    /** Where a damaged file found at open was moved, or {@code null}. */
    private final Path movedAside;

    private Outbox(Path file, Connection db, OutboxLock owner, OutboxBudget budget, FullPolicy policy,
            DeadLetterMode deadLetters, Clock clock, Path movedAside) {
        this.file = file;
        this.db = db;
        this.owner = owner;
        this.budget = budget;
        this.policy = policy;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.movedAside = movedAside;
        this.refusals = new RateLimitedLog(LOG, Duration.ofSeconds(LOG_WINDOW_SECONDS), clock);
        this.room = new OutboxRoom(db, file, budget, policy, clock, refusals, this::failure);
        this.tables = new OutboxTables(db, clock);
        if (movedAside != null) {
            faults.counted(OutboxFault.CORRUPT);
        }
    }

    /**
     * Loads SQLite's native library on a daemon thread: the driver extracts it from its jar and compares it byte by
     * byte, 0.2–0.4 s while the JVM still interprets, which otherwise lands on the start-up's critical path in
     * {@link #open}. Opening waits for it (the driver's loader is synchronized); a failure here is reported there.
     */
    public static void loadNativeLibraryInBackground(ExecutorServiceManager threads) {
        threads.newThread(NATIVE_LIBRARY_LOADER, Outbox::loadNativeLibrary).start();
    }

    private static void loadNativeLibrary() {
        try {
            SQLiteJDBCLoader.initialize();
        } catch (Exception | LinkageError e) {
            LOG.debug("Loading SQLite's native library ahead of the outbox: {}", e.toString());
        }
    }

    /**
     * Opens (or creates) the outbox in {@code dir} with {@code maxBytes} for measurements and the default budget for
     * the rest ({@link OutboxBudget#forData}).
     *
     * @throws OutboxException when the directory or database cannot be created or opened; the message names it
     */
    public static Outbox open(Path dir, long maxBytes, FullPolicy policy, Clock clock) {
        return open(dir, OutboxBudget.forData(maxBytes), policy, clock);
    }

    /**
     * Opens (or creates) the outbox in {@code dir}. A damaged database is moved aside and a fresh one started.
     *
     * @throws OutboxException when the directory or database cannot be created or opened; the message names it
     */
    public static Outbox open(Path dir, OutboxBudget budget, FullPolicy policy, Clock clock) {
        return open(dir, budget, policy, DeadLetterMode.PUBLISH, clock);
    }

    /**
     * Opens (or creates) the outbox in {@code dir}, keeping dead letters as {@code deadLetters} says. A damaged
     * database is moved aside and a fresh one started.
     *
     * @throws OutboxException when the directory or database cannot be created or opened, or another process has it
     *     open ({@code outbox-in-use}); the message names it
     */
    public static Outbox open(Path dir, OutboxBudget budget, FullPolicy policy, DeadLetterMode deadLetters,
            Clock clock) {
        Path file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new OutboxException(OutboxException.OUTBOX_ERROR, "Cannot create the outbox directory " + dir
                    + " (mmi.outbox.dir): " + e, e);
        }
        OutboxLock owner = OutboxLock.acquire(dir);
        Connection db = null;
        try {
            Path movedAside = null;
            try {
                db = OutboxSchema.connect(file);
            } catch (SQLException e) {
                if (OutboxFault.of(e) != OutboxFault.CORRUPT) {
                    throw e;
                }
                movedAside = OutboxFaults.moveAside(file, e, clock);
                db = OutboxSchema.connect(file);
            }
            Outbox outbox = new Outbox(file, db, owner, budget, policy, deadLetters, clock, movedAside);
            outbox.room.recount();
            outbox.room.expireRawInputs();
            return outbox;
        } catch (SQLException e) {
            OutboxSchema.closeQuietly(db);
            owner.release();
            throw new OutboxException(OutboxException.OUTBOX_ERROR, "Cannot open the outbox " + file
                    + " (mmi.outbox.dir): " + OutboxFault.of(e).describe(dir) + " (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            OutboxSchema.closeQuietly(db);
            owner.release();
            throw e;
        }
    }

    /**
     * Stores a message; when this returns, it is on disk.
     *
     * @return its sequence number
     * @throws OutboxException {@code outbox-full} when it does not fit and the policy is
     *     {@link FullPolicy#REJECT}, {@code outbox-error} when the database fails
     */
    public synchronized long append(String messageId, String topic, byte[] payload, OutboxEntry.Kind kind,
            Instant originAt) {
        return append(messageId, topic, payload, kind, originAt, null);
    }

    /**
     * As {@link #append(String, String, byte[], OutboxEntry.Kind, Instant)}, and in the same transaction keeps the
     * complete raw input of a dead letter whose envelope could only carry its start, in the {@code raw_input} table
     * under the dead letter's message id. It stays there after the dead letter is delivered, for an operator.
     */
    public synchronized long append(String messageId, String topic, byte[] payload, OutboxEntry.Kind kind,
            Instant originAt, byte[] completeRawInput) {
        return append(messageId, topic, payload, kind, originAt, completeRawInput, null);
    }

    /**
     * As {@link #append(String, String, byte[], OutboxEntry.Kind, Instant, byte[])}, with the MQTT 5 correlation data
     * to publish the message with (a response to a remote command echoes its request's).
     */
    public synchronized long append(String messageId, String topic, byte[] payload, OutboxEntry.Kind kind,
            Instant originAt, byte[] completeRawInput, byte[] correlationData) {
        boolean data = kind == OutboxEntry.Kind.DATA;
        if (!data) {
            room.freeRawInputs(payload.length);
        }
        if (!room.fits(data, payload.length)) {
            room.makeRoom(data, payload.length, topic);
        }
        byte[] rawInput = completeRawInput == null ? null
                : room.roomForRawInput(completeRawInput, data ? 0 : payload.length, messageId);
        boolean kept = kind == OutboxEntry.Kind.DEAD_LETTER && deadLetters == DeadLetterMode.LOCAL;
        long seq = inTransaction((kept ? "keep a dead letter for " : "store a message for ") + topic, () -> {
            long stored = tables.insert(messageId, topic, payload, kind, originAt, correlationData);
            if (kept) {
                tables.keepInQuarantine(stored);
            }
            if (rawInput != null) {
                tables.keepRawInput(messageId, rawInput);
            }
            return stored;
        });
        if (kept) {
            room.kept(payload.length);
        } else {
            room.added(kind.name(), payload.length);
        }
        if (rawInput != null) {
            room.rawInputKept(rawInput.length);
        }
        return seq;
    }

    /** The complete raw input kept for a dead letter, if any. */
    public synchronized Optional<byte[]> rawInput(String messageId) {
        try {
            return tables.rawInput(messageId);
        } catch (SQLException e) {
            throw failure("read a raw input", e);
        }
    }

    /** Up to {@code limit} messages after {@code seq}, oldest first. */
    public synchronized List<OutboxEntry> after(long seq, int limit) {
        try {
            return tables.after(seq, limit);
        } catch (SQLException e) {
            throw failure("read messages", e);
        }
    }

    /** Removes delivered messages, in one transaction. */
    public synchronized void remove(Collection<Long> seqs) {
        if (seqs.isEmpty()) {
            return;
        }
        List<Long> all = List.copyOf(seqs);
        inTransaction("remove delivered messages", () -> {
            tables.delete(all, room::removed);
            return null;
        });
    }

    /**
     * Takes a refused message out of the outbox, in one transaction: the message itself moves to the quarantine
     * table (intact, with the broker's reason), and its dead letter, if any, takes its place in the outbox. A crash
     * leaves either the message or both records, never neither. The dead letter is stored even over the cap: it
     * takes the place of the message it describes.
     *
     * @param deadLetter the dead letter to publish instead (or, {@link DeadLetterMode#LOCAL}, to keep in the
     *     quarantine too), or {@code null} (a refused dead letter is not dead-lettered again)
     * @return the dead letter's sequence number, or -1 without one
     */
    public synchronized long refuse(OutboxEntry entry, int reasonCode, String reason, DeadLetter deadLetter) {
        return inTransaction("move a refused message to the quarantine", () -> {
            tables.quarantine(entry, reasonCode, reason);
            tables.delete(List.of(entry.seq()), room::removed);
            if (deadLetter == null) {
                return -1L;
            }
            long added = tables.insert(deadLetter.messageId(), deadLetter.topic(), deadLetter.payload(),
                    OutboxEntry.Kind.DEAD_LETTER, null, null);
            if (deadLetters == DeadLetterMode.LOCAL) {
                tables.keepInQuarantine(added);
                room.kept(deadLetter.payload().length);
            } else {
                room.added(OutboxEntry.Kind.DEAD_LETTER.name(), deadLetter.payload().length);
            }
            return added;
        });
    }

    /** Whether dead letters are kept in the quarantine instead of published ({@link DeadLetterMode#LOCAL}). */
    public DeadLetterMode deadLetters() {
        return deadLetters;
    }

    /** A dead letter to store in place of a refused message. */
    public record DeadLetter(String messageId, String topic, byte[] payload) {
    }

    /** A unit of work in one transaction; counters are recounted if it fails, so they never drift. */
    @FunctionalInterface
    interface Work<T> {

        T run() throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction. When it fails, the first failure is the one reported: after
     * {@code SQLITE_FULL} SQLite has already rolled back, so the rollback and the return to auto-commit fail too
     * ({@code no transaction is active}), and those are only attached to it.
     */
    <T> T inTransaction(String what, Work<T> work) {
        try {
            db.setAutoCommit(false);
        } catch (SQLException e) {
            throw failure(what, e);
        }
        try {
            T result = work.run();
            db.commit();
            faults.wrote();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                db.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            try {
                room.recount();
            } catch (SQLException recount) {
                e.addSuppressed(recount);
            }
            if (e instanceof SQLException sql) {
                throw failure(what, sql);
            }
            throw (RuntimeException) e;
        } finally {
            try {
                db.setAutoCommit(true);
            } catch (SQLException e) {
                // SQLite ended the transaction itself (it rolls back on SQLITE_FULL): there was nothing to commit.
                LOG.debug("The outbox {} is back in auto-commit: {}", file, e.getMessage());
            }
        }
    }

    /** Messages waiting. */
    public synchronized long depth() {
        return room.entries();
    }

    /** Payload bytes waiting, measurements and the rest. */
    public synchronized long bytes() {
        return room.dataBytes() + room.otherBytes();
    }

    /** Payload bytes of measurements waiting (against {@code mmi.outbox.max-mb}). */
    public synchronized long dataBytes() {
        return room.dataBytes();
    }

    /**
     * Payload bytes of dead letters and responses waiting, and of the raw inputs kept (against
     * {@code mmi.outbox.dead-letter-max-mb}).
     */
    public synchronized long otherBytes() {
        return room.deadLetterBytes();
    }

    /** Bytes of the complete raw inputs kept for dead letters. */
    public synchronized long rawInputBytes() {
        return room.rawInputBytes();
    }

    /** When the oldest waiting message entered the outbox, if any is waiting. */
    public synchronized Optional<Instant> oldest() {
        try {
            return tables.oldest();
        } catch (SQLException e) {
            throw failure("read the oldest message", e);
        }
    }

    /** The quarantine: refused messages and the dead letters kept locally, to list, export and republish. */
    public OutboxQuarantine quarantine() {
        return new OutboxQuarantine(this, db, clock);
    }

    /** The counters from the tables again, after {@link OutboxQuarantine} moved or deleted rows. */
    synchronized void recount(String what) {
        try {
            room.recount();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Messages in the quarantine table. */
    public synchronized long quarantined() {
        try {
            return tables.quarantined();
        } catch (SQLException e) {
            throw failure("count quarantined messages", e);
        }
    }

    /** Messages dropped to make room since the outbox was opened ({@link FullPolicy#DROP_OLDEST}). */
    public synchronized long dropped() {
        return room.dropped();
    }

    /** Messages refused because the outbox was full since it was opened ({@link FullPolicy#REJECT}). */
    public synchronized long refusedFull() {
        return room.refusedFull();
    }

    /** Of {@link #refusedFull()}, the measurements. */
    public synchronized long refusedFullData() {
        return room.refusedFullData();
    }

    /** Dead letters stored without their complete raw input, for want of room. */
    public synchronized long rawInputsNotKept() {
        return room.rawInputsNotKept();
    }

    /** The cap on measurements. */
    public long maxBytes() {
        return budget.dataBytes();
    }

    public OutboxBudget budget() {
        return budget;
    }

    /** The failures since the outbox was opened, and the current problem. */
    public OutboxFaults faults() {
        return faults;
    }

    /** Where a damaged file found at open was moved aside, if one was. */
    public Optional<Path> movedAside() {
        return Optional.ofNullable(movedAside);
    }

    public Path file() {
        return file;
    }

    /** The exception for a database failure, with its real cause; recorded in {@link #faults()}. */
    OutboxException failure(String what, SQLException e) {
        OutboxFault fault = OutboxFault.of(e);
        String message = "The outbox " + file + " could not " + what + ": " + fault.describe(file.getParent()) + " ("
                + e.getMessage() + ")";
        faults.failed(fault, message, clock.instant());
        return new OutboxException(OutboxException.OUTBOX_ERROR, message, e);
    }

    @Override
    public synchronized void close() {
        OutboxSchema.closeQuietly(db);
        owner.release();
    }
}
