package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.IncompatibleFileException;

/**
 * A header with a valid checksum but size parameters the file cannot hold (forged, or written by a
 * buggy tool) is refused at open with {@link IncompatibleFileException} naming the parameter, instead
 * of opening and failing later with an {@link IndexOutOfBoundsException}.
 */
class ForgedHeaderTest {
    @TempDir
    Path dir;

    interface Opener {
        AutoCloseable open(Path p) throws Exception;
    }

    private void assertRefused(Path p, int param, long forged, String named, Opener opener) throws Exception {
        byte[] bytes = Files.readAllBytes(p);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        b.putLong(FileLayout.PARAMS_OFFSET + 8 * param, forged);
        b.putInt(FileLayout.CHECKSUM_OFFSET, FileLayout.checksum(b));
        Files.write(p, bytes);
        IncompatibleFileException e = assertThrows(IncompatibleFileException.class, () -> opener.open(p).close(),
                "forged " + named + " " + forged);
        assertTrue(e.getMessage().contains(named), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(p), "left untouched");
    }

    @Test
    void mutexDataLengthBeyondTheFile() throws Exception {
        Path p = dir.resolve("m");
        IpcMutex.create(p, 64).close();
        assertRefused(p, IpcMutexDescriptor.PARAM_DATA_LENGTH, 1 << 20, "data length", IpcMutex::open);
        assertRefused(p, IpcMutexDescriptor.PARAM_DATA_LENGTH, -8, "data length", IpcMutex::open);
    }

    @Test
    void semaphoreSlotsBeyondTheFileAndNegativePermits() throws Exception {
        Path p = dir.resolve("s");
        IpcSemaphore.create(p, 2, 2).close();
        assertRefused(p, IpcSemaphoreDescriptor.PARAM_SLOTS, 1000, "process slots", IpcSemaphore::open);
        Path q = dir.resolve("s2");
        IpcSemaphore.create(q, 2, 2).close();
        assertRefused(q, IpcSemaphoreDescriptor.PARAM_PERMITS, -1, "permits", IpcSemaphore::open);
    }

    @Test
    void barrierPartiesBeyondTheFile() throws Exception {
        Path p = dir.resolve("b");
        IpcBarrier.create(p, 2).close();
        assertRefused(p, IpcBarrierDescriptor.PARAM_PARTIES, 100_000, "parties", IpcBarrier::open);
    }
}
