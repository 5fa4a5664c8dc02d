package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Latch;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in {@link Latch}: {@code countDown} racing with {@code await} (spinning, pushing
 * its node, or parked) must release the waiter.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter was released")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the waiter never returned")
@State
public class LatchLostWakeupTest {
    private final Latch latch = new Latch(1);

    @Actor
    public void actor() {
        try {
            latch.await();
        } catch (InterruptedException e) {
            // interrupted by the harness: terminate
        }
    }

    @Signal
    public void signal() {
        latch.countDown();
    }
}
