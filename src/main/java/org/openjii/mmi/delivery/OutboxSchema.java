package org.openjii.mmi.delivery;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The outbox's SQLite database: write-ahead log, {@code synchronous=FULL}, and three tables ({@code outbox},
 * {@code raw_input}, {@code quarantine}), created or upgraded on open, every page checked.
 */
final class OutboxSchema {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxSchema.class);

    private OutboxSchema() {
    }

    /**
     * Opens the database, creates or upgrades its tables, and checks every page ({@code PRAGMA quick_check}).
     *
     * @throws SQLException a damaged file fails with {@code SQLITE_CORRUPT} ({@link OutboxFault#CORRUPT})
     */
    static Connection connect(Path file) throws SQLException {
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

    /** Closes {@code db}, if there is one; a failure is only logged. */
    static void closeQuietly(Connection db) {
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
