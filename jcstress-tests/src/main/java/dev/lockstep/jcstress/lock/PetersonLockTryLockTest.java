package dev.lockstep.jcstress.lock;

import dev.lockstep.core.lock.PetersonLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@code tryLock()} exclusion of {@link PetersonLock}: each thread increments a plain field if
 * {@code tryLock()} succeeds and reports the value written, or -1 if it failed. Two successes that
 * overlap both report 1.
 */
@JCStressTest
@Outcome(id = {"1, 2", "2, 1"}, expect = ACCEPTABLE, desc = "both acquired, one after the other")
@Outcome(id = {"1, -1", "-1, 1"}, expect = ACCEPTABLE, desc = "one acquired, the other found it held")
@Outcome(id = "-1, -1", expect = ACCEPTABLE_INTERESTING,
        desc = "both gave way: each was the victim when it looked (tryLock fails rather than wait)")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both were inside at once: lost update")
@Outcome(expect = FORBIDDEN, desc = "any other value")
@State
public class PetersonLockTryLockTest {
    private final PetersonLock lock = new PetersonLock();
    private int counter; // plain: guarded by the lock

    private int tryIncrement() {
        if (!lock.tryLock()) {
            return -1;
        }
        try {
            return ++counter;
        } finally {
            lock.unlock();
        }
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = tryIncrement();
    }

    @Actor
    public void actor2(II_Result r) {
        r.r2 = tryIncrement();
    }
}
