package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.PaddedLongArray;
import dev.lockstep.core.internal.SpinPolicy;

/**
 * Peterson's lock for two threads, with loads and stores only (no read-modify-write instruction).
 * A thread raises its flag, makes itself the victim, and waits while the other thread's flag is up
 * and it is still the victim.
 *
 * <pre>{@code
 * PetersonLock lock = new PetersonLock();   // at most two threads at a time
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free with bounded waiting of one
 * (a waiter is overtaken at most once), which for two threads is FIFO after the doorway; two padded
 * flags and a padded victim word per lock. Thread identities 0 and 1 are slots borrowed from
 * acquisition to release (see {@link SlotLockBase}): any number of threads may use the lock over time,
 * two contend at once, a third contender waits for a slot (not FIFO) and {@code tryLock()} fails while
 * both are taken. Borrowing costs one compare-and-set and one release store per acquisition; the
 * algorithm itself uses loads and stores only.
 *
 * <p>Memory ordering: the algorithm needs every store to be ordered before every later load
 * (sequential consistency): with a plain or release store of {@code flag[me]} the following load of
 * {@code flag[other]} could be satisfied first (store-load reordering, allowed even on x86), both
 * threads would read the other's flag as down, and both would enter. Hence volatile accesses in the
 * entry protocol. A waiter that gives up (timeout, interrupt) lowers its flag, as if it had entered
 * and left at once.
 *
 * <p>Source: G. L. Peterson, <i>Myths about the mutual exclusion problem</i>, IPL 12(3), 1981;
 * Herlihy &amp; Shavit, &sect;2.3.4. Waiting follows {@link SpinPolicy}.
 */
public final class PetersonLock extends SlotLockBase {
    private final PaddedLongArray flag = new PaddedLongArray(2);
    private final PaddedLong victim = new PaddedLong(0);

    /** A free lock for two threads. */
    public PetersonLock() {
        super(2, 2);
    }

    /** Entry protocol up to the wait, for slot {@code me}. */
    private void announce(int me) {
        flag.setVolatile(me, 1);   // volatile: must be ordered before the loads of flag[other] and victim
        victim.setVolatile(me);    // volatile: the later loads must not move above it
    }

    /** Whether slot {@code me} must still wait (volatile loads: see the class note on ordering). */
    private boolean mustWait(int me) {
        return flag.getVolatile(1 - me) != 0 && victim.getVolatile() == me;
    }

    @Override
    boolean tryEnter(int me) {
        announce(me);
        if (mustWait(me)) {
            withdraw(me); // the other thread no longer waits for us
            return false;
        }
        return true;
    }

    @Override
    boolean enter(int me, int mode, long deadline) throws InterruptedException {
        announce(me);
        int step = 0;
        while (mustWait(me)) {
            step = idleOrWithdraw(me, mode, deadline, step);
            if (step < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    void withdraw(int me) {
        flag.setRelease(me, 0);
    }
}
