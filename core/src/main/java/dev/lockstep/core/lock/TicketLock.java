package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.SpinThenPark;
import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The ticket lock: a first-come-first-served lock. A thread takes the next ticket with one
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
 * <p>Waiting, after Dice &amp; Kogan's TWA (ticket lock with a waiting array): only the next in line
 * (ticket = now serving + 1) spins on the "now serving" counter, for a short while
 * ({@code lockstep.spins} {@link Thread#onSpinWait()} calls). Waiters further back, and the next in line
 * once its spin is spent, record themselves in a slot of a waiting array shared by all ticket locks
 * (hashed from the lock and the ticket) and park. Unlock advances the counter and, if the ticket now
 * served was handed out, unparks the thread in its slot. So when threads outnumber cores, at most the
 * holder and the next in line run, and a hand-over to a descheduled thread costs one wake-up, not a
 * scheduler time slice. (TWA also wakes the new next in line early, so that it spins by the time its
 * turn comes; measured here at 8 threads on 2 cores it halved throughput, the woken spinner competing
 * with the holder for a core, so this lock does not.)
 *
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free with FIFO order among
 * {@link #lock()} callers (bounded waiting: a waiter is overtaken by no thread that took its ticket
 * later); two padded counters per lock, nothing per thread (the waiting array is one per JVM, allocated
 * when a ticket lock first has a waiter that parks). Cache traffic: the next in line spins on the
 * "now serving" line; the others sleep, so a release invalidates one spinner's copy, not all waiters'.
 * Works with virtual threads (they park, and unmount, after the short spin).
 *
 * <p>Taking a free lock, as fair {@link java.util.concurrent.locks.ReentrantLock} does: {@link #lock()}
 * takes the lock at once if it is free and no ticket is outstanding, and while the lock is held by a
 * thread that nobody waits behind it spins (bounded: {@code lockstep.spins} {@link Thread#onSpinWait()}
 * calls) for the lock to become free before it takes a ticket. A ticket taken is the doorway of the
 * first-come-first-served order (as in Lamport's definition): this phase never passes a thread that
 * holds a ticket (it takes the lock only by the compare-and-set that fails once any ticket is
 * outstanding), it only lets a thread that has not yet queued take a lock nobody waits for. It matters
 * when two threads take the lock back to back: without it the arriving thread queues at once, the
 * holder's next {@code lock()} must queue behind it, and every acquisition becomes a hand-over to the
 * other thread (a cache-line transfer, and a wake-up when that thread is not running); with it the
 * holder may re-take the free lock while the other thread spins, until the other thread's spin is spent
 * and it takes a ticket, which the holder then cannot pass. Bounded waiting stays: a thread is passed
 * only during its bounded spin, and then by no thread that takes a ticket after it.
 *
 * <p>Letting a queue drain: a {@code lock()} that finds tickets outstanding behind the holder's does
 * not take one at once either: it waits before the doorway, bounded ({@code lockstep.spins} spins,
 * {@code lockstep.yields} yields, then 10 naps of {@code lockstep.parkNanos}; {@code lockstep.drainSteps}
 * steps in all), for the queue to empty, and takes the free lock by the same compare-and-set, or a
 * ticket once the wait is spent. When threads outnumber cores and take the lock back to back, a queue of
 * parked waiters otherwise never empties (a convoy: each released thread queues again behind them, so
 * every hand-over is a wake-up; at 8 threads on 2 cores 0.5-1 context switch per acquisition); letting
 * the queued threads go first without new arrivals behind them lets it drain, after which the lock is
 * mostly taken free. The FIFO order (of the doorway) and bounded waiting are unchanged: the wait comes
 * before the doorway and is bounded, so among threads that have taken a ticket nobody is passed.
 *
 * <p>Timed and interruptible acquisitions ({@link #tryLock(long, java.util.concurrent.TimeUnit)},
 * {@link #lockInterruptibly()}) do not take a ticket, because a ticket cannot be handed back: they
 * wait until no ticket is outstanding and then take the lock with a compare-and-set, polling as
 * {@link SpinPolicy} says (spin, yield, short timed parks). They never give up before their deadline,
 * but under sustained contention they may be overtaken by ticket holders.
 *
 * <p>Sources: Reed &amp; Kanodia 1979 (eventcounts and sequencers); Mellor-Crummey &amp; Scott 1991,
 * <i>Algorithms for Scalable Synchronization on Shared-Memory Multiprocessors</i>; D. Dice &amp;
 * A. Kogan, <i>TWA - Ticket Locks Augmented with a Waiting Array</i>, Euro-Par 2019.
 * The contract common to all locks is in {@link SpinLockBase}.
 */
public final class TicketLock extends SpinLockBase {
    /*
     * Implementation notes.
     * Invariant: nowServing <= nextTicket; the lock is free iff they are equal; the holder's ticket is
     * nowServing. Counters are longs and never wrap in practice (2^63 acquisitions).
     * Before the doorway: the bounded phase of acquire (class javadoc, "Taking a free lock" and
     * "Letting a queue drain": the spin while the holder has nobody behind it, SpinLockBase.drainStep
     * while tickets are outstanding behind it) takes the
     * lock only through tryAcquire's CAS of nextTicket from nowServing, which fails once any thread has queued, so it never passes a
     * waiter. Its loop reads are snapshots that choose between spinning and queueing; a stale one
     * costs a spin or an earlier enqueue, never safety. The JFR ContendedAcquire event begins at the
     * doorway, so the phase's few microseconds are not in it. Why the phase, and what the profile
     * showed (shared machine: context switches per acquisition equal to fair ReentrantLock's at 2 and
     * 4 threads, fair ReentrantLock queueing once per ~8,000 / ~120 acquisitions, the 4-thread cell
     * bimodal through convoys): README, "Measured", the FIFO locks row, with the commands.
     * Parking (Dekker's pattern, all accesses volatile, hence totally ordered in the synchronization
     * order, JLS 17.4.4, and each volatile read sees the last write before it in that order): a waiter
     * with ticket t writes itself into slot(t) (CAS) and then reads nowServing; the releaser writes
     * nowServing = t and then reads nextTicket and slot(t). If the waiter read an older nowServing and
     * parks, its slot write precedes the releaser's slot read, which returns the waiter (it clears the
     * slot only once served), and the releaser's nextTicket read returns more than t (the waiter's
     * fetch-and-add came before its slot write): the releaser unparks it. An unpark before the park
     * makes the park return at once (LockSupport's permit): no hand-over is lost.
     * A slot may be taken by a waiter of another lock or of a ticket SLOTS apart: a waiter that finds
     * its slot taken does not park untimed but polls with short timed parks (SpinPolicy). Unparking the
     * wrong thread is a spurious wake-up, which every park loop tolerates.
     */
    private final PaddedLong nextTicket = new PaddedLong(0);
    private final PaddedLong nowServing = new PaddedLong(0);
    /** Where this lock's tickets start in the waiting array, so that locks rarely share slots. */
    private final int seed = ThreadLocalRandom.current().nextInt();

    /** A free lock. */
    public TicketLock() {
    }

    /**
     * TWA's waiting array, shared by all ticket locks and created on first use: one thread reference
     * per slot, slots {@link #STRIDE} references apart so that neighbouring tickets do not share a cache
     * line.
     */
    private static final class WaitingArray {
        static final int SLOTS = 1024;
        static final int STRIDE = 16;
        static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Thread[].class);
        static final Thread[] WAITERS = new Thread[(SLOTS + 2) * STRIDE];

        static int index(int seed, long ticket) {
            return (((int) ticket + seed) & (SLOTS - 1)) * STRIDE + STRIDE;
        }
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
        if (mode != Waits.UNINTERRUPTIBLE) {
            // No ticket for waits that may give up: poll for an empty queue instead (see class javadoc).
            if (tryAcquire()) {
                return true;
            }
            Object jfr = beginContended(); // JFR ContendedAcquire: null unless a recording enables it
            boolean acquired = false;
            try {
                acquired = poll(mode, deadline);
            } finally {
                Jfr.endContended(jfr, acquired);
            }
            return acquired;
        }
        // The uncontended path (the first step of the phase in acquireSlow, kept small so that it is
        // inlined): tryAcquire's reads and CAS.
        if (tryAcquire()) {
            return true;
        }
        return acquireSlow();
    }

    /** {@link #acquire} of a {@code lock()} once its first look found the lock held (or lost the race). */
    private boolean acquireSlow() {
        // Before the doorway (see "Taking a free lock" and "Letting a queue drain" in the class
        // javadoc): while the lock is held and nobody holds a ticket behind the holder, spin (bounded)
        // for it to become free; while tickets are outstanding behind the holder, wait (bounded,
        // drainStep) for them to be served; take the free lock with tryAcquire's CAS, which succeeds
        // only if no ticket is outstanding: a waiter that took a ticket is never passed.
        for (int step = 0; ; ) {
            // Acquire: reading nowServing == s shows the previous holder released (its writes are visible).
            long serving = nowServing.getAcquire();
            // Opaque: a snapshot to choose the next step; the CAS below is what decides. (A stale value
            // only makes us take a ticket, or spin once more, early or late.)
            long queued = nextTicket.getOpaque() - serving; // 0: free, 1: held and nobody waits
            if (queued == 0) {
                // Volatile CAS: succeeds only if still no ticket beyond 'serving' was handed out.
                if (nextTicket.compareAndSet(serving, serving + 1)) {
                    return true;
                }
            } else if (queued == 1 ? !SpinThenPark.spin(step) : !drainStep(step)) {
                break; // the bounded spin (or, behind waiters, the bounded drain wait) is spent
            } else {
                step++;
            }
        }
        long myTicket = nextTicket.getAndAdd(1); // volatile RMW: tickets are unique and totally ordered
        // Volatile read (Dekker's pattern, see the implementation notes); it includes acquire: seeing our
        // number means the previous holder's release, and its writes, are visible.
        if (nowServing.getVolatile() != myTicket) {
            Object jfr = beginContended(); // JFR ContendedAcquire: null unless a recording enables it
            awaitTurn(myTicket);
            Jfr.endContended(jfr, true);
        }
        return true;
    }

    /** A timed or interruptible wait, after a failed first attempt: polls for an empty queue. */
    private boolean poll(int mode, long deadline) throws InterruptedException {
        int step = 0;
        do {
            if (Waits.shouldGiveUp(mode, deadline)) {
                return false;
            }
            step = SpinPolicy.idle(step);
        } while (!tryAcquire());
        return true;
    }

    /** Waits, uninterruptibly, until {@code myTicket} is served: spin if next in line, else park. */
    private void awaitTurn(long myTicket) {
        Thread[] waiters = null;
        int slot = 0;
        boolean registered = false;
        Thread me = null;
        int spins = 0;
        int napStep = 0;
        boolean cleared = false;
        try {
            for (; ; ) {
                // Volatile read: the re-check after our slot write (implementation notes); acquire
                // semantics when it shows our ticket.
                long serving = nowServing.getVolatile();
                if (serving == myTicket) {
                    return;
                }
                if (myTicket - serving == 1 && SpinThenPark.spin(spins)) {
                    spins++; // next in line: spin on the counter for a while
                } else if (registered) {
                    cleared |= SpinThenPark.park(this, Waits.UNINTERRUPTIBLE, 0L);
                } else {
                    if (waiters == null) {
                        waiters = WaitingArray.WAITERS;
                        slot = WaitingArray.index(seed, myTicket);
                        me = Thread.currentThread();
                    }
                    // Volatile CAS: our registration precedes the re-read of nowServing at the top.
                    if (WaitingArray.SLOT.compareAndSet(waiters, slot, (Thread) null, me)) {
                        registered = true;
                    } else {
                        // Slot taken (another lock's waiter, or a ticket SLOTS apart): nobody would
                        // unpark us, so poll with SpinPolicy's short timed parks instead (it yields
                        // rather than parks while the interrupt status is set).
                        napStep = SpinPolicy.idle(napStep);
                    }
                }
            }
        } finally {
            if (registered) {
                // Release store: nothing of ours to publish, but any order is fine for a slot nobody
                // but waiters CAS; a releaser that still reads us only makes a spurious unpark.
                WaitingArray.SLOT.setRelease(waiters, slot, (Thread) null);
            }
            SpinThenPark.restoreInterrupt(cleared);
        }
    }

    @Override
    void release() {
        // Opaque read: only the holder writes nowServing, and it read this value when it acquired.
        long next = nowServing.getOpaque() + 1;
        // Volatile write (includes release: the critical section's writes are visible before the next
        // ticket is served); volatile so that it is ordered before the reads below (Dekker's pattern).
        nowServing.setVolatile(next);
        // Volatile read below: ticket 'next' was handed out, so its holder may be parked.
        if (nextTicket.getVolatile() - next > 0) {
            // Volatile read of the slot of the ticket now served (implementation notes): its waiter, if
            // it parked (or a thread that shares the slot: a spurious wake-up).
            Thread waiter = (Thread) WaitingArray.SLOT.getVolatile(WaitingArray.WAITERS, WaitingArray.index(seed, next));
            if (waiter != null) {
                LockSupport.unpark(waiter);
            }
        }
    }
}
