package dev.lockstep.core.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * The one waiting policy of every spinning primitive in Lockstep: spin, then yield, then park briefly.
 *
 * <p>A waiter keeps a step counter in a local {@code int} (no allocation) and calls
 * {@link #idle(int)} once per failed check of its wait condition:
 * <pre>{@code
 * int step = 0;
 * while (!condition()) {
 *     step = SpinPolicy.idle(step);
 * }
 * }</pre>
 *
 * <ol>
 *   <li>the first {@link #SPINS} steps busy-wait with {@link Thread#onSpinWait()} (a PAUSE hint): the
 *       cheapest hand-over when the holder runs on another core and releases within a microsecond or
 *       so;</li>
 *   <li>the next {@link #YIELDS} steps call {@link Thread#yield()}: when threads outnumber cores, the
 *       holder (or the next in line of a FIFO lock) may be descheduled, and yielding lets it run;</li>
 *   <li>after that each step parks the thread for {@link #PARK_NANOS} ns with
 *       {@link LockSupport#parkNanos(long)}, so a long wait costs no CPU. Spin locks have no waiter list to
 *       unpark, so the park is a timed nap: Linux timer slack makes it last about 50-60 µs more than
 *       asked. A thread whose interrupt status is set (an uninterruptible {@code lock()}) yields
 *       instead, since park would return at once.</li>
 * </ol>
 *
 * <p>Tuning, read once at class initialisation: system properties {@code lockstep.spins} (default
 * 100), {@code lockstep.yields} (default 20) and {@code lockstep.parkNanos} (default 20000).
 *
 * <p><b>The barging budget.</b> {@link #BARGE_SPINS} (property {@code lockstep.bargeSpins}, default 4,
 * never more than {@link #SPINS}, so {@code -Dlockstep.spins=0} still makes every waiter park at once)
 * is a separate, shorter budget: the spin attempts of a <i>barging</i> acquisition in the waiting layer
 * ({@link WaitQueue}), i.e. of the non-fair modes of {@code Mutex}, {@code Semaphore} and
 * {@code ReadWriteMutex}, before the thread queues and parks. It is close to what
 * {@code AbstractQueuedSynchronizer}'s arriving thread does in a non-fair {@code ReentrantLock} (a few
 * {@code tryAcquire} attempts, then park). The reason is not the cost of spinning but whom a long spin
 * hands the lock to: measured on 2 cores (JDK 17, README "Waiting layer, fourth and fifth rounds"),
 * a barging spinner beside a running holder took the lock from it 94-97% of the time, so Mutex handed the
 * lock between threads 3-47 times as often as ReentrantLock (2.80 vs 0.21-0.35 hand-overs per us at 4
 * threads), each hand-over a cache-line transfer and often a preempted holder; with a budget of 4
 * ({@code -Dlockstep.spins=4} then, in a quiet 3-fork run) the holder kept the lock across its next
 * critical section more often (0.81 hand-overs per us) and MutexBench's 4-thread cell went from 0.91x
 * to 1.06x of ReentrantLock. The fair modes (direct hand-off), the FIFO
 * locks, the spin locks, barriers, latch, event and the IPC waits keep {@link #SPINS}: there the spinner
 * waits for its turn or for a signal and cannot take anything from a running holder.
 *
 * <p><b>The woken loser's nap.</b> {@link #WOKEN_NAP_NANOS} (property {@code lockstep.wokenNapNanos},
 * default 100000, i.e. 100 us) and {@link #WOKEN_NAPS} (property {@code lockstep.wokenNaps}, default 8):
 * in unfair {@code Mutex} (and, since the thirty-sixth round, in unfair {@code Semaphore}'s single-permit
 * waits), a waiter that was woken by a release and then lost the lock to a barging thread does not queue
 * again at once; it keeps the wake-up token (so releases meanwhile unpark
 * nobody) and parks for the nap, then retries, up to {@link #WOKEN_NAPS} naps in a row, then queues
 * again ({@link WaitQueue}'s "Nap" step). Two threads on one lock otherwise run a wake-up cycle: each
 * release wakes the parked one, which loses to the running holder and parks again, one unpark and
 * one park per cycle on both locks, Mutex and ReentrantLock alike (README "Waiting layer, nineteenth
 * round"). The nap lets the holder run undisturbed for a while; its price is that a lock freed during
 * the nap waits for the napper's timer (the nap plus the kernel's timer slack, about 50 us on Linux),
 * not for an unpark. A single nap is not enough (the napper's one retry finds the lock held nearly
 * always, and it queues into the cycle again), nor is 50 us (README "Waiting layer, twentieth round").
 * {@code -Dlockstep.wokenNaps=0} restores the wake-up cycle; fair Mutex and fair Semaphore never nap
 * (their grant is the lock or the permits themselves).
 *
 * <p><b>The overflow nap.</b> {@link #OVERFLOW_NAP_NANOS} (property {@code lockstep.overflowNapNanos},
 * default 50000, i.e. 50 us) and {@link #OVERFLOW_NAPS} (property {@code lockstep.overflowNaps}, default
 * 8): in a wait queue with a bound on busy yielders (the blocking queues: bound 0, no busy yielder,
 * since the twenty-fourth round), a thread that finds the spinner's and the yielders' places taken naps
 * and retries, up to {@link #OVERFLOW_NAPS} times, before it parks until woken. A parked waiter is in the wait list,
 * so the other side's operations unpark it one by one (on the one thread everything waits for, where that
 * side has one thread); a yielding one stays runnable and takes the cores from the threads that move
 * elements; a napping one does neither (README "Queue performance", eighth pass: 20, 50 and 100 us were
 * measured, 50 us kept). {@code -Dlockstep.overflowNaps=0} parks such a thread at once.
 *
 * <p><b>The sequence lock's budget.</b> {@link #SEQLOCK_SPINS} (property {@code lockstep.seqLockSpins},
 * default 4, never more than {@link #SPINS}) is the spin budget of {@code SeqLock}'s watcher, the one
 * thread that polls for the end of a write (readers and writers that find a writer inside): after it,
 * the watcher yields, then naps, as here ({@link #idle(int, int)}). A write is a few stores: a writer
 * that is running ends it within a few spin steps, and one that does not end it is descheduled or
 * slowed by the very reads the spin makes of its line. Measured (issue 12, eighteenth round, README
 * row "SeqLock / StampedLock"): in {@code ReadMostlyBench} (2, 4 and 8 threads on 2 cores, 10% writes)
 * the 100 steps of {@link #SPINS} gave 53 / 53 / 79 ops/us, 4 steps 156 / 223 / 173, none 191 / 207 /
 * 148, {@code StampedLock} 47 / 176 / 187 in the same window: a waiter that gives up its core soon lets
 * the other core's threads run without moving the lock's and the data's lines between the cores.
 */
public final class SpinPolicy {
    /** Busy-spin steps before the first yield. */
    public static final int SPINS = Integer.getInteger("lockstep.spins", 100);
    /**
     * Spin attempts of a barging (non-fair) acquisition in {@link WaitQueue} before it parks: property
     * {@code lockstep.bargeSpins}, default 4, at most {@link #SPINS} (see the class notes).
     */
    public static final int BARGE_SPINS = Math.max(0, Math.min(SPINS, Integer.getInteger("lockstep.bargeSpins", 4)));
    /**
     * Spin steps of {@code SeqLock}'s watcher before it yields: property {@code lockstep.seqLockSpins},
     * default 4, at most {@link #SPINS} (see the class notes).
     */
    public static final int SEQLOCK_SPINS = Math.max(0, Math.min(SPINS, Integer.getInteger("lockstep.seqLockSpins", 4)));
    /**
     * Nanoseconds of the nap of a woken barging waiter that lost its retry (the class notes): property
     * {@code lockstep.wokenNapNanos}, default 100000; 0 turns the naps off (the loser queues again at once).
     */
    public static final long WOKEN_NAP_NANOS = Math.max(0L, Long.getLong("lockstep.wokenNapNanos", 100_000L));
    /**
     * How many naps a woken barging waiter takes in a row before it queues again: property
     * {@code lockstep.wokenNaps}, default 8; 0 turns the naps off.
     */
    public static final int WOKEN_NAPS = Math.max(0, Integer.getInteger("lockstep.wokenNaps", 8));
    /**
     * Nanoseconds of each nap of a waiter beyond a wait queue's bound on busy yielders (the blocking
     * queues: a third thread waiting on one side; {@link WaitQueue}'s {@code maxBusyYielders}): property
     * {@code lockstep.overflowNapNanos}, default 50000 (50 us).
     */
    public static final long OVERFLOW_NAP_NANOS = Math.max(1L, Long.getLong("lockstep.overflowNapNanos", 50_000L));
    /**
     * How many naps such a waiter takes, retrying after each, before it parks until woken: property
     * {@code lockstep.overflowNaps}, default 8; 0 makes it park at once.
     */
    public static final int OVERFLOW_NAPS = Math.max(0, Integer.getInteger("lockstep.overflowNaps", 8));
    /**
     * Spin steps a queue's consumer waits on its empty head slot, right after taking an element, before
     * it reads the producers' index to tell "empty" from "claimed" (MpscArrayQueue's notes, "Reading
     * the producer index"): property {@code lockstep.slotSpins}, default 16, at most {@link #SPINS}; 0
     * reads the index at once.
     */
    public static final int SLOT_SPINS = Math.max(0, Math.min(SPINS, Integer.getInteger("lockstep.slotSpins", 16)));
    /** Yield steps after the spins, before parking. */
    public static final int YIELDS = Integer.getInteger("lockstep.yields", 20);
    /** Nanoseconds of each timed park once spins and yields are spent. */
    public static final long PARK_NANOS = Long.getLong("lockstep.parkNanos", 20_000L);

    private SpinPolicy() {
    }

    /**
     * Waits once according to the policy, with the {@link #SPINS} spin steps.
     *
     * @param step how many times this waiter has idled so far (start at 0)
     * @return the step to pass next time
     */
    public static int idle(int step) {
        return idle(step, SPINS);
    }

    /**
     * Waits once according to the policy with a spin budget of its own ({@link #BARGE_SPINS},
     * {@link #SEQLOCK_SPINS}): steps below {@code spins} spin, the next {@link #YIELDS} yield, later
     * ones park for {@link #PARK_NANOS} ns (yield instead while the interrupt status is set).
     *
     * @param step  how many times this waiter has idled so far (start at 0)
     * @param spins the spin steps before the first yield, {@code >= 0}
     * @return the step to pass next time
     */
    public static int idle(int step, int spins) {
        if (step < spins) {
            Thread.onSpinWait();
        } else if (!isParking(step, spins) || Thread.currentThread().isInterrupted()) {
            Thread.yield();
        } else {
            LockSupport.parkNanos(PARK_NANOS);
        }
        return step == Integer.MAX_VALUE ? step : step + 1;
    }

    /**
     * Whether a waiter at this step has gone past spinning and yielding and is parking: used by
     * primitives that publish "a waiter may be parked" to decide whether to unpark.
     *
     * @param step the waiter's current step, as returned by its last {@code idle} call
     * @return {@code true} if a waiter at {@code step} parks (and so may need an unpark)
     */
    public static boolean isParking(int step) {
        return isParking(step, SPINS);
    }

    /**
     * {@link #isParking(int)} for a waiter that calls {@link #idle(int, int)} with this {@code spins}.
     *
     * @param step  the waiter's current step, as returned by its last {@code idle} call
     * @param spins the spin budget it passes to {@code idle}
     * @return {@code true} if a waiter at {@code step} parks
     */
    public static boolean isParking(int step, int spins) {
        return step >= (long) spins + YIELDS; // long: no overflow for budgets set near Integer.MAX_VALUE
    }
}
