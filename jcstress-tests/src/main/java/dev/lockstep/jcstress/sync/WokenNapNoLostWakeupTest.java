package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Mutex;
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
 * No lost wake-up when a woken waiter loses its retry and naps (the waiting layer's nap,
 * {@code WaitQueue.wokenNapNanos}): in unfair {@link Mutex} (since the twentieth round of issue 12) and
 * in unfair {@link Semaphore}'s single-permit waits (since the thirty-sixth). The napper keeps the
 * waking token, so the releases during its nap unpark nobody, and the timer at the nap's end must
 * stand for them. The holder takes the lock (the one permit), waits until the waiter is queued, then
 * releases and at once acquires again (a barging thread ahead of the woken waiter, which then usually
 * finds it taken and naps), holds for a varying time and releases for good. That last release lands
 * before the waiter's retry, during its spin, during its nap, or after it queued again: in every case
 * the waiter must get the lock and terminate. A nap that waited for an unpark instead of its timer
 * (the broken variant run once by hand for each: {@code LockSupport.park} in {@code SpinThenPark.nap};
 * the semaphore's {@code STALE} in 1 of 1,599 trials) leaves the waiter asleep beside a free lock. (A
 * semaphore's woken waiter that kept the token when it succeeds does not show here, where the waiter
 * acquires once: {@code SemaphoreTest.manyThreadsOnOnePermitAllFinish} and {@code SemaphoreWokenNapTest}
 * catch it.)
 */
public final class WokenNapNoLostWakeupTest {
    private WokenNapNoLostWakeupTest() {
    }

    /**
     * Hold times after the re-acquisition, in microseconds, varied per trial (0..HOLD_MICROS-1, spread
     * by a stride): from before the woken waiter runs (a wake-up takes tens of microseconds) to past its
     * first nap (100 us and the timer's slack). Timed by the clock, not by spin steps, whose length
     * differs between processors.
     */
    private static final int HOLD_MICROS = 400;
    private static final AtomicInteger TRIAL = new AtomicInteger();

    /** The scenario, over the primitive's acquire, release and queue query. */
    abstract static class Scenario {
        private static final VarHandle HELD;

        static {
            try {
                HELD = MethodHandles.lookup().findVarHandle(Scenario.class, "held", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final long holdNanos = (TRIAL.getAndIncrement() * 37L) % HOLD_MICROS * 1_000L;
        private boolean held;

        abstract void acquire();

        abstract void release();

        abstract boolean hasQueuedThreads();

        /** The waiter: once the holder holds, acquires (it queues), then releases. */
        final void waiter() {
            // Volatile reads: wait (spinning, not in the primitive) until the holder holds it.
            while (!(boolean) HELD.getVolatile(this)) {
                Thread.onSpinWait();
            }
            acquire();
            release();
        }

        /** The holder: wakes the queued waiter, barges ahead of it, holds a while, releases for good. */
        final void holder() {
            acquire();
            HELD.setVolatile(this, true); // volatile: read by the waiter above
            // Until the waiter is queued (hasQueuedThreads reads the queue head with a volatile read).
            while (!hasQueuedThreads()) {
                Thread.onSpinWait();
            }
            release(); // wakes the waiter (the waking token is set)
            acquire(); // barges ahead of it
            for (long start = System.nanoTime(); System.nanoTime() - start < holdNanos; ) {
                Thread.onSpinWait();
            }
            release(); // the token is out: this release unparks nobody
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter got the lock after the last unlock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the lock is free and the napping or queued waiter sleeps")
    @State
    public static class UnfairMutex extends Scenario {
        private final Mutex mutex = new Mutex();

        @Override
        void acquire() {
            mutex.lock();
        }

        @Override
        void release() {
            mutex.unlock();
        }

        @Override
        boolean hasQueuedThreads() {
            return mutex.hasQueuedThreads();
        }

        @Actor
        public void actor() {
            waiter();
        }

        @Signal
        public void signal() {
            holder();
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter got the permit after the last release")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the permit is free and the napping or queued waiter sleeps")
    @State
    public static class BinarySemaphore extends Scenario {
        private final Semaphore semaphore = new Semaphore(1);

        @Override
        void acquire() {
            semaphore.acquireUninterruptibly();
        }

        @Override
        void release() {
            semaphore.release();
        }

        @Override
        boolean hasQueuedThreads() {
            return semaphore.hasQueuedThreads();
        }

        @Actor
        public void actor() {
            waiter();
        }

        @Signal
        public void signal() {
            holder();
        }
    }
}
