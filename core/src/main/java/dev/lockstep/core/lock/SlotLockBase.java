package dev.lockstep.core.lock;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.ThreadSlots;
import dev.lockstep.core.internal.Waits;

/**
 * Base of the locks written for a fixed number of threads (Peterson, filter, Bakery): each contender
 * needs an identity {@code 0 .. maxThreads-1}. A thread borrows a slot ({@link ThreadSlots}) when it
 * starts acquiring and gives it back when it unlocks, or when it gives up (timeout, interrupt,
 * {@code tryLock} failure). So any number of threads may use the lock over time -- thread pools,
 * virtual threads -- and at most {@code maxThreads} of them contend or hold it at once; a further
 * contender waits for a slot ({@link SpinPolicy}, honouring its interrupt and timeout) before it enters
 * the algorithm, and {@code tryLock()} fails when no slot is free.
 *
 * <p>Cost: borrowing a slot is one compare-and-set and giving it back one release store, per
 * acquisition, on top of the algorithm; the algorithms themselves (entry protocol, waiting, unlock)
 * still use loads and stores only. Waiting for a slot is not FIFO: a first-come-first-served
 * guarantee (Bakery) holds among the threads that have a slot.
 *
 * <p>A thread that terminates holding the lock keeps its slot and the lock stays held (as with any
 * lock whose holder dies without unlocking); its slot is never given to another thread.
 *
 * <p>{@code tryLock()} runs the entry protocol once and withdraws instead of waiting. Two threads
 * calling it at the same moment may therefore both give way (each sees the other mid-entry), even
 * though neither ends up holding the lock: jcstress reports that outcome as interesting, not
 * forbidden. It never lets both in.
 *
 * <p>A blocking acquisition first runs {@code tryLock()}'s attempt; only if that fails does it wait
 * (and the JFR {@code ContendedAcquire} event starts, see {@link SpinLockBase}). A failed attempt left
 * no trace (withdrawn, slot given back), so the wait is an arrival like any other: the algorithms'
 * properties hold as before, measured from that arrival's doorway.
 *
 * <p>Implementation notes. {@code heldSlot} is plain: it is written by the holder after it acquired
 * and read by the same thread in {@code release()}. A slot is given back only after {@link #withdraw}
 * has put its announcement back at rest (release store), so the next borrower starts from "not
 * trying" (see {@link ThreadSlots} for the hand-over ordering).
 */
abstract class SlotLockBase extends SpinLockBase {
    final ThreadSlots slots;
    /** The slot of the current holder; meaningful to the holder only. */
    private int heldSlot = -1;

    SlotLockBase(int maxThreads, int limit) {
        if (maxThreads < 2 || maxThreads > limit) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": maxThreads must be between 2 and "
                    + limit + ", was " + maxThreads);
        }
        this.slots = new ThreadSlots(maxThreads);
    }

    /**
     * The number of threads that may contend for or hold this lock at the same time.
     *
     * @return the {@code maxThreads} given at construction
     */
    public final int maxThreads() {
        return slots.capacity();
    }

    /** Runs the entry protocol once for slot {@code me}; withdraws and returns false if it would wait. */
    abstract boolean tryEnter(int me);

    /**
     * Runs the entry protocol for slot {@code me}, waiting as {@code mode} says.
     *
     * @return true once entered; false when a timed wait reached its deadline (after withdrawing)
     * @throws InterruptedException in the interruptible modes (after withdrawing)
     */
    abstract boolean enter(int me, int mode, long deadline) throws InterruptedException;

    /**
     * Resets slot {@code me}'s announcement (flag, level or number) to "not trying", with a release store
     * so that the critical section's writes are visible before others see it. Used by unlock and by a
     * waiter that gives up: in these algorithms, leaving without entering is the same as entering and
     * leaving at once. Idempotent.
     */
    abstract void withdraw(int me);

    @Override
    final boolean tryAcquire() {
        int me = slots.tryClaim();
        if (me < 0) {
            return false; // maxThreads other threads are contending or holding
        }
        boolean entered = false;
        try {
            entered = tryEnter(me);
        } finally {
            if (!entered) {
                giveBack(me);
            }
        }
        if (entered) {
            heldSlot = me;
        }
        return entered;
    }

    @Override
    final boolean acquire(int mode, long deadline) throws InterruptedException {
        // The uncontended path: a slot claim and the entry protocol, each once, as in the wait below
        // (which would do the same work when nothing makes it wait).
        if (tryAcquire()) {
            return true;
        }
        return acquireContended(mode, deadline); // a method of its own: keeps this path small to inline
    }

    /**
     * The wait, after a failed first attempt (which withdrew and gave its slot back, so this is a fresh
     * arrival: it claims a slot and runs the whole entry protocol again).
     */
    @Override
    boolean awaitAfterFailedAttempt(int mode, long deadline) throws InterruptedException {
        int me = slots.claim(mode, deadline);
        if (me < 0) {
            return false; // timed out waiting for a slot
        }
        boolean entered = false;
        try {
            entered = enter(me, mode, deadline);
        } finally {
            if (!entered) {
                giveBack(me); // timeout, interrupt, or an unexpected Error while waiting
            }
        }
        if (entered) {
            heldSlot = me;
        }
        return entered;
    }

    @Override
    final void release() {
        int me = heldSlot;
        heldSlot = -1;
        giveBack(me);
    }

    /** Withdraws slot {@code me} (idempotent) and then gives the slot back. */
    private void giveBack(int me) {
        withdraw(me);
        slots.release(me);
    }

    /**
     * One step of a wait: idles per {@link SpinPolicy}, or withdraws slot {@code me} and gives up.
     *
     * @return the next step, or -1 when a timed wait reached its deadline (after withdrawing)
     * @throws InterruptedException when interruptible and interrupted (after withdrawing)
     */
    final int idleOrWithdraw(int me, int mode, long deadline, int step) throws InterruptedException {
        boolean giveUp;
        try {
            giveUp = Waits.shouldGiveUp(mode, deadline);
        } catch (InterruptedException e) {
            withdraw(me);
            throw e;
        }
        if (giveUp) {
            withdraw(me);
            return -1;
        }
        return SpinPolicy.idle(step);
    }
}
