package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.sync.IpcMutex;

/**
 * Mutual exclusion of {@link IpcMutex} over a memory-mapped file: two actors, each with its own
 * {@code IpcMutex} instance of the same file (as two processes would have), increment a counter in
 * the mutex's protected data area with a plain read-modify-write and report the value they wrote.
 * Overlapping critical sections lose an update, and both report 1.
 *
 * <p>Creating a file per state would dominate the run, so one file serves the whole run: each state
 * takes its own 8-byte counter in a 1 MiB data area (cycled; a state is long finished when its
 * counter is reused).
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "actor1 entered first")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "actor2 entered first")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both were inside at once: lost update")
@Outcome(expect = FORBIDDEN, desc = "any other value: the lock let a stale or torn value through")
@State
public class IpcMutexMutualExclusionTest {
    private static final int COUNTERS = 1 << 17;
    private static final IpcMutex PROCESS_A;
    private static final IpcMutex PROCESS_B;
    private static final ByteBuffer DATA_A;
    private static final ByteBuffer DATA_B;
    private static int nextCounter;

    static {
        try {
            Path file = ShmDirectory.openDefault().resolve("jcstress-ipcmutex-" + ProcessHandle.current().pid());
            Files.deleteIfExists(file);
            PROCESS_A = IpcMutex.create(file, COUNTERS * 8);
            PROCESS_B = IpcMutex.open(file);
            Files.delete(file); // both mappings stay valid; nothing is left behind
            DATA_A = PROCESS_A.data();
            DATA_B = PROCESS_B.data();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final int offset;

    public IpcMutexMutualExclusionTest() {
        synchronized (IpcMutexMutualExclusionTest.class) {
            offset = (nextCounter++ & (COUNTERS - 1)) * 8;
        }
        DATA_A.putLong(offset, 0L); // published to the actors by jcstress's state hand-off
    }

    private int increment(IpcMutex mutex, ByteBuffer data) {
        mutex.lock();
        try {
            long v = data.getLong(offset) + 1; // plain read-modify-write: guarded by the lock only
            data.putLong(offset, v);
            return (int) v;
        } finally {
            mutex.unlock();
        }
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = increment(PROCESS_A, DATA_A);
    }

    @Actor
    public void actor2(II_Result r) {
        r.r2 = increment(PROCESS_B, DATA_B);
    }
}
