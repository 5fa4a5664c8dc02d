package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.ReadWriteMutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Writer-versus-reader exclusion of {@link ReadWriteMutex}: a writer sets x and then y to 1 under the
 * write lock; a reader reads both under the read lock. A reader overlapping the writer could see
 * x and y differ.
 */
@JCStressTest
@Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "the reader saw the state before or after the write")
@Outcome(expect = FORBIDDEN, desc = "the reader saw a half-done write")
@State
public class ReadWriteMutexReadWriteExclusionTest {
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
    public void reader(II_Result r) {
        rw.readLock().lock();
        try {
            r.r1 = x;
            r.r2 = y;
        } finally {
            rw.readLock().unlock();
        }
    }
}
