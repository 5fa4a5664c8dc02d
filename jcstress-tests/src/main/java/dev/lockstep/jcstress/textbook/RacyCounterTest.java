package dev.lockstep.jcstress.textbook;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Textbook counter-example: {@code counter++} on a shared field from two threads, no lock. The
 * increment is a load, an add and a store; when both threads load 0 before either stores, one
 * update is lost and the final value is 1 (Silberschatz et al., <i>Operating System Concepts</i>,
 * ch. 6, the producer/consumer {@code count++} race; Tanenbaum, &sect;2.3.1 race conditions).
 */
@JCStressTest
@Outcome(id = "2", expect = ACCEPTABLE, desc = "the increments did not overlap")
@Outcome(id = "1", expect = ACCEPTABLE_INTERESTING, desc = "lost update: both read 0, both wrote 1 (the race this suite's locks prevent)")
@Outcome(expect = FORBIDDEN, desc = "any other value: two increments of 0 can only give 1 or 2")
@State
public class RacyCounterTest {
    private int counter; // plain and unguarded: the point of the test

    @Actor
    public void actor1() {
        counter++;
    }

    @Actor
    public void actor2() {
        counter++;
    }

    @Arbiter
    public void arbiter(I_Result r) {
        r.r1 = counter;
    }
}
