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
 */
public final class SpinPolicy {
    /** Busy-spin steps before the first yield. */
    public static final int SPINS = Integer.getInteger("lockstep.spins", 100);
    /**
     * Spin attempts of a barging (non-fair) acquisition in {@link WaitQueue} before it parks: property
     * {@code lockstep.bargeSpins}, default 4, at most {@link #SPINS} (see the class notes).
     */
    public static final int BARGE_SPINS = Math.max(0, Math.min(SPINS, Integer.getInteger("lockstep.bargeSpins", 4)));
    /** Yield steps after the spins, before parking. */
    public static final int YIELDS = Integer.getInteger("lockstep.yields", 20);
    /** Nanoseconds of each timed park once spins and yields are spent. */
    public static final long PARK_NANOS = Long.getLong("lockstep.parkNanos", 20_000L);

    private static final int PARK_FROM = SPINS + YIELDS;

    private SpinPolicy() {
    }

    /**
     * Waits once according to the policy.
     *
     * @param step how many times this waiter has idled so far (start at 0)
     * @return the step to pass next time
     */
    public static int idle(int step) {
        if (step < SPINS) {
            Thread.onSpinWait();
        } else if (step < PARK_FROM || Thread.currentThread().isInterrupted()) {
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
        return step >= PARK_FROM;
    }
}
