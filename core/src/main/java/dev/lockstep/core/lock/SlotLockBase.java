package dev.lockstep.core.lock;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.ThreadSlots;
import dev.lockstep.core.internal.Waits;

/**
 * Base of the locks written for a fixed number of threads (Peterson, filter, Bakery): each thread
 * needs an identity {@code 0 .. maxThreads-1}. Slots are assigned on a thread's first acquisition and
 * kept until the thread calls {@link #releaseThreadSlot()} or terminates (a terminated thread's slot
 * is reclaimed by the next thread that finds none free). When more live threads than slots use the
 * lock, the acquiring call throws {@link IllegalStateException} naming the limit, before it touches
 * the lock's state. See {@link ThreadSlots}.
 *
 * <p>{@code tryLock()} runs the entry protocol once and withdraws instead of waiting. Two threads
 * calling it at the same moment may therefore both give way (each sees the other mid-entry), even
 * though neither ends up holding the lock: jcstress reports that outcome as interesting, not
 * forbidden. It never lets both in.
 */
abstract class SlotLockBase extends SpinLockBase {
    final ThreadSlots slots;

    SlotLockBase(int maxThreads, int limit) {
        if (maxThreads < 2 || maxThreads > limit) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": maxThreads must be between 2 and "
                    + limit + ", was " + maxThreads);
        }
        this.slots = new ThreadSlots(maxThreads, getClass().getSimpleName());
    }

    /** The number of threads that may use this lock at the same time. */
    public final int maxThreads() {
        return slots.capacity();
    }

    /**
     * Gives the current thread's slot back so another thread may use the lock; the thread gets a slot
     * again if it acquires later. Not needed for threads that terminate.
     *
     * @return whether the current thread had a slot
     * @throws IllegalStateException if the current thread holds the lock
     */
    public final boolean releaseThreadSlot() {
        if (isHeldByCurrentThread()) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + ": cannot give back the thread slot while holding the lock");
        }
        return slots.releaseCurrentThread();
    }

    /**
     * Resets slot {@code me}'s announcement (flag, level or number) to "not trying", with a release store
     * so that the critical section's writes are visible before others see it. Used by unlock and by a
     * waiter that gives up: in these algorithms, leaving without entering is the same as entering and
     * leaving at once.
     */
    abstract void withdraw(int me);

    @Override
    final void release() {
        withdraw(slots.slotOfCurrentThread());
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
