package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

/**
 * The test-and-set spin lock: the simplest correct lock on a read-modify-write instruction.
 *
 * <pre>{@code
 * Lock lock = new TasLock();
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Properties: mutual exclusion; deadlock-free; <em>not</em> starvation-free and not FIFO (a thread
 * can lose every race); one padded word per lock, nothing per thread. Every waiter hammers the lock
 * word with {@code getAndSet}, so each attempt moves the cache line: the most cache traffic of all the
 * locks here. It exists as the baseline that {@link TtasLock} improves on.
 *
 * <p>Source: Herlihy &amp; Shavit, <i>The Art of Multiprocessor Programming</i>, &sect;7.2.
 * Waiting follows {@link SpinPolicy}: it stays a spin lock, as the textbook defines it, with no list of
 * waiters that a release could unpark; after the bounded spin a waiter yields and then naps in short
 * timed parks, so more threads than cores, and virtual threads, still make progress.
 * The contract common to all locks is in {@link SpinLockBase}.
 */
public final class TasLock extends SpinLockBase {
    /*
     * Implementation notes.
     * locked is 0 (free) or 1 (held). Acquire is getAndSet(1) returning 0: a volatile read-modify-write,
     * which has acquire semantics, so the previous holder's critical-section writes are visible.
     * Release is a release store of 0, which orders the holder's writes before it.
     */
    private final PaddedLong locked = new PaddedLong(0);

    /** A free lock. */
    public TasLock() {
    }

    @Override
    boolean tryAcquire() {
        // getAndSet is a volatile RMW: acquire semantics when it returns 0.
        return locked.getAndSet(1) == 0;
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        // getAndSet is a volatile RMW: acquire semantics when it returns 0. The uncontended path.
        if (locked.getAndSet(1) == 0) {
            return true;
        }
        return acquireContended(mode, deadline); // a method of its own: keeps this path small to inline
    }

    /** The wait, after a failed first test-and-set. */
    @Override
    boolean awaitAfterFailedAttempt(int mode, long deadline) throws InterruptedException {
        int step = 0;
        do {
            if (Waits.shouldGiveUp(mode, deadline)) {
                return false; // nothing to withdraw: a failed test-and-set changed nothing
            }
            step = SpinPolicy.idle(step);
        } while (locked.getAndSet(1) != 0); // test-and-set on every try, by design (volatile RMW)
        return true;
    }

    @Override
    void release() {
        // Release: the critical section's writes become visible before the lock reads as free.
        locked.setRelease(0);
    }
}
