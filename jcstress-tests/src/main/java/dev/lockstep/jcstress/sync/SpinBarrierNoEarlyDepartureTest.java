package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.SpinBarrier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No thread leaves a {@link SpinBarrier} round before all parties arrived: each of two parties writes a
 * plain field before {@code await} and reads the other's after it; it must see the write (the write
 * precedes the other's arrival, which precedes the round's release). r3, r4: arrival indices, which
 * must be {1, 0} in some order.
 */
@JCStressTest
@Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE, desc = "actor1 arrived first")
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE, desc = "actor2 arrived first")
@Outcome(expect = FORBIDDEN, desc = "a party left before the other arrived (missed its write), or wrong arrival indices")
@State
public class SpinBarrierNoEarlyDepartureTest {
    private final SpinBarrier barrier = new SpinBarrier(2);
    private int a; // plain: published by the barrier
    private int b;

    private int await() {
        return barrier.await();
    }

    @Actor
    public void actor1(IIII_Result r) {
        a = 1;
        r.r3 = await();
        r.r1 = b;
    }

    @Actor
    public void actor2(IIII_Result r) {
        b = 1;
        r.r4 = await();
        r.r2 = a;
    }
}
