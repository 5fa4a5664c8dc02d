package dev.lockstep.jcstress.textbook;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link StrictAlternation} is mutually exclusive (its failure is progress, shown by the unit test
 * {@code StrictAlternationProgressTest}): two threads, identities 0 and 1, each enter once and
 * increment a plain field. Turns start with thread 0, so thread 0 always writes 1 and thread 1 writes
 * 2: a lost update ("1, 1") or thread 1 going first ("2, 1") is forbidden.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "thread 0 took its turn, then thread 1")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both were inside at once: lost update")
@Outcome(id = "2, 1", expect = FORBIDDEN, desc = "thread 1 entered before its turn")
@Outcome(expect = FORBIDDEN, desc = "any other value: a stale or torn value got through")
@State
public class StrictAlternationMutualExclusionTest {
    private final StrictAlternation turns = new StrictAlternation();
    private int counter; // plain: guarded by the turn

    private int increment(int me) {
        turns.enter(me);
        try {
            return ++counter;
        } finally {
            turns.exit(me);
        }
    }

    @Actor
    public void thread0(II_Result r) {
        r.r1 = increment(0);
    }

    @Actor
    public void thread1(II_Result r) {
        r.r2 = increment(1);
    }
}
