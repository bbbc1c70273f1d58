package org.openjii.mmi.delivery;

import java.nio.file.Path;
import java.sql.SQLException;

import org.sqlite.SQLiteException;

/**
 * Why the outbox's database failed, from SQLite's primary result code (sqlite.org/rescode.html), with what an
 * operator should do about it. The driver's own message can hide the cause: after {@code SQLITE_FULL} SQLite has
 * already rolled the transaction back, and what reaches the caller is {@code cannot commit - no transaction is
 * active}.
 */
public enum OutboxFault {

    /** {@code SQLITE_FULL} (13): the file system has no room left. */
    DISK_FULL("disk-full"),
    /** {@code SQLITE_READONLY} (8): the file or its folder cannot be written. */
    READ_ONLY("read-only"),
    /** {@code SQLITE_IOERR} (10), {@code SQLITE_CANTOPEN} (14): the operating system refused a read or write. */
    IO_ERROR("io-error"),
    /** {@code SQLITE_CORRUPT} (11), {@code SQLITE_NOTADB} (26): the file is damaged or not a database. */
    CORRUPT("corrupt"),
    /** Anything else. */
    OTHER("other");

    private final String label;

    OutboxFault(String label) {
        this.label = label;
    }

    /** The fault of an exception from the SQLite driver (its cause chain is searched). */
    public static OutboxFault of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException sqlite) {
                return ofCode(sqlite.getResultCode().code);
            }
            if (t instanceof SQLException sql && sql.getErrorCode() != 0) {
                return ofCode(sql.getErrorCode());
            }
        }
        return OTHER;
    }

    private static OutboxFault ofCode(int code) {
        return switch (code & 0xFF) {
            case 13 -> DISK_FULL;
            case 8 -> READ_ONLY;
            case 10, 14 -> IO_ERROR;
            case 11, 26 -> CORRUPT;
            default -> OTHER;
        };
    }

    /** The tag value of the {@code mmi.outbox.store.failures} counter. */
    public String label() {
        return label;
    }

    /** What happened, for a log line and the readiness check: {@code disk full at /var/lib/mmi/outbox}. */
    public String describe(Path dir) {
        return switch (this) {
            case DISK_FULL -> "disk full at " + dir;
            case READ_ONLY -> "the outbox at " + dir + " is read-only";
            case IO_ERROR -> "I/O error at " + dir;
            case CORRUPT -> "the outbox database at " + dir + " is damaged";
            case OTHER -> "the outbox database at " + dir + " failed";
        };
    }
}
