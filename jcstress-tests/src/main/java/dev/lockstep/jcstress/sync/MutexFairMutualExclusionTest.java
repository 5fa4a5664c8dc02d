package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Mutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Mutual exclusion of a fair {@link Mutex}: two threads increment a plain field under the lock (the
 * second acquisition reentrant) and report the value they wrote. Overlapping critical sections lose an
 * update and two threads report the same value. Run it also with {@code -jvmArgsPrepend
 * "-Dlockstep.spins=0 -Dlockstep.yields=0"} so that waiters park at once (the queue path).
 */
@JCStressTest
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE,
        desc = "the two critical sections ran one after the other")
@Outcome(expect = FORBIDDEN, desc = "two critical sections overlapped: lost update")
@State
public class MutexFairMutualExclusionTest {
    private final Mutex lock = new Mutex(true);
    private int counter; // plain: guarded by the lock

    private int increment() {
        lock.lock();
        try {
            lock.lock(); // reentrant
            try {
                return ++counter;
            } finally {
                lock.unlock();
            }
        } finally {
            lock.unlock();
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
