package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Mutex;
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
 * No lost wake-up when unfair {@link Mutex}'s woken waiter loses its retry and naps (the waiting
 * layer's nap, {@code WaitQueue.wokenNapNanos}): the napper keeps the waking token, so the releases
 * during its nap unpark nobody, and the timer at the nap's end must stand for them. The holder takes
 * the lock, waits until the waiter is queued, then unlocks and at once locks again (a barging thread
 * ahead of the woken waiter, which then usually finds the lock held and naps), holds for a varying
 * time and unlocks for good. That last unlock lands before the waiter's retry, during its spin, during
 * its nap, or after it queued again: in every case the waiter must get the lock and terminate.
 * A nap that waited for an unpark instead of its timer (the broken variant run once by hand:
 * {@code LockSupport.park} in {@code SpinThenPark.nap}) leaves the waiter asleep beside a free lock.
 */
public final class MutexWokenNapNoLostWakeupTest {
    private MutexWokenNapNoLostWakeupTest() {
    }

    /**
     * Hold times after the re-lock, in microseconds, varied per trial (0..HOLD_MICROS-1, spread by a
     * stride): from before the woken waiter runs (a wake-up takes tens of microseconds) to past its
     * first nap (100 us and the timer's slack). Timed by the clock, not by spin steps, whose length
     * differs between processors.
     */
    private static final int HOLD_MICROS = 400;
    private static final AtomicInteger TRIAL = new AtomicInteger();

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter got the lock after the last unlock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the lock is free and the napping or queued waiter sleeps")
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

        private final Mutex mutex = new Mutex();
        private final long holdNanos = (TRIAL.getAndIncrement() * 37L) % HOLD_MICROS * 1_000L;
        private boolean held;

        @Actor
        public void actor() {
            // Volatile reads: wait (spinning, not in the lock) until the signal thread holds the lock.
            while (!(boolean) HELD.getVolatile(this)) {
                Thread.onSpinWait();
            }
            mutex.lock();
            mutex.unlock();
        }

        @Signal
        public void signal() {
            mutex.lock();
            HELD.setVolatile(this, true); // volatile: read by the actor above
            // Until the waiter is queued (hasQueuedThreads reads the queue head with a volatile read).
            while (!mutex.hasQueuedThreads()) {
                Thread.onSpinWait();
            }
            mutex.unlock(); // wakes the waiter (the waking token is set)
            mutex.lock();   // barges ahead of it
            for (long start = System.nanoTime(); System.nanoTime() - start < holdNanos; ) {
                Thread.onSpinWait();
            }
            mutex.unlock(); // the token is out: this unlock unparks nobody
        }
    }
}
