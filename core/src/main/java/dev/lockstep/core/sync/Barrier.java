package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.PaddedReference;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A blocking cyclic barrier with the semantics of {@link java.util.concurrent.CyclicBarrier}: a set
 * of {@code parties} threads wait for each other at a common point, the barrier action (if any) runs
 * once per round in the last thread to arrive, then all are released and the barrier is ready for the
 * next round. Waiting threads spin briefly, then park, so any number of threads (virtual threads
 * included) may use it.
 *
 * <pre>{@code
 * Barrier round = new Barrier(workers, () -> mergeResults());
 * // in each worker:
 * while (!done()) {
 *     computeMyPart();
 *     round.await(); // the last arriver merged everybody's part
 * }
 * }</pre>
 *
 * <p>Contract (as {@code CyclicBarrier}):
 * <ul>
 *   <li>{@link #await()} returns the arrival index: {@code getParties() - 1} for the first arrival,
 *       0 for the last, which runs the barrier action before anybody is released;</li>
 *   <li>all-or-none breakage: if a waiting party is interrupted or times out, if the barrier action
 *       throws, or if {@link #reset()} is called while parties wait, the round is <em>broken</em>: the
 *       interrupted thread gets {@link InterruptedException}, the timed-out one
 *       {@link TimeoutException}, the last arriver the action's exception, and every other party of
 *       that round {@link BrokenBarrierException}; later arrivals get {@code BrokenBarrierException}
 *       at once until {@link #reset()};</li>
 *   <li>a thread that arrives already interrupted breaks the barrier and throws
 *       {@code InterruptedException}; a party interrupted while the last arriver runs the action is
 *       released normally, with its interrupt status set;</li>
 *   <li>actions before {@code await} in every party happen-before the barrier action, which
 *       happens-before every return from {@code await} of that round.</li>
 * </ul>
 *
 * <p>The barrier action may call back into the barrier: {@link #getNumberWaiting()} (which counts
 * every party, as CyclicBarrier's does) and {@link #isBroken()} answer as usual; {@link #reset()}
 * does what it does in CyclicBarrier: the round being tripped is broken (its other parties get
 * {@code BrokenBarrierException}), the tripping thread returns 0, and the barrier is fresh afterwards.
 * {@link #await()} from the barrier action throws {@link IllegalStateException} (a deliberate
 * difference: CyclicBarrier would block that call until another thread broke the barrier, since the
 * round it waits in can never fill); the exception leaves the action, so the round breaks as for any
 * action that throws.
 *
 * <p>Algorithm: each round is a small record holding one packed state word (arrivals, departures,
 * outcome) and a wait queue of Lockstep's waiting layer ({@code dev.lockstep.core.internal.WaitQueue}).
 * Arrival is one compare-and-set on the word; the last arrival runs the action, installs the next
 * round, publishes the outcome TRIPPED and grants every queued waiter; waiters wait for the outcome in
 * the layer (one of them at a time spins for {@link SpinPolicy#SPINS} steps, then yields up to
 * {@link SpinPolicy#YIELDS} times, the others park at once: at 2 parties the partner that trips the
 * round has often just been woken itself, and a spinner that parked before it ran would make every
 * later round a park and an unpark). Breaking
 * is a compare-and-set of the outcome to BROKEN, which fails once the round is full (that linearizes
 * breakage and tripping without a lock). Round records are recycled once every party has left, so
 * the steady state allocates nothing, parked waiters included (each thread reuses its wait node).
 *
 * <p>Properties: safety — no thread returns normally from a round before all {@code parties} have
 * arrived in it; progress — blocking (a party that never arrives holds the round until a timeout,
 * interrupt or reset breaks it); arrival is lock-free; parked waiters are woken once, by the tripping
 * or breaking thread (no herd beyond the round's own waiters); space — two round records (each with its
 * wait queue). No AQS, no lock; works with virtual threads (park/unpark only).
 */
public class Barrier {
    /*
     * Implementation notes.
     * Round.state: bits 0..30 arrived (0..parties), bits 31..61 departed (0..parties), bits 62..63
     * outcome: OPEN, TRIPPED, BROKEN, or SPARE (recycled, waiting in the spare slot).
     * - Arrivals CAS arrived + 1 while OPEN and arrived < parties. arrived == parties while OPEN means
     *   "tripping": the last arriver runs the action; breaking (CAS to BROKEN, only while OPEN and
     *   arrived < parties) can no longer happen, so the round's fate is the last arriver's alone.
     * - The last arriver: runs the action; takes the spare round (or allocates one), opens it, makes it
     *   current; then sets TRIPPED (volatile RMW) and wakes the round's stack. If the action throws, it
     *   sets BROKEN instead and the barrier stays broken (current unchanged) until reset().
     * - Each party of a TRIPPED round, the last arriver included (after its wake-up pass), adds one
     *   departure after reading the outcome; the one that completes parties departures clears the stack,
     *   marks the record SPARE and offers it to the spare slot. A record is thus reused only after every
     *   thread that could still read it has left. A stale arrival holding an old reference fails its CAS
     *   (SPARE is not OPEN) unless the record has been reopened as the current round, in which case its
     *   arrival is simply an arrival in the current round.
     * - BROKEN records are never recycled (breakage is rare; reset() installs a fresh record).
     * Parked waiters: link their node in the round's wait queue, re-read the state under its queue lock
     * (volatile; Dekker with the outcome RMW followed by the waker's hasWaiters() read), park. The waker
     * grants the round's queue only after the outcome is set.
     */
    static {
        WaitNode.initialize(); // here, not lazily under contention (see Mutex)
    }

    private static final long ARRIVED_MASK = (1L << 31) - 1;
    private static final int DEPARTED_SHIFT = 31;
    private static final long DEPARTED_ONE = 1L << DEPARTED_SHIFT;
    private static final int OUTCOME_SHIFT = 62;
    private static final int OPEN = 0;
    private static final int TRIPPED = 1;
    private static final int BROKEN = 2;
    private static final int SPARE = 3;

    static final class Round {
        final PaddedLong state = new PaddedLong(0L);
        final Queue waiters = new Queue(this);
    }

    private static int arrived(long s) {
        return (int) (s & ARRIVED_MASK);
    }

    private static int departed(long s) {
        return (int) ((s >>> DEPARTED_SHIFT) & ARRIVED_MASK);
    }

    private static int outcome(long s) {
        return (int) (s >>> OUTCOME_SHIFT);
    }

    private final int parties;
    private final Runnable barrierAction;
    private final PaddedReference<Round> current = new PaddedReference<>(new Round());
    private final PaddedReference<Round> spare = new PaddedReference<>(null);
    /**
     * The thread running the barrier action, or null. Plain: it is only compared with the reading
     * thread, and by the Java memory model's happens-before consistency a thread never reads back its
     * own overwritten value nor a value that another thread could write for it (others write only
     * themselves or null).
     */
    private Thread tripper;
    /** The barrier action called {@link #reset()}. Plain: written and read by the tripper only. */
    private boolean resetByAction;

    /**
     * A barrier for {@code parties} threads, without barrier action.
     *
     * @param parties the number of threads that must call {@code await} to trip the barrier
     * @throws IllegalArgumentException if {@code parties < 1}
     */
    public Barrier(int parties) {
        this(parties, null);
    }

    /**
     * A barrier for {@code parties} threads that runs {@code barrierAction} when a round trips.
     *
     * @param parties       the number of threads that must call {@link #await()} to trip the barrier
     * @param barrierAction run by the last arriving thread of each round before the others are
     *                      released; may be null
     * @throws IllegalArgumentException if {@code parties < 1}
     */
    public Barrier(int parties, Runnable barrierAction) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be >= 1: " + parties);
        }
        this.parties = parties;
        this.barrierAction = barrierAction;
    }

    /**
     * The number of parties required to trip the barrier.
     *
     * @return the number of parties given at construction
     */
    public int getParties() {
        return parties;
    }

    /**
     * Waits until all parties have called {@code await} in this round.
     *
     * @return the arrival index: {@code getParties() - 1} for the first, 0 for the last
     * @throws InterruptedException   if interrupted before or while waiting (the round is then broken)
     * @throws BrokenBarrierException if the round is or becomes broken while waiting (see class doc)
     * @throws IllegalStateException  if called from the barrier action (see class doc)
     */
    public int await() throws InterruptedException, BrokenBarrierException {
        try {
            return doAwait(Waits.INTERRUPTIBLE, 0L);
        } catch (TimeoutException impossible) {
            throw new AssertionError("untimed await timed out", impossible);
        }
    }

    /**
     * Waits until all parties have called {@code await} in this round, or the time elapses (which
     * breaks the round). A timeout of zero or less breaks the round at once unless this arrival is the
     * last.
     *
     * @param timeout the maximum time to wait; zero or negative: do not wait
     * @param unit    the unit of {@code timeout}
     * @return the arrival index: {@code getParties() - 1} for the first, 0 for the last
     * @throws InterruptedException   if interrupted before or while waiting (the round is then broken)
     * @throws BrokenBarrierException if the round is or becomes broken while waiting
     * @throws TimeoutException       if the time elapsed (the round is then broken)
     * @throws IllegalStateException  if called from the barrier action (see class doc)
     */
    public int await(long timeout, TimeUnit unit)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        Waits.requireUnit(unit);
        return doAwait(Waits.TIMED, Waits.deadline(timeout, unit));
    }

    /**
     * Whether the current round is broken (by a timeout, an interrupt, a reset or a failed action).
     *
     * @return {@code true} if the current round is broken
     */
    public boolean isBroken() {
        return outcome(current.getVolatile().state.getVolatile()) == BROKEN;
    }

    /**
     * The number of parties waiting in the current round: a snapshot, for monitoring and tests.
     *
     * @return the number of parties that have arrived and wait in the current round
     */
    public int getNumberWaiting() {
        long s = current.getVolatile().state.getVolatile();
        return outcome(s) == OPEN ? Math.min(arrived(s), parties) : 0;
    }

    /**
     * Resets the barrier to its initial state: parties waiting in the current round get
     * {@link BrokenBarrierException}, and a broken barrier becomes usable again. If the last arriver is
     * running the barrier action, the reset takes effect after that round; if the barrier action itself
     * calls it, the round being tripped breaks for its other parties when the action returns (the
     * tripping thread returns normally), as in CyclicBarrier.
     */
    public void reset() {
        int step = 0;
        for (; ; ) {
            Round r = current.getVolatile();
            long s = r.state.getVolatile();
            int outcome = outcome(s);
            if (outcome == OPEN && arrived(s) == 0) {
                return; // already in its initial state
            }
            if (outcome == OPEN && arrived(s) < parties) {
                if (breakRound(r)) {
                    // Volatile CAS; failing means another reset installed a fresh round already.
                    current.compareAndSet(r, new Round());
                    return;
                }
            } else if (outcome == BROKEN) {
                current.compareAndSet(r, new Round());
                return;
            } else if (outcome == OPEN) {
                if (tripper == Thread.currentThread()) {
                    resetByAction = true; // from the action: trip() breaks this round afterwards
                    return;
                }
                step = SpinPolicy.idle(step); // tripping: the last arriver is running the action
            }
            // TRIPPED or SPARE: a stale reference; read current again
        }
    }

    private int doAwait(int mode, long deadline)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        Round r;
        int arrived;
        int step = 0;
        for (; ; ) {
            // Acquire: a newly installed round is seen with its opened state.
            r = current.getAcquire();
            long s = r.state.getVolatile();
            int outcome = outcome(s);
            if (outcome == BROKEN) {
                throw new BrokenBarrierException();
            }
            if (outcome == OPEN && arrived(s) < parties) {
                if (Thread.interrupted()) {
                    breakRound(r);
                    throw new InterruptedException();
                }
                // Volatile CAS: our prior writes are released into the arrival chain.
                if (r.state.compareAndSet(s, s + 1)) {
                    arrived = arrived(s) + 1;
                    break;
                }
            } else if (outcome == OPEN) {
                if (tripper == Thread.currentThread()) {
                    throw new IllegalStateException("await called from the barrier action of " + this
                            + ": the round being tripped cannot fill again");
                }
                // The last arriver is running the action (CyclicBarrier's callers block on its lock
                // here, uninterruptibly): wait for the next round.
                step = SpinPolicy.idle(step);
            }
            // TRIPPED or SPARE: stale round, the next one is installed already; read current again
        }
        if (arrived == parties) {
            trip(r);
            return 0;
        }
        return awaitOutcome(r, parties - arrived, mode, deadline);
    }

    private void trip(Round r) {
        Runnable action = barrierAction;
        if (action != null) {
            tripper = Thread.currentThread();
            try {
                action.run();
            } catch (Throwable t) {
                tripper = null;
                resetByAction = false;
                // Volatile RMW: nobody else writes a full round's word before its outcome is set.
                r.state.getAndAdd((long) BROKEN << OUTCOME_SHIFT);
                r.waiters.wakeWaiters();
                throw t;
            }
            tripper = null;
            if (resetByAction) {
                // CyclicBarrier's reset() from the action: the round breaks (its other parties get
                // BrokenBarrierException), the tripping thread returns normally, the barrier is fresh.
                resetByAction = false;
                r.state.getAndAdd((long) BROKEN << OUTCOME_SHIFT); // volatile RMW, as above
                r.waiters.wakeWaiters();
                current.compareAndSet(r, new Round()); // volatile; nobody else replaces a tripping round
                return;
            }
        }
        Round next = spare.getAndSet(null); // volatile: acquires the recycler's writes
        if (next == null) {
            next = new Round();
        } else {
            next.state.setRelease(0L); // OPEN, no arrivals; published by the store to current below
        }
        current.setRelease(next); // release: the opened round is visible to whoever reads current
        // Volatile RMW: releases the action's and all arrivals' writes to the waiters, and precedes the
        // stack swap in wakeAll (Dekker with a waiter's push then state read).
        r.state.getAndAdd((long) TRIPPED << OUTCOME_SHIFT);
        r.waiters.wakeWaiters();
        depart(r);
    }

    /** Records one departure from a TRIPPED round; the last one recycles the record. */
    private void depart(Round r) {
        // Volatile RMW: our last reads of r happen-before the recycler's reuse.
        long s = r.state.getAndAdd(DEPARTED_ONE) + DEPARTED_ONE;
        if (departed(s) == parties) {
            // Every party has left the round's queue (granted, or withdrawn and then seen the outcome).
            r.state.setRelease((long) SPARE << OUTCOME_SHIFT);
            spare.compareAndSet(null, r); // volatile; if a spare exists already, drop this one
        }
    }

    /**
     * Breaks the round if it is still open and not full.
     *
     * @return whether this call broke it
     */
    private boolean breakRound(Round r) {
        for (; ; ) {
            long s = r.state.getVolatile();
            if (outcome(s) != OPEN || arrived(s) == parties) {
                return false;
            }
            // Volatile CAS, then the stack swap: Dekker with parked waiters (see class notes).
            if (r.state.compareAndSet(s, s | ((long) BROKEN << OUTCOME_SHIFT))) {
                r.waiters.wakeWaiters();
                return true;
            }
        }
    }

    /**
     * Waits in the round's wait queue for its outcome. A timed-out or interrupted party breaks the round
     * if it still can; if it cannot (the round is full, or its outcome is set meanwhile) it waits on,
     * uninterruptibly, keeping the interrupt status, and reports the outcome.
     */
    private int awaitOutcome(Round r, int index, int mode, long deadline)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        boolean interrupted = false; // interrupted while the round could no longer be broken
        try {
            for (; ; ) {
                // Acquire: a set outcome makes the action's and all arrivals' writes visible (the
                // outcome RMW releases them).
                long s = r.state.getAcquire();
                int outcome = outcome(s);
                if (outcome == TRIPPED) {
                    depart(r);
                    return index;
                }
                if (outcome == BROKEN) {
                    throw new BrokenBarrierException();
                }
                // Tripping (full round, the last arriver runs the action): it can no longer be broken,
                // so wait for the outcome without giving up.
                int m = arrived(s) == parties ? Waits.UNINTERRUPTIBLE : mode;
                boolean done;
                try {
                    done = r.waiters.acquire(this, 0, m, deadline);
                } catch (InterruptedException e) {
                    if (breakRound(r)) {
                        throw e;
                    }
                    interrupted = true; // tripped, tripping or broken meanwhile: the loop reports it
                    continue;
                }
                if (!done && breakRound(r)) {
                    throw new TimeoutException();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A round's grant decision in the waiting layer: its parties may go once its outcome is set
     * (TRIPPED or BROKEN); the thread that sets it grants every queued party (hand-off: an outcome is
     * never unset while a party can still read it).
     */
    static final class Queue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final transient Round round;

        Queue(Round round) {
            // Hand-off; the spinner spins, then yields (SpinPolicy's budgets) before it parks: the
            // partner that trips the round has often just been woken itself (see the class notes).
            super(true, SpinPolicy.SPINS, SpinPolicy.YIELDS);
            this.round = round;
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            // Acquire: see awaitOutcome.
            return outcome(round.state.getAcquire()) != OPEN;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            // Volatile read, under the queue lock after the node was linked (volatile head): Dekker with
            // the outcome's volatile RMW followed by the waker's hasWaiters() read.
            if (outcome(round.state.getVolatile()) == OPEN) {
                return null;
            }
            WaitNode first = isEmpty() ? null : grantFirst();
            while (!isEmpty()) {
                unpark(grantFirst());
            }
            return first;
        }
    }

    @Override
    public String toString() {
        return super.toString() + "[Parties = " + parties + ", Waiting = " + getNumberWaiting()
                + (isBroken() ? ", broken]" : "]");
    }
}
