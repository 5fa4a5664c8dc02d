package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Semaphore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Permit conservation of {@link Semaphore}: a semaphore with 2 permits; one thread takes 2 at once, the
 * other 1. Each holder adds its permits to a count of permits in use, records the count it
 * saw (its own included), takes them off again and releases. The arbiter reads the available permits,
 * which must be 2 again. An over-grant shows as a count above 2 (or the 2-permit holder seeing more than
 * its own); a lost or duplicated permit changes the final count.
 */
@JCStressTest
@Outcome(id = "2, 1, 2", expect = ACCEPTABLE,
        desc = "never more than 2 permits in use, 2 available at the end")
@Outcome(expect = FORBIDDEN, desc = "permits were over-granted, lost or duplicated")
@State
public class SemaphorePermitConservationTest {
    private final Semaphore semaphore = new Semaphore(2);
    private int inUse; // guarded by counterLock: permits in use
    private final Object counterLock = new Object();

    private int take(int n) {
        semaphore.acquireUninterruptibly(n);
        int seen;
        synchronized (counterLock) {
            inUse += n;
            seen = inUse;
        }
        synchronized (counterLock) {
            inUse -= n;
        }
        semaphore.release(n);
        return seen;
    }

    @Actor
    public void two(III_Result r) {
        r.r1 = take(2);
    }

    @Actor
    public void one(III_Result r) {
        r.r2 = take(1);
    }


    @Arbiter
    public void end(III_Result r) {
        r.r3 = semaphore.availablePermits();
    }
}
