package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Semaphore;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up when unfair {@link Semaphore}'s woken single-permit waiter loses its retry and naps
 * (the waiting layer's nap, {@code WaitQueue.wokenNapNanos}, taken by the semaphore since the
 * thirty-sixth round of issue 12): the napper keeps the waking token, so the releases during its nap
 * unpark nobody, and the timer at the nap's end must stand for them. The holder takes the one permit,
 * waits until the waiter is queued, then releases and at once acquires again (a barging thread ahead
 * of the woken waiter, which then usually finds no permit and naps), holds for a varying time and
 * releases for good. That last release lands before the waiter's retry, during its spin, during its
 * nap, or after it queued again: in every case the waiter must get the permit and terminate. A nap
 * that waited for an unpark instead of its timer (the broken variant run once by hand:
 * {@code LockSupport.park} in {@code SpinThenPark.nap}) leaves the waiter asleep beside a free permit
 * ({@code STALE} in 1 of 1,599 trials). (A woken waiter that kept the token when it succeeds does
 * not show here, where the waiter acquires once: {@code SemaphoreTest.manyThreadsOnOnePermitAllFinish}
 * and {@code SemaphoreWokenNapTest} catch it.)
 */
public final class SemaphoreWokenNapNoLostWakeupTest {
    private SemaphoreWokenNapNoLostWakeupTest() {
    }

    /**
     * Hold times after the re-acquisition, in microseconds, varied per trial (0..HOLD_MICROS-1, spread by a
     * stride): from before the woken waiter runs (a wake-up takes tens of microseconds) to past its
     * first nap (100 us and the timer's slack). Timed by the clock, not by spin steps, whose length
     * differs between processors.
     */
    private static final int HOLD_MICROS = 400;
    private static final AtomicInteger TRIAL = new AtomicInteger();

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter got the permit after the last release")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the permit is free and the napping or queued waiter sleeps")
    @State
    public static class Unfair {
        private static final VarHandle HELD;

        static {
            try {
                HELD = MethodHandles.lookup().findVarHandle(Unfair.class, "held", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Semaphore semaphore = new Semaphore(1);
        private final long holdNanos = (TRIAL.getAndIncrement() * 37L) % HOLD_MICROS * 1_000L;
        private boolean held;

        @Actor
        public void actor() {
            // Volatile reads: wait (spinning, not in the semaphore) until the signal thread holds the permit.
            while (!(boolean) HELD.getVolatile(this)) {
                Thread.onSpinWait();
            }
            semaphore.acquireUninterruptibly();
            semaphore.release();
        }

        @Signal
        public void signal() {
            semaphore.acquireUninterruptibly();
            HELD.setVolatile(this, true); // volatile: read by the actor above
            // Until the waiter is queued (hasQueuedThreads reads the queue head with a volatile read).
            while (!semaphore.hasQueuedThreads()) {
                Thread.onSpinWait();
            }
            semaphore.release();                // wakes the waiter (the waking token is set)
            semaphore.acquireUninterruptibly(); // barges ahead of it
            for (long start = System.nanoTime(); System.nanoTime() - start < holdNanos; ) {
                Thread.onSpinWait();
            }
            semaphore.release(); // the token is out: this release unparks nobody
        }
    }
}
