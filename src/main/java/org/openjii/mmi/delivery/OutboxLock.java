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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process per outbox: an exclusive lock on {@value Outbox#LOCK_FILE_NAME} in the outbox's folder, with the PID of
 * the process that holds it inside, held until {@link #release()} (the operating system drops it when the process
 * dies, also on {@code kill -9}). SQLite would let a second process in, and two publishers would send every message
 * twice, and with the same client id take each other's MQTT session over (a {@code mmi measure --publish} or
 * {@code mmi backfill} next to a running bridge).
 */
final class OutboxLock {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxLock.class);

    private final FileLock lock;

    private OutboxLock(FileLock lock) {
        this.lock = lock;
    }

    /**
     * Takes the lock of the outbox in {@code dir}.
     *
     * @throws OutboxException {@code outbox-in-use}, naming the PID that holds it, when another process (or another
     *     outbox of this one) has it; {@code outbox-error} when the lock file cannot be written
     */
    static OutboxLock acquire(Path dir) {
        Path lockFile = dir.resolve(Outbox.LOCK_FILE_NAME);
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
            return new OutboxLock(lock);
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

    /** Lets go of the lock, if it is still held. */
    void release() {
        if (!lock.isValid()) {
            return;
        }
        try {
            lock.channel().close(); // releases the lock
        } catch (IOException e) {
            LOG.warn("Releasing the outbox lock failed: {}", e.getMessage());
        }
    }
}
