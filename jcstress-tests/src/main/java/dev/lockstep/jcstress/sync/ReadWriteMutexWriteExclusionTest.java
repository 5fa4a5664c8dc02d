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
 * Mutual exclusion of the write side of {@link ReadWriteMutex}: two writers increment a plain field
 * (each acquisition taken twice, reentrantly) and report the value they wrote.
 */
@JCStressTest
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE,
        desc = "the writers ran one after the other")
@Outcome(expect = FORBIDDEN, desc = "two writers overlapped: lost update")
@State
public class ReadWriteMutexWriteExclusionTest {
    private final ReadWriteMutex rw = new ReadWriteMutex();
    private int counter; // plain: guarded by the write lock

    private int increment() {
        rw.writeLock().lock();
        try {
            rw.writeLock().lock();
            try {
                return ++counter;
            } finally {
                rw.writeLock().unlock();
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = increment();
    }

    @Actor
    public void actor2(II_Result r) {
        r.r2 = increment();
    }

}
