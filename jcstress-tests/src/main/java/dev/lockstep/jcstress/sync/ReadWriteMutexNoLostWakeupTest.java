package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.ReadWriteMutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in {@link ReadWriteMutex}'s release/acquire handshakes, including the pending
 * wake-up of the non-fair mode (one woken waiter, or one run of woken readers, at a time; a release
 * skips its wake-up while one is pending). The signal thread takes the lock (read or write side) and
 * tells the waiter, which then locks its side and so must wait. The holder unlocks a varying short time
 * after the waiter started, then at once takes the write lock again (a barging writer: it often wins
 * against the woken waiter, which then queues again at the head and gives its pending wake-up back),
 * holds it a varying time and unlocks. The unlocks land before the waiter's CAS, during its spin,
 * between its last check and the linking of its node, after it parked, or while it is woken and
 * retrying (the hold times vary from trial to trial over about three times the spin phase): in every
 * case the waiter must get the lock and terminate. The handshakes: a releaser's volatile RMW of the
 * state, then volatile reads of the queue head and of the pending-wake-up count, against a waiter's
 * volatile write (its link, or its pending wake-up given back) and its re-check of both under the
 * queue lock; in fair mode the direct hand-off of the same re-check.
 *
 * <p>The {@code ReaderRun} cases queue two readers behind the writer (the actor starts a helper
 * thread that read-locks too, queued before or after the actor, and joins it): the release grants the
 * two as one run, unparks only the first (after the queue lock), and the first woken reader unparks
 * the second ({@code WaitQueue.grantRun}, AQS's shared-mode propagation). The actor terminates only
 * if both readers got the lock: a reader left parked with its grant is a lost wake-up.
 *
 * <p>{@code ReaderRunThenWriter} queues a reader (a helper thread) and then a writer (the actor)
 * behind the holder's write lock; the release wakes the run of one reader while the writer stays
 * queued, and the holder then comes back as an arriving reader (timed {@code tryLock}, which respects
 * queued writers), which queues behind the writer, gives up, or takes a read hold where it finds
 * none counted. Whether the woken reader's part of the pending count is taken off before or after
 * the other reader leaves, the queued writer must be woken, and then the queued reader.
 */
public final class ReadWriteMutexNoLostWakeupTest {
    private ReadWriteMutexNoLostWakeupTest() {
    }

    /**
     * Hold times in Thread.onSpinWait() steps: about three times the fair mode's spin phase
     * (lockstep.spins, 100); the non-fair mode spins lockstep.bargeSpins (4) steps, so it is more often
     * parked when the release lands.
     */
    private static final int HOLD_STEPS = 320;
    private static final AtomicInteger TRIAL = new AtomicInteger();

    /** The lock, with a look at its queued threads (the protected {@code getQueuedThreads}). */
    static final class Probe extends ReadWriteMutex {
        private static final long serialVersionUID = 1L;

        Probe(boolean fair) {
            super(fair);
        }

        /** Whether at least {@code n} threads are queued and every queued thread is parked. */
        boolean parked(int n) {
            Collection<Thread> queued = getQueuedThreads();
            if (queued.size() < n) {
                return false;
            }
            for (Thread t : queued) {
                if (t.getState() != Thread.State.WAITING) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The common state: the lock, which sides the two threads take, and the handshake flags. */
    abstract static class Base {
        private static final VarHandle HELD;
        private static final VarHandle LOCKING;

        static {
            try {
                HELD = MethodHandles.lookup().findVarHandle(Base.class, "held", boolean.class);
                LOCKING = MethodHandles.lookup().findVarHandle(Base.class, "locking", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Probe rw;
        /** The holder comes back as a reader (through the queue-respecting timed tryLock), not as a writer. */
        private final boolean rereads;
        private final Lock holderSide;
        private final Lock waiterSide;
        private final int waiters;
        private final int trial = TRIAL.getAndIncrement();
        private final int holdSteps = (trial * 37) % HOLD_STEPS;
        private final int reholdSteps = (trial * 53) % HOLD_STEPS;
        private boolean held;
        /** How many waiting threads are about to lock (1, or 2 in the reader-run cases). */
        private int locking;

        Base(boolean fair, boolean holderWrites, boolean waiterWrites) {
            this(fair, holderWrites, waiterWrites, 1);
        }

        Base(boolean fair, boolean holderWrites, boolean waiterWrites, int waiters) {
            this(fair, holderWrites, waiterWrites, waiters, false);
        }

        Base(boolean fair, boolean holderWrites, boolean waiterWrites, int waiters, boolean rereads) {
            this.waiters = waiters;
            this.rereads = rereads;
            rw = new Probe(fair);
            holderSide = holderWrites ? rw.writeLock() : rw.readLock();
            waiterSide = waiterWrites ? rw.writeLock() : rw.readLock();
        }

        void waiter() {
            awaitHeld();
            lockOnce(waiterSide, false);
        }

        /**
         * A helper thread read-locks first; this thread then write-locks, queued behind it; returns
         * once both have locked.
         */
        void readerThenWriter() {
            awaitHeld();
            Thread helper = new Thread(() -> lockOnce(rw.readLock(), false));
            helper.setDaemon(true); // a lost wake-up leaves it parked: it must not keep the fork alive
            helper.start();
            lockOnce(rw.writeLock(), true);
            joinUninterruptibly(helper);
        }

        /**
         * Two readers (the waiter side must be the read side): a helper thread and this one, the
         * helper queued first or second; returns once both have read-locked.
         */
        void readerRun(boolean helperFirst) {
            awaitHeld();
            Thread helper = new Thread(() -> lockOnce(waiterSide, !helperFirst));
            helper.setDaemon(true); // a lost wake-up leaves it parked: it must not keep the fork alive
            helper.start();
            lockOnce(waiterSide, helperFirst);
            joinUninterruptibly(helper);
        }

        private static void joinUninterruptibly(Thread helper) {
            // Uninterruptible, as lock(): the actor ends only once the helper has read-locked too.
            boolean interrupted = false;
            while (helper.isAlive()) {
                try {
                    helper.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private void awaitHeld() {
            // Volatile reads: wait (spinning, not in the lock) until the signal thread holds the lock.
            while (!(boolean) HELD.getVolatile(this)) {
                Thread.onSpinWait();
            }
        }

        /** Locks and unlocks {@code side}; {@code second}: first waits (bounded) until another thread is queued. */
        private void lockOnce(Lock side, boolean second) {
            for (int i = 0; second && i < 20_000 && rw.getQueueLength() == 0; i++) {
                Thread.onSpinWait();
            }
            LOCKING.getAndAdd(this, 1); // volatile RMW: counted by the holder below
            side.lock();
            side.unlock();
        }

        void holder() {
            holderSide.lock();
            HELD.setVolatile(this, true); // volatile: read by the waiter above
            // Volatile reads: wait until the waiters are about to lock, so that the varying holds below
            // place the unlocks in varying phases of their lock() even on a loaded machine.
            while ((int) LOCKING.getVolatile(this) < waiters) {
                Thread.onSpinWait();
            }
            // Reader runs: wait (bounded, about 10 ms) until both readers are queued and parked, so
            // that the release grants them as one run and only the chain can wake the second.
            for (int i = 0; waiters > 1 && i < 10_000 && !rw.parked(waiters); i++) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < holdSteps; i++) {
                Thread.onSpinWait();
            }
            holderSide.unlock();
            if (rereads) {
                // Back as an arriving reader: queues behind the writer (bounded, so that a lost
                // wake-up shows as the actor's STALE, not here).
                try {
                    if (rw.readLock().tryLock(100, TimeUnit.MILLISECONDS)) {
                        for (int i = 0; i < reholdSteps; i++) {
                            Thread.onSpinWait();
                        }
                        rw.readLock().unlock();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            // Barge back in as a writer (tryLock barges in both modes), often ahead of the woken waiter.
            if (rw.writeLock().tryLock()) {
                for (int i = 0; i < reholdSteps; i++) {
                    Thread.onSpinWait();
                }
                rw.writeLock().unlock();
            }
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiting reader got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the lock is free and the reader sleeps")
    @State
    public static class ReaderAfterWriter extends Base {
        public ReaderAfterWriter() {
            super(false, true, false);
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
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiting writer got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the lock is free and the writer sleeps")
    @State
    public static class WriterAfterReader extends Base {
        public WriterAfterReader() {
            super(false, false, true);
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
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiting writer got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the lock is free and the writer sleeps")
    @State
    public static class WriterAfterWriter extends Base {
        public WriterAfterWriter() {
            super(false, true, true);
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
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiting reader got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost hand-off: the lock is free and the reader sleeps")
    @State
    public static class FairReaderAfterWriter extends Base {
        public FairReaderAfterWriter() {
            super(true, true, false);
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
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiting writer got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost hand-off: the lock is free and the writer sleeps")
    @State
    public static class FairWriterAfterReader extends Base {
        public FairWriterAfterReader() {
            super(true, false, true);
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
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "both queued readers got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: a reader of the woken run sleeps")
    @State
    public static class ReaderRunHelperFirst extends Base {
        public ReaderRunHelperFirst() {
            super(false, true, false, 2);
        }

        @Actor
        public void actor() {
            readerRun(true);
        }

        @Signal
        public void signal() {
            holder();
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "both queued readers got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: a reader of the woken run sleeps")
    @State
    public static class ReaderRunActorFirst extends Base {
        public ReaderRunActorFirst() {
            super(false, true, false, 2);
        }

        @Actor
        public void actor() {
            readerRun(false);
        }

        @Signal
        public void signal() {
            holder();
        }
    }

    @JCStressTest(Mode.Termination)
    @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the queued reader and the writer behind it got the lock")
    @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the writer (or the woken reader) sleeps")
    @State
    public static class ReaderRunThenWriter extends Base {
        public ReaderRunThenWriter() {
            super(false, true, false, 2, true);
        }

        @Actor
        public void actor() {
            readerThenWriter();
        }

        @Signal
        public void signal() {
            holder();
        }
    }
}
