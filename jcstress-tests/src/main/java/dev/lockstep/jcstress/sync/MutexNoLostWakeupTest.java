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
 * No lost wake-up in {@link Mutex}'s release/acquire handshake: the signal thread takes the lock and tells
 * the waiter, which then calls {@code lock()} and so finds the lock held; the holder unlocks a varying short time after the waiter
 * has started its {@code lock()}. The unlock lands before the waiter's CAS, during its spin,
 * between its last check and the linking of its node, or after it parked (the hold time varies from
 * trial to trial over about the spin phase's length, so that every one of these windows is hit): in
 * every case the waiter must get the lock and terminate. In unfair mode this is the handshake of the
 * release (volatile store of 0, then a volatile read of the queue head) against the waiter's re-check of
 * the lock word after linking its node; in fair mode, the PARKED bit of the lock word against the
 * unlock's CAS.
 */
public final class MutexNoLostWakeupTest {
    private MutexNoLostWakeupTest() {
    }

    /**
     * Hold times after the waiter starts its lock(), in Thread.onSpinWait() steps, varied per trial
     * (0..HOLD_STEPS-1, spread by a stride): about three times the waiter's spin phase
     * ({@code lockstep.spins}, 100 by default, in fair mode; the unfair mode's barging spin,
     * {@code lockstep.bargeSpins}, is 4 steps), so that the unlock often lands after it queued.
     */
    private static final int HOLD_STEPS = 320;
    private static final AtomicInteger TRIAL = new AtomicInteger();

    /** The common state: the mutex and the "signal thread holds it" flag. */
    abstract static class Base {
        private static final VarHandle HELD;
        private static final VarHandle LOCKING;

        static {
            try {
                HELD = MethodHandles.lookup().findVarHandle(Base.class, "held", boolean.class);
                LOCKING = MethodHandles.lookup().findVarHandle(Base.class, "locking", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Mutex mutex;
        private final int holdSteps = (TRIAL.getAndIncrement() * 37) % HOLD_STEPS;
        private boolean held;
        private boolean locking;

        Base(boolean fair) {
            mutex = new Mutex(fair);
        }

        void waiter() {
            // Volatile reads: wait (spinning, not in the lock) until the signal thread holds the lock.
            while (!(boolean) HELD.getVolatile(this)) {
                Thread.onSpinWait();
            }
            LOCKING.setVolatile(this, true); // volatile: read by the holder below
            mutex.lock();
            mutex.unlock();
        }

        void holder() {
            mutex.lock();
            HELD.setVolatile(this, true); // volatile: read by the waiter above
            // Volatile reads: wait until the waiter runs and is about to lock, so that the varying
            // hold below places the unlock in a varying phase of its lock() even on a loaded machine.
            while (!(boolean) LOCKING.getVolatile(this)) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < holdSteps; i++) {
                Thread.onSpinWait();
            }
            mutex.unlock();
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter got the lock after the unlock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the lock is free and the waiter sleeps")
    @State
    public static class Unfair extends Base {
        public Unfair() {
            super(false);
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
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter got the lock after the unlock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the lock is free and the waiter sleeps")
    @State
    public static class Fair extends Base {
        public Fair() {
            super(true);
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
