package org.openjii.mmi.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboxLockTest {

    @TempDir
    Path dir;

    @Test
    void theHolderWritesItsPidAndASecondOwnerIsRefusedNamingIt() throws Exception {
        OutboxLock lock = OutboxLock.acquire(dir);
        try {
            String pid = Long.toString(ProcessHandle.current().pid());
            assertThat(Files.readString(dir.resolve(Outbox.LOCK_FILE_NAME), StandardCharsets.UTF_8)).isEqualTo(pid);
            assertThatThrownBy(() -> OutboxLock.acquire(dir)).isInstanceOf(OutboxException.class)
                    .hasMessageContaining("is in use by mmi process " + pid)
                    .extracting(e -> ((OutboxException) e).reason())
                    .isEqualTo(OutboxException.OUTBOX_IN_USE);
        } finally {
            lock.release();
        }
    }

    @Test
    void aReleasedLockCanBeTakenAgainAndReleasingTwiceIsHarmless() {
        OutboxLock first = OutboxLock.acquire(dir);
        first.release();
        first.release();

        OutboxLock second = OutboxLock.acquire(dir);
        second.release();
    }

    @Test
    void aFolderThatCannotHoldTheLockFileIsAnOutboxError() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");

        assertThatThrownBy(() -> OutboxLock.acquire(file)).isInstanceOf(OutboxException.class)
                .hasMessageStartingWith("Cannot lock the outbox " + file.resolve(Outbox.LOCK_FILE_NAME))
                .extracting(e -> ((OutboxException) e).reason())
                .isEqualTo(OutboxException.OUTBOX_ERROR);
    }
}
