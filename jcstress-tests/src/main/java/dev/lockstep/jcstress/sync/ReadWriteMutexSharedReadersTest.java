package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.ReadWriteMutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two readers and a writer on a {@link ReadWriteMutex}: the read fast path's second step (a reader
 * that finds other readers enters by a compare-and-set from the witness of its failed exchange from 0)
 * and the releasing get-and-add must still exclude the writer. The writer sets x and then y to 1 under
 * the write lock; each reader reads both under the read lock (r1, r2 and r3, r4).
 */
@JCStressTest
@Outcome(id = {"0, 0, 0, 0", "0, 0, 1, 1", "1, 1, 0, 0", "1, 1, 1, 1"}, expect = ACCEPTABLE,
        desc = "each reader saw the state before or after the write")
@Outcome(expect = FORBIDDEN, desc = "a reader saw a half-done write")
@State
public class ReadWriteMutexSharedReadersTest {
    private final ReadWriteMutex rw = new ReadWriteMutex();
    private int x; // plain: guarded by rw
    private int y;

    @Actor
    public void writer() {
        rw.writeLock().lock();
        try {
            x = 1;
            y = 1;
        } finally {
            rw.writeLock().unlock();
        }
    }

    @Actor
    public void reader1(IIII_Result r) {
        rw.readLock().lock();
        try {
            r.r1 = x;
            r.r2 = y;
        } finally {
            rw.readLock().unlock();
        }
    }

    @Actor
    public void reader2(IIII_Result r) {
        rw.readLock().lock();
        try {
            r.r3 = x;
            r.r4 = y;
        } finally {
            rw.readLock().unlock();
        }
    }
}
