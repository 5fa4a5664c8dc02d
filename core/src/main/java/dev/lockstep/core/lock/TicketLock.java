package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

/**
 * The ticket lock: a first-come-first-served spin lock. A thread takes the next ticket with one
 * fetch-and-add and waits until the "now serving" counter shows its number; unlock advances the
 * counter by one.
 *
 * <pre>{@code
 * Lock lock = new TicketLock();
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free with FIFO order among
 * {@link #lock()} callers (bounded waiting: a waiter is overtaken by no thread that took its ticket
 * later); two padded counters per lock, nothing per thread. Cache traffic: all waiters spin on the one
 * "now serving" line, so every release invalidates it in every waiter's cache (O(waiters) traffic per
 * hand-over; CLH and MCS avoid that).
 *
 * <p>Timed and interruptible acquisitions ({@link #tryLock(long, java.util.concurrent.TimeUnit)},
 * {@link #lockInterruptibly()}) do not take a ticket, because a ticket cannot be handed back: they
 * wait until no ticket is outstanding and then take the lock with a compare-and-set. They never give
 * up before their deadline, but under sustained contention they may be overtaken by ticket holders.
 *
 * <p>Sources: Reed &amp; Kanodia 1979 (eventcounts and sequencers); Mellor-Crummey &amp; Scott 1991,
 * <i>Algorithms for Scalable Synchronization on Shared-Memory Multiprocessors</i>.
 * Waiting follows {@link SpinPolicy}. The contract common to all locks is in {@link SpinLockBase}.
 */
public final class TicketLock extends SpinLockBase {
    /*
     * Implementation notes.
     * Invariant: nowServing <= nextTicket; the lock is free iff they are equal; the holder's ticket is
     * nowServing. Counters are longs and never wrap in practice (2^63 acquisitions).
     */
    private final PaddedLong nextTicket = new PaddedLong(0);
    private final PaddedLong nowServing = new PaddedLong(0);

    /** A free lock. */
    public TicketLock() {
    }

    @Override
    boolean tryAcquire() {
        // Acquire: reading nowServing == s shows the previous holder released (its writes are visible).
        long serving = nowServing.getAcquire();
        // The CAS succeeds only if no ticket beyond 'serving' was handed out, i.e. the lock was free and
        // nobody queued; it is volatile, so it also orders our critical section after it.
        return nextTicket.getOpaque() == serving && nextTicket.compareAndSet(serving, serving + 1);
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        int step = 0;
        if (mode != Waits.UNINTERRUPTIBLE) {
            // No ticket for waits that may give up: poll for an empty queue instead (see class javadoc).
            while (!tryAcquire()) {
                if (Waits.shouldGiveUp(mode, deadline)) {
                    return false;
                }
                step = SpinPolicy.idle(step);
            }
            return true;
        }
        long myTicket = nextTicket.getAndAdd(1); // volatile RMW: tickets are unique and totally ordered
        // Acquire: seeing our number means the previous holder's release store, and its writes, are visible.
        while (nowServing.getAcquire() != myTicket) {
            step = SpinPolicy.idle(step);
        }
        return true;
    }

    @Override
    void release() {
        // Opaque read: only the holder writes nowServing, and it read this value when it acquired.
        // Release store: the critical section's writes are visible before the next ticket is served.
        nowServing.setRelease(nowServing.getOpaque() + 1);
    }
}
