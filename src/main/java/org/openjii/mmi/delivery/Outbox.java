package org.openjii.mmi.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.util.concurrent.CamelThreadFactory;
import org.openjii.mmi.observe.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.sqlite.SQLiteJDBCLoader;

/**
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
 * ({@code outbox-full}: the route fails and says so) or drop the oldest messages of its budget to
 * make room. Both are logged (at most one line per {@value #LOG_WINDOW_SECONDS} s) and counted ({@link #dropped()},
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
    /** Sequence numbers per DELETE statement, well under SQLite's limit of bound parameters (32,766). */
    private static final int DELETE_CHUNK = 500;

    /** At most one log line per this many seconds for refusals and drops (each is counted). */
    static final int LOG_WINDOW_SECONDS = 10;
    /** The name of the thread that loads SQLite's native library ahead of the first open. */
    static final String NATIVE_LIBRARY_LOADER = "MmiOutboxSqliteLoad";

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

    private final Path file;
    private final Connection db;
    private final FileLock owner;
    private final OutboxBudget budget;
    private final FullPolicy policy;
    private final DeadLetterMode deadLetters;
    private final Clock clock;
    private final OutboxFaults faults = new OutboxFaults();
    private final RateLimitedLog refusals;
    /** Where a damaged file found at open was moved, or {@code null}. */
    private final Path movedAside;
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

    private Outbox(Path file, Connection db, FileLock owner, OutboxBudget budget, FullPolicy policy,
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

    /**
     * As {@link #loadNativeLibraryInBackground(ExecutorServiceManager)}, for a caller without a CamelContext: a daemon
     * thread named by Camel's {@link CamelThreadFactory}, which ends by itself once the library is loaded.
     */
    public static void loadNativeLibraryInBackground() {
        new CamelThreadFactory("#name#", NATIVE_LIBRARY_LOADER, true).newThread(Outbox::loadNativeLibrary).start();
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
        FileLock owner = own(dir);
        Connection db = null;
        try {
            Path movedAside = null;
            try {
                db = connect(file);
            } catch (SQLException e) {
                if (OutboxFault.of(e) != OutboxFault.CORRUPT) {
                    throw e;
                }
                movedAside = OutboxFaults.moveAside(file, e, clock);
                db = connect(file);
            }
            Outbox outbox = new Outbox(file, db, owner, budget, policy, deadLetters, clock, movedAside);
            outbox.count();
            outbox.expireRawInputs();
            return outbox;
        } catch (SQLException e) {
            closeQuietly(db);
            release(owner);
            throw new OutboxException(OutboxException.OUTBOX_ERROR, "Cannot open the outbox " + file
                    + " (mmi.outbox.dir): " + OutboxFault.of(e).describe(dir) + " (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            closeQuietly(db);
            release(owner);
            throw e;
        }
    }

    /** Opens the database, creates or upgrades its tables, and checks every page ({@code PRAGMA quick_check}). */
    private static Connection connect(Path file) throws SQLException {
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement statement = db.createStatement()) {
            statement.execute("PRAGMA journal_mode=WAL");
            // FULL: the write-ahead log is synced on every commit, so an append survives a power cut too.
            statement.execute("PRAGMA synchronous=FULL");
            statement.execute("PRAGMA busy_timeout=5000");
            statement.execute("CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                    + " message_id TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,"
                    + " kind TEXT NOT NULL, created_at INTEGER NOT NULL, origin_at_micros INTEGER)");
            statement.execute("CREATE TABLE IF NOT EXISTS raw_input (message_id TEXT PRIMARY KEY,"
                    + " raw BLOB NOT NULL, kept_at INTEGER NOT NULL)");
            statement.execute("CREATE INDEX IF NOT EXISTS raw_input_kept_at ON raw_input (kept_at)");
            statement.execute("CREATE TABLE IF NOT EXISTS quarantine (seq INTEGER PRIMARY KEY,"
                    + " message_id TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL, kind TEXT NOT NULL,"
                    + " created_at INTEGER NOT NULL, refused_at INTEGER NOT NULL, reason_code INTEGER NOT NULL,"
                    + " reason TEXT NOT NULL)");
            // An outbox written without the correlation data columns gets them on open.
            addColumnIfMissing(statement, "outbox", "correlation_data", "BLOB");
            addColumnIfMissing(statement, "quarantine", "correlation_data", "BLOB");
            // A damaged page the statements above did not read (a truncated file, a bad sector) shows here.
            try (ResultSet check = statement.executeQuery("PRAGMA quick_check(1)")) {
                String verdict = check.next() ? check.getString(1) : "no answer";
                if (!"ok".equals(verdict)) {
                    throw new SQLiteException("quick_check: " + verdict, SQLiteErrorCode.SQLITE_CORRUPT);
                }
            }
            return db;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(db);
            throw e;
        }
    }

    /**
     * One process per outbox: an exclusive lock on {@value #LOCK_FILE_NAME} in {@code dir}, held until
     * {@link #close()} (the operating system drops it when the process dies, also on {@code kill -9}). SQLite would let
     * a second process in, and two publishers would send every message twice, and with the same client id take each
     * other's MQTT session over (a {@code mmi measure --publish} or {@code mmi backfill} next to a running bridge).
     */
    private static FileLock own(Path dir) {
        Path lockFile = dir.resolve(LOCK_FILE_NAME);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM
            }
            if (lock == null) {
                String holder = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
                channel.close();
                throw new OutboxException(OutboxException.OUTBOX_IN_USE, "The outbox " + dir + " (mmi.outbox.dir) is"
                        + " in use by " + (holder.isEmpty() ? "another mmi" : "mmi process " + holder) + ": two"
                        + " publishers on one outbox would send every message twice. Stop that one, or give this one"
                        + " its own mmi.outbox.dir (and its own mmi.mqtt.client-id)", null);
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid())
                    .getBytes(StandardCharsets.UTF_8)));
            return lock;
        } catch (IOException e) {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException ignored) {
                // The failure below says what went wrong.
            }
            throw new OutboxException(OutboxException.OUTBOX_ERROR, "Cannot lock the outbox " + lockFile
                    + " (mmi.outbox.dir): " + e, e);
        }
    }

    private static void release(FileLock lock) {
        try {
            lock.channel().close(); // releases the lock
        } catch (IOException e) {
            LOG.warn("Releasing the outbox lock failed: {}", e.getMessage());
        }
    }

    private static void addColumnIfMissing(Statement statement, String table, String column, String type)
            throws SQLException {
        try (ResultSet columns = statement.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (columns.next()) {
                if (column.equals(columns.getString("name"))) {
                    return;
                }
            }
        }
        statement.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + type);
    }

    private void count() throws SQLException {
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
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT coalesce(sum(length(raw)), 0) FROM raw_input")) {
            rows.next();
            rawInputBytes = rows.getLong(1);
        }
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT coalesce(sum(length(payload)), 0) FROM quarantine"
                        + " WHERE reason_code = " + KEPT_LOCALLY)) {
            rows.next();
            keptBytes = rows.getLong(1);
        }
    }

    /** Bytes against the cap of dead letters: waiting dead letters and responses, raw inputs, kept dead letters. */
    private long deadLetterBytes() {
        return otherBytes + rawInputBytes + keptBytes;
    }

    /** Adds or takes away a message's payload from its budget's count. */
    private void counted(String kind, long payloadBytes) {
        if (OutboxEntry.Kind.DATA.name().equals(kind)) {
            dataBytes += payloadBytes;
        } else {
            otherBytes += payloadBytes;
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
            freeRawInputs(payload.length);
        }
        if (data ? dataBytes + payload.length > budget.dataBytes()
                : deadLetterBytes() + payload.length > budget.otherBytes()) {
            makeRoom(data, payload.length, topic);
        }
        byte[] rawInput = completeRawInput == null ? null
                : roomForRawInput(completeRawInput, data ? 0 : payload.length, messageId);
        boolean kept = kind == OutboxEntry.Kind.DEAD_LETTER && deadLetters == DeadLetterMode.LOCAL;
        long seq = inTransaction((kept ? "keep a dead letter for " : "store a message for ") + topic, () -> {
            long stored = insert(messageId, topic, payload, kind, originAt, correlationData);
            if (kept) {
                keepInQuarantine(stored);
            }
            if (rawInput != null) {
                try (PreparedStatement keep = db.prepareStatement("INSERT OR REPLACE INTO raw_input (message_id, raw,"
                        + " kept_at) VALUES (?, ?, ?)")) {
                    keep.setString(1, messageId);
                    keep.setBytes(2, rawInput);
                    keep.setLong(3, clock.millis());
                    keep.executeUpdate();
                }
            }
            return stored;
        });
        if (kept) {
            keptBytes += payload.length;
        } else {
            entries++;
            counted(kind.name(), payload.length);
        }
        if (rawInput != null) {
            rawInputBytes += rawInput.length;
        }
        return seq;
    }

    /**
     * The raw input if it fits the budget of dead letters, with {@code alsoNeeded} bytes of its dead letter, once the
     * expired and then the oldest raw inputs are deleted; else {@code null}: the dead letter is stored with the start
     * its envelope carries, and that is logged and counted ({@link #rawInputsNotKept()}).
     */
    private byte[] roomForRawInput(byte[] rawInput, int alsoNeeded, String messageId) {
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
    private void freeRawInputs(long needed) {
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
            throw failure("make room for dead letters", e);
        }
    }

    /** Deletes the raw inputs kept longer than the budget allows. */
    private void expireRawInputs() throws SQLException {
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

    /** The complete raw input kept for a dead letter, if any. */
    public synchronized Optional<byte[]> rawInput(String messageId) {
        try (PreparedStatement select = db.prepareStatement("SELECT raw FROM raw_input WHERE message_id = ?")) {
            select.setString(1, messageId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getBytes(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read a raw input", e);
        }
    }

    private long insert(String messageId, String topic, byte[] payload, OutboxEntry.Kind kind, Instant originAt,
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

    private void makeRoom(boolean data, int needed, String topic) {
        long cap = data ? budget.dataBytes() : budget.otherBytes();
        String capKey = data ? "mmi.outbox.max-mb" : "mmi.outbox.dead-letter-max-mb";
        String what = data ? "measurements" : "dead letters and responses";
        if (policy == FullPolicy.REJECT || needed > cap) {
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
                    counted(data ? OutboxEntry.Kind.DATA.name() : OutboxEntry.Kind.DEAD_LETTER.name(),
                            -rows.getLong(1));
                    entries--;
                    droppedNow++;
                }
            }
        } catch (SQLException e) {
            throw failure("drop old messages", e);
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
                        + " quarantine WHERE reason_code = " + KEPT_LOCALLY + ") AND seq < coalesce((SELECT min(seq)"
                        + " FROM outbox WHERE kind <> 'DATA'), 9223372036854775807) RETURNING length(payload)")) {
            if (!rows.next()) {
                return false;
            }
            keptBytes -= rows.getLong(1);
            return true;
        }
    }

    /** Up to {@code limit} messages after {@code seq}, oldest first. */
    public synchronized List<OutboxEntry> after(long seq, int limit) {
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
            // One statement per chunk: through JDBC, preparing and running a statement per row costs more than the
            // deletes themselves.
            for (int from = 0; from < all.size(); from += DELETE_CHUNK) {
                List<Long> chunk = all.subList(from, Math.min(all.size(), from + DELETE_CHUNK));
                try (PreparedStatement delete = db.prepareStatement("DELETE FROM outbox WHERE seq IN ("
                        + "?,".repeat(chunk.size() - 1) + "?) RETURNING length(payload), kind")) {
                    for (int i = 0; i < chunk.size(); i++) {
                        delete.setLong(i + 1, chunk.get(i));
                    }
                    try (ResultSet rows = delete.executeQuery()) {
                        while (rows.next()) {
                            counted(rows.getString(2), -rows.getLong(1));
                            entries--;
                        }
                    }
                }
            }
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
            delete(entry.seq());
            if (deadLetter == null) {
                return -1L;
            }
            long added = insert(deadLetter.messageId(), deadLetter.topic(), deadLetter.payload(),
                    OutboxEntry.Kind.DEAD_LETTER, null, null);
            if (deadLetters == DeadLetterMode.LOCAL) {
                keepInQuarantine(added);
                keptBytes += deadLetter.payload().length;
            } else {
                entries++;
                counted(OutboxEntry.Kind.DEAD_LETTER.name(), deadLetter.payload().length);
            }
            return added;
        });
    }

    /**
     * Moves a dead letter just inserted (and not yet counted) to the quarantine, as kept locally: it takes its
     * sequence number along, which the outbox never gives out again.
     */
    private void keepInQuarantine(long seq) throws SQLException {
        try (PreparedStatement move = db.prepareStatement("INSERT INTO quarantine (seq, message_id, topic, payload,"
                + " kind, created_at, refused_at, reason_code, reason, correlation_data) SELECT seq, message_id, topic,"
                + " payload, kind, created_at, ?, ?, ?, correlation_data FROM outbox WHERE seq = ?")) {
            move.setLong(1, clock.millis());
            move.setInt(2, KEPT_LOCALLY);
            move.setString(3, KEPT_LOCALLY_REASON);
            move.setLong(4, seq);
            move.executeUpdate();
        }
        try (PreparedStatement delete = db.prepareStatement("DELETE FROM outbox WHERE seq = ?")) {
            delete.setLong(1, seq);
            delete.executeUpdate();
        }
    }

    /** Whether dead letters are kept in the quarantine instead of published ({@link DeadLetterMode#LOCAL}). */
    public DeadLetterMode deadLetters() {
        return deadLetters;
    }

    /** A dead letter to store in place of a refused message. */
    public record DeadLetter(String messageId, String topic, byte[] payload) {
    }

    private void delete(long seq) throws SQLException {
        try (PreparedStatement delete = db.prepareStatement("DELETE FROM outbox WHERE seq = ?"
                + " RETURNING length(payload), kind")) {
            delete.setLong(1, seq);
            try (ResultSet rows = delete.executeQuery()) {
                if (rows.next()) {
                    counted(rows.getString(2), -rows.getLong(1));
                    entries--;
                }
            }
        }
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
                count();
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
        return entries;
    }

    /** Payload bytes waiting, measurements and the rest. */
    public synchronized long bytes() {
        return dataBytes + otherBytes;
    }

    /** Payload bytes of measurements waiting (against {@code mmi.outbox.max-mb}). */
    public synchronized long dataBytes() {
        return dataBytes;
    }

    /**
     * Payload bytes of dead letters and responses waiting, and of the raw inputs kept (against
     * {@code mmi.outbox.dead-letter-max-mb}).
     */
    public synchronized long otherBytes() {
        return deadLetterBytes();
    }

    /** Bytes of the complete raw inputs kept for dead letters. */
    public synchronized long rawInputBytes() {
        return rawInputBytes;
    }

    /** When the oldest waiting message entered the outbox, if any is waiting. */
    public synchronized Optional<Instant> oldest() {
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT created_at FROM outbox ORDER BY seq LIMIT 1")) {
            return rows.next() ? Optional.of(Instant.ofEpochMilli(rows.getLong(1))) : Optional.empty();
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
            count();
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /** Messages in the quarantine table. */
    public synchronized long quarantined() {
        try (Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM quarantine")) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw failure("count quarantined messages", e);
        }
    }

    /** Messages dropped to make room since the outbox was opened ({@link FullPolicy#DROP_OLDEST}). */
    public synchronized long dropped() {
        return dropped;
    }

    /** Messages refused because the outbox was full since it was opened ({@link FullPolicy#REJECT}). */
    public synchronized long refusedFull() {
        return refusedFull;
    }

    /** Of {@link #refusedFull()}, the measurements. */
    public synchronized long refusedFullData() {
        return refusedFullData;
    }

    /** Dead letters stored without their complete raw input, for want of room. */
    public synchronized long rawInputsNotKept() {
        return rawInputsNotKept;
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
        closeQuietly(db);
        if (owner.isValid()) {
            release(owner);
        }
    }

    private static void closeQuietly(Connection db) {
        if (db == null) {
            return;
        }
        try {
            db.close();
        } catch (SQLException e) {
            LOG.warn("Closing the outbox database failed: {}", e.getMessage());
        }
    }
}
