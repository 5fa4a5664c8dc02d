package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Barrier;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in {@link Barrier}: the first party waits (spinning, then parked); the second
 * party's arrival must release it, whatever the interleaving with its push onto the waiter stack.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiting party was released")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the waiting party never returned")
@State
public class BarrierLostWakeupTest {
    private final Barrier barrier = new Barrier(2);

    @Actor
    public void actor() {
        try {
            barrier.await();
        } catch (Exception e) {
            // interrupted by the harness: terminate
        }
    }

    @Signal
    public void signal() {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
