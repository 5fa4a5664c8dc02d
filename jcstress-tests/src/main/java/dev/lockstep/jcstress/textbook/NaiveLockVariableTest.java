package dev.lockstep.jcstress.textbook;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Textbook counter-example: the {@link NaiveLockVariable} does not exclude. Same shape as the lock
 * family's mutual-exclusion tests (two threads increment a plain field under the lock and report the
 * value they wrote), but here "1, 1" (both inside at once, one update lost) is the expected,
 * interesting failure rather than a forbidden one.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "actor1 entered first")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "actor2 entered first")
@Outcome(id = "1, 1", expect = ACCEPTABLE_INTERESTING, desc = "both saw the flag down and entered together: lost update")
@Outcome(expect = FORBIDDEN, desc = "any other value: two increments of 0 can only write 1 or 2")
@State
public class NaiveLockVariableTest {
    private final NaiveLockVariable lock = new NaiveLockVariable();
    private int counter; // plain: "guarded" by the broken lock

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
