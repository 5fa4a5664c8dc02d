package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.ReadWriteMutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The read fast path of {@link ReadWriteMutex} against a thread that reads, then writes: a reader that
 * finds the state non-zero enters by a compare-and-set from the witness of its failed exchange from 0,
 * which must admit it while the other thread only reads (reader count 1) and refuse it while that
 * thread writes (writer bit); readers leave by a get-and-add. Two actors (jcstress skips tests with more
 * actors than CPUs, and CI has 2): {@code reader} reads x and y under the read lock (r1, r2) and
 * whether the lock is write-locked (r3: never while a read hold is held, since this test does not
 * downgrade; a direct observation of a reader admitted during a write, far likelier than a torn pair);
 * {@code readerThenWriter} reads x under the read lock, then sets x and then y to 1 under the write
 * lock.
 */
@JCStressTest
@Outcome(id = {"0, 0, 0", "1, 1, 0"}, expect = ACCEPTABLE,
        desc = "the reader saw the state before or after the write, and no writer during its read hold")
@Outcome(expect = FORBIDDEN, desc = "the reader saw a half-done write, or the writer bit set during its "
        + "read hold: it was admitted while the writer held the lock")
@State
public class ReadWriteMutexSharedReadersTest {
    private final ReadWriteMutex rw = new ReadWriteMutex();
    private int x; // plain: guarded by rw
    private int y;
    private int sink; // plain: the other thread's read, kept so that it is not optimised away

    @Actor
    public void reader(III_Result r) {
        rw.readLock().lock();
        try {
            r.r1 = x;
            r.r2 = y;
            r.r3 = rw.isWriteLocked() ? 1 : 0;
        } finally {
            rw.readLock().unlock();
        }
    }

    @Actor
    public void readerThenWriter() {
        rw.readLock().lock();
        try {
            sink = x;
        } finally {
            rw.readLock().unlock();
        }
        rw.writeLock().lock();
        try {
            x = 1;
            y = 1;
        } finally {
            rw.writeLock().unlock();
        }
    }
}
