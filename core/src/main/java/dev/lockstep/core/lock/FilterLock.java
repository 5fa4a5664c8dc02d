package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedLongArray;
import dev.lockstep.core.internal.SpinPolicy;

/**
 * The filter lock: Peterson's lock generalised to {@code n} threads, with loads and stores only. There
 * are {@code n-1} levels ("waiting rooms"); at each level at least one thread trying to go up is held
 * back (the level's victim), so at most {@code n-L} threads pass level {@code L}, and one reaches the
 * critical section.
 *
 * <pre>{@code
 * FilterLock lock = new FilterLock(4);   // up to 4 threads at a time
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free, but <em>not</em> FIFO and without
 * bounded waiting (a thread can be overtaken any number of times); {@code 2n} padded words per lock;
 * an acquisition reads O(n&sup2;) words even uncontended. Thread identities are slots borrowed from
 * acquisition to release ({@link SlotLockBase}): any number of threads may use the lock, {@code n} of
 * them contend at once, further contenders wait for a slot; borrowing costs one compare-and-set and
 * one release store per acquisition.
 *
 * <p>Defaults: {@value #DEFAULT_MAX_THREADS} threads; at most {@value #MAX_THREADS}.
 *
 * <p>Memory ordering: as for {@link PetersonLock}, each store of the entry protocol must be ordered
 * before the following loads (sequential consistency), so they are volatile; unlock is a release store.
 * A waiter that gives up resets its level to 0, as if it had passed through and left.
 *
 * <p>Source: Herlihy &amp; Shavit, <i>The Art of Multiprocessor Programming</i>, &sect;2.4 (after
 * Peterson 1981). Waiting follows {@link SpinPolicy}.
 */
public final class FilterLock extends SlotLockBase {
    /** Threads supported by the no-argument constructor. */
    public static final int DEFAULT_MAX_THREADS = 8;
    /** Largest supported thread count (acquisition cost grows with its square). */
    public static final int MAX_THREADS = 64;

    /** level[i]: the highest level thread slot i is trying to enter (0: not trying). */
    private final PaddedLongArray level;
    /** victim[L]: the slot that arrived last at level L and yields there. */
    private final PaddedLongArray victim;
    private final int n;

    /** A filter lock for {@value #DEFAULT_MAX_THREADS} threads. */
    public FilterLock() {
        this(DEFAULT_MAX_THREADS);
    }

    /**
     * A filter lock for {@code maxThreads} threads.
     *
     * @param maxThreads threads that may use the lock at the same time, 2 to {@value #MAX_THREADS}
     * @throws IllegalArgumentException if {@code maxThreads} is out of range
     */
    public FilterLock(int maxThreads) {
        super(maxThreads, MAX_THREADS);
        this.n = maxThreads;
        this.level = new PaddedLongArray(n);
        this.victim = new PaddedLongArray(n);
    }

    /** Whether slot {@code me} must wait at level {@code l}: someone else is at l or above and we are victim. */
    private boolean mustWait(int me, int l) {
        for (int k = 0; k < n; k++) {
            // Volatile loads: must not be satisfied before our stores to level[me] and victim[l].
            if (k != me && level.getVolatile(k) >= l) {
                return victim.getVolatile(l) == me;
            }
        }
        return false;
    }

    private void enterLevel(int me, int l) {
        level.setVolatile(me, l);  // volatile: ordered before the loads in mustWait
        victim.setVolatile(l, me);
    }

    @Override
    boolean tryEnter(int me) {
        for (int l = 1; l < n; l++) {
            enterLevel(me, l);
            if (mustWait(me, l)) {
                withdraw(me);
                return false;
            }
        }
        return true;
    }

    @Override
    boolean enter(int me, int mode, long deadline) throws InterruptedException {
        for (int l = 1; l < n; l++) {
            enterLevel(me, l);
            int step = 0;
            while (mustWait(me, l)) {
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
        level.setRelease(me, 0);
    }
}
