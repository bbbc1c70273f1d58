package org.openjii.mmi.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What went wrong with an outbox since it was opened: every failure counted by its {@link OutboxFault}, and the
 * current problem, which stands until a write succeeds again (a damaged file stands until the next start moves it
 * aside). Read by the readiness check and the {@code mmi.outbox.store.failures} counter.
 */
public final class OutboxFaults {

    /** The problem now: what failed, as logged, and since when. */
    public record Problem(OutboxFault fault, String message, Instant since) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(OutboxFaults.class);

    private final Map<OutboxFault, Long> counts = new EnumMap<>(OutboxFault.class);
    private Problem current;

    synchronized void failed(OutboxFault fault, String message, Instant at) {
        counts.merge(fault, 1L, Long::sum);
        if (current == null || current.fault() != fault) {
            current = new Problem(fault, message, at);
        }
    }

    /** A failure that is over already (a damaged file moved aside at open): counted, no current problem. */
    synchronized void counted(OutboxFault fault) {
        counts.merge(fault, 1L, Long::sum);
    }

    /** A write transaction went through: the problem is over, unless the file is damaged. */
    synchronized void wrote() {
        if (current != null && current.fault() != OutboxFault.CORRUPT) {
            current = null;
        }
    }

    /** The problem now, if any. */
    public synchronized Optional<Problem> current() {
        return Optional.ofNullable(current);
    }

    /** Failures of this kind since the outbox was opened. */
    public synchronized long count(OutboxFault fault) {
        return counts.getOrDefault(fault, 0L);
    }

    /**
     * Moves a damaged database (and its write-ahead log) aside as {@code outbox.db.corrupt-<time>}, with one loud line:
     * what waited in it is not sent, and an operator can try to recover it ({@code sqlite3 ... .recover}).
     */
    static Path moveAside(Path file, SQLException damage, Clock clock) throws SQLException {
        String suffix = ".corrupt-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC)
                .format(clock.instant());
        Path aside = file.resolveSibling(Outbox.FILE_NAME + suffix);
        try {
            Files.move(file, aside);
            for (String companion : List.of("-wal", "-shm")) {
                Path log = file.resolveSibling(Outbox.FILE_NAME + companion);
                if (Files.exists(log)) {
                    Files.move(log, file.resolveSibling(Outbox.FILE_NAME + suffix + companion));
                }
            }
        } catch (IOException e) {
            SQLException failure = new SQLException("The outbox " + file + " is damaged (" + damage.getMessage()
                    + ") and cannot be moved aside: " + e, damage);
            failure.addSuppressed(e);
            throw failure;
        }
        LOG.error("The outbox {} is damaged ({}): moved it aside to {} and started an empty one, so measuring goes on;"
                + " the messages that waited in it were not sent (recover them with: sqlite3 {} .recover)", file,
                damage.getMessage(), aside.getFileName(), aside);
        return aside;
    }
}
