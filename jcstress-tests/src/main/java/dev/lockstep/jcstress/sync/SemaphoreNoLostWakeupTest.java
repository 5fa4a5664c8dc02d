package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Semaphore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up between {@link Semaphore#release()} and a blocked
 * {@link Semaphore#acquireUninterruptibly()} on a semaphore with no permits: the release may come
 * before the acquirer checks, while it spins, while it enqueues, or after it parked.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the acquirer got the released permit")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: a permit is available but the acquirer sleeps")
@State
public class SemaphoreNoLostWakeupTest {
    private final Semaphore semaphore = new Semaphore(0);

    @Actor
    public void acquirer() {
        semaphore.acquireUninterruptibly();
    }

    @Signal
    public void release() {
        semaphore.release();
    }
}
