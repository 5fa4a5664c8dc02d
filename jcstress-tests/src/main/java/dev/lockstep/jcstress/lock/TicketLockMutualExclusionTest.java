package dev.lockstep.jcstress.lock;

import dev.lockstep.core.lock.TicketLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Mutual exclusion of {@link TicketLock}: two threads increment a plain field under the lock and
 * report the value they wrote. Overlapping critical sections lose an update, and both report 1.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "actor1 entered first")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "actor2 entered first")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both were inside at once: lost update")
@Outcome(expect = FORBIDDEN, desc = "any other value: the lock let a stale or torn value through")
@State
public class TicketLockMutualExclusionTest {
    private final TicketLock lock = new TicketLock();
    private int counter; // plain: guarded by the lock

    private int increment() {
        lock.lock();
        try {
            return ++counter;
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
