package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The test-and-test-and-set spin lock with randomised exponential backoff: waiters spin reading
 * their cached copy of the lock word and only attempt the atomic swap when it reads free; a thread
 * that loses that race backs off for a random time whose bound doubles after each loss.
 *
 * <pre>{@code
 * Lock lock = new TtasLock();
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Properties: mutual exclusion; deadlock-free; <em>not</em> starvation-free, not FIFO (the thread
 * that just released often wins again: good for throughput, bad for fairness); one padded word per
 * lock, nothing per thread. Cache traffic: waiters spin in their own cache and the line moves only at
 * release and at the following CAS storm, which backoff thins out.
 *
 * <p>Defaults: backoff from {@value #MIN_BACKOFF} to {@value #MAX_BACKOFF} spin-wait hints.
 *
 * <p>Sources: Rudolph &amp; Segall 1984 (test-and-test-and-set); Anderson 1990 (exponential backoff);
 * Herlihy &amp; Shavit, <i>The Art of Multiprocessor Programming</i>, &sect;7.3-7.4.
 * Waiting follows {@link SpinPolicy}: it stays a spin lock, as the textbook defines it, with no list of
 * waiters that a release could unpark; after the bounded spin a waiter yields and then naps in short
 * timed parks, so more threads than cores, and virtual threads, still make progress.
 * The contract common to all locks is in {@link SpinLockBase}.
 */
public final class TtasLock extends SpinLockBase {
    /** Initial bound of the random backoff, in {@link Thread#onSpinWait()} calls. */
    public static final int MIN_BACKOFF = 4;
    /** Largest bound of the random backoff, in {@link Thread#onSpinWait()} calls. */
    public static final int MAX_BACKOFF = 256;

    /** 0 free, 1 held. */
    private final PaddedLong locked = new PaddedLong(0);

    /** A free lock. */
    public TtasLock() {
    }

    @Override
    boolean tryAcquire() {
        // Test first (opaque: a read of the cached line, no ordering needed since the CAS below is the
        // acquiring access); the CAS is volatile and so acquires the previous holder's writes.
        return locked.getOpaque() == 0 && locked.compareAndSet(0, 1);
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        if (tryAcquire()) {
            return true; // the uncontended path: one opaque read and one CAS, as in the loop below
        }
        return acquireContended(mode, deadline); // a method of its own: keeps this path small to inline
    }

    /** The wait, after a failed first attempt. */
    @Override
    boolean awaitAfterFailedAttempt(int mode, long deadline) throws InterruptedException {
        int step = 0;
        int backoffBound = MIN_BACKOFF;
        for (; ; ) {
            // Opaque: re-read on every iteration (a plain read could be hoisted out of the loop), but no
            // ordering, since nothing is read under the lock until the CAS succeeds.
            if (locked.getOpaque() == 0) {
                if (locked.compareAndSet(0, 1)) {
                    return true;
                }
                // Lost the race to another waiter: back off so the winners' and losers' CASes spread out.
                int spins = ThreadLocalRandom.current().nextInt(backoffBound) + 1;
                for (int i = 0; i < spins; i++) {
                    Thread.onSpinWait();
                }
                backoffBound = Math.min(backoffBound << 1, MAX_BACKOFF);
            }
            if (Waits.shouldGiveUp(mode, deadline)) {
                return false; // nothing to withdraw: a waiter that has not won the CAS left no trace
            }
            step = SpinPolicy.idle(step);
        }
    }

    @Override
    void release() {
        // Release: the critical section's writes become visible before the lock reads as free.
        locked.setRelease(0);
    }
}
