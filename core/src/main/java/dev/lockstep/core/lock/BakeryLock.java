package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedLongArray;
import dev.lockstep.core.internal.SpinPolicy;

/**
 * Lamport's bakery lock for {@code n} threads, with loads and stores only. Entering the "doorway", a
 * thread takes a number one larger than every number it sees; it then waits until every thread with a
 * smaller (number, slot) pair has left. Numbers are longs and do not wrap in practice.
 *
 * <pre>{@code
 * BakeryLock lock = new BakeryLock(4);   // up to 4 threads at a time
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free and first-come-first-served (a
 * thread that finished the doorway before another started it enters first); {@code 2n} padded words
 * per lock; an acquisition reads O(n) words even uncontended. No read-modify-write instruction is used
 * by the algorithm itself; the thread identity is a slot borrowed from acquisition to release with one
 * compare-and-set and given back with one release store ({@link SlotLockBase}). Any number of threads
 * may use the lock over time, {@code n} contend at once; further contenders wait for a slot, and the
 * first-come-first-served order holds among the threads that have one.
 *
 * <p>Defaults: {@value #DEFAULT_MAX_THREADS} threads; at most {@value #MAX_THREADS}.
 *
 * <p>Memory ordering: Lamport's proof assumes sequentially consistent reads and writes: a store to
 * {@code choosing[me]} or {@code number[me]} must be ordered before the following loads of the other
 * slots, which in Java needs volatile accesses (release/acquire allow store-load reordering). Unlock
 * is a release store of 0. A waiter that gives up resets its number to 0, as if it had entered and left.
 *
 * <p>Source: L. Lamport, <i>A new solution of Dijkstra's concurrent programming problem</i>, CACM
 * 17(8), 1974; Herlihy &amp; Shavit, &sect;2.6. Waiting follows {@link SpinPolicy}.
 */
public final class BakeryLock extends SlotLockBase {
    /** Threads supported by the no-argument constructor. */
    public static final int DEFAULT_MAX_THREADS = 8;
    /** Largest supported thread count. */
    public static final int MAX_THREADS = 256;

    /** choosing[i] != 0 while slot i is in the doorway, picking its number. */
    private final PaddedLongArray choosing;
    /** number[i]: slot i's ticket, 0 when it is not trying. */
    private final PaddedLongArray number;
    private final int n;

    /** A bakery lock for {@value #DEFAULT_MAX_THREADS} threads. */
    public BakeryLock() {
        this(DEFAULT_MAX_THREADS);
    }

    /**
     * A bakery lock for {@code maxThreads} threads.
     *
     * @param maxThreads threads that may use the lock at the same time, 2 to {@value #MAX_THREADS}
     * @throws IllegalArgumentException if {@code maxThreads} is out of range
     */
    public BakeryLock(int maxThreads) {
        super(maxThreads, MAX_THREADS);
        this.n = maxThreads;
        this.choosing = new PaddedLongArray(n);
        this.number = new PaddedLongArray(n);
    }

    /** The doorway: slot {@code me} takes a number larger than every number seen. */
    private void doorway(int me) {
        choosing.setVolatile(me, 1); // volatile: ordered before the loads of the other numbers
        long max = 0;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, number.getVolatile(k));
        }
        number.setVolatile(me, max + 1); // volatile: visible before we announce the choice is made
        choosing.setVolatile(me, 0);     // volatile: ordered before the loads in the waiting phase
    }

    /** Whether slot k must go before slot me (lexicographic (number, slot) order). */
    private boolean precedes(int k, int me, long myNumber) {
        long other = number.getVolatile(k);
        return other != 0 && (other < myNumber || (other == myNumber && k < me));
    }

    @Override
    boolean tryEnter(int me) {
        doorway(me);
        long myNumber = number.getPlain(me); // plain: only this thread writes its own number
        for (int k = 0; k < n; k++) {
            if (k != me && (choosing.getVolatile(k) != 0 || precedes(k, me, myNumber))) {
                withdraw(me);
                return false;
            }
        }
        return true;
    }

    @Override
    boolean enter(int me, int mode, long deadline) throws InterruptedException {
        doorway(me);
        long myNumber = number.getPlain(me); // plain: only this thread writes its own number
        int step = 0;
        for (int k = 0; k < n; k++) {
            if (k == me) {
                continue;
            }
            // Two separate waits, as in Lamport's paper: first until k has finished choosing, then until
            // k no longer precedes us. (One combined wait could starve us while k keeps re-entering.)
            while (choosing.getVolatile(k) != 0) {
                step = idleOrWithdraw(me, mode, deadline, step);
                if (step < 0) {
                    return false;
                }
            }
            while (precedes(k, me, myNumber)) {
                step = idleOrWithdraw(me, mode, deadline, step);
                if (step < 0) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    void withdraw(int me) {
        number.setRelease(me, 0);
    }
}
