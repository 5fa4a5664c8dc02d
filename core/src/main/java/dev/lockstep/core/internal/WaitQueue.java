package dev.lockstep.core.internal;

import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import dev.lockstep.core.internal.jfr.Jfr;

/**
 * The waiting layer of Lockstep's blocking synchronizers: the FIFO list of parked waiters of one
 * primitive, and the one acquisition loop ({@link #acquire}) that owns enqueue, bounded spinning,
 * parking, timeouts, interrupts and withdrawal. A primitive subclasses it (a private nested class) and
 * supplies only its grant decision: {@link #tryAcquire} (one barging attempt), {@link #parkLocked}
 * (the last check before a waiter becomes visible), {@link #grantLocked} (who may go now) and the
 * optional {@link #withdrawnLocked}, {@link #passOnLocked} and {@link #tryAcquireLinked} (a re-check
 * outside the queue lock after the node was linked, for a primitive whose attempt cannot run under it:
 * the blocking queues, whose attempt is the real {@code poll}/{@code offer}).
 *
 * <p><b>Algorithm.</b> The primitive's state word is changed with compare-and-set on its fast paths;
 * only threads that must sleep, and releasers that must wake them, take the queue lock, a tiny spin
 * lock whose critical sections are a few pointer updates. This is the design of WebKit's
 * {@code WTF::Lock}/{@code ParkingLot} (F. Pizlo, <i>Locking in WebKit</i>, 2016) and of Linux futex
 * hash buckets. A thread whose fast path failed runs {@link #acquire}:
 * <ol>
 *   <li><b>Spin, one spinner at a time.</b> If nobody else is spinning on this primitive, it spins for
 *       the queue's budget of {@link Thread#onSpinWait()} steps ({@link #spinBudget()}: {@link SpinPolicy#SPINS}
 *       by default, {@link SpinPolicy#BARGE_SPINS} for the barging acquisitions of the non-fair
 *       Mutex, Semaphore and ReadWriteMutex), then, where the primitive asks for it
 *       ({@link #yieldBudget()}: {@code Barrier}), {@link Thread#yield()} steps, trying
 *       {@link #tryAcquire} after each; otherwise it goes straight to sleep, or, where the
 *       primitive asks for it ({@link #busyYieldBudget()}: the blocking queues), first yields and
 *       retries (a yield gives the core away, so the rule's point is kept). One spinner is WebKit's rule ({@code WTF::Lock} lets
 *       the spinning be done by one thread) and the point of Linux's optimistic spin queue (MCS-queued
 *       spinners, one spinning on the lock word): spinners beyond the first only burn the CPU the holder
 *       needs when threads outnumber cores, and add cache-line traffic to its release.</li>
 *   <li><b>Enqueue.</b> Under the queue lock, {@link #parkLocked} re-checks the primitive's state (and
 *       may publish "a waiter is queued" in it, e.g. fair Mutex's {@code PARKED} bit); the node is linked
 *       (at the head for a woken waiter that lost its retry, else at the tail) and {@link #grantLocked}
 *       is run once, so that a release that came before the node was visible is not lost; in a
       non-hand-off queue {@link #tryAcquireLinked} then runs outside the lock (a success withdraws
       the node). A wait nested in that hook's user code, while the thread's node is linked, waits on
       a fresh node.</li>
 *   <li><b>Park</b> with {@link LockSupport#park(Object)} on the thread's own node until a releaser
 *       grants it ({@link #grantLocked}, status {@code GRANTED}), the deadline passes
 *       ({@link System#nanoTime()}; never earlier, and no later than the park's own latency) or, in
 *       the interruptible modes, the thread is interrupted.</li>
 *   <li><b>Grant.</b> In hand-off mode ({@code handOff}: the fair primitives) the granter
 *       has already transferred the resource: the waiter returns. Otherwise the grant is only a wake-up
 *       (wake-one-and-retry, as AQS's non-fair mode): the waiter tries again like an arriving thread,
 *       may spin, and if it loses queues again at the head.</li>
 *   <li><b>Nap</b> (a primitive that asks for it: {@link #wokenNapNanos(int)}, unfair Mutex and unfair
 *       Semaphore's single-permit waits). A woken
 *       waiter that lost its retry keeps its wake-up (the {@code waking} token: releases meanwhile
 *       unpark nobody) and parks for the nap ({@link SpinThenPark#nap}, never past a timed wait's
 *       deadline), then retries, up to {@link SpinPolicy#WOKEN_NAPS} naps in a row, and only while no
 *       other waiter is queued; then it queues again at the head, giving the token back. Interrupted (interruptible modes) or past its
 *       deadline, it passes the token on ({@link #passOnLocked}) and gives up; an uninterruptible
 *       wait's interrupt is cleared for the nap and set again at the end. Between two threads this
 *       ends the wake-up cycle of one unpark and one park per release (SpinPolicy's class notes).</li>
 *   <li><b>Withdrawal.</b> A waiter that times out or is interrupted takes the queue lock: still
 *       {@code WAITING}, it unlinks itself ({@link #withdrawnLocked}) and runs {@link #grantLocked}
 *       (it may have been the head that held back others); already granted, it keeps the grant in
 *       hand-off mode (returning normally, interrupt status kept), or passes the wake-up on
 *       ({@link #passOnLocked}) so that no wake-up is lost.</li>
 * </ol>
 *
 * <p><b>Properties.</b> No lost wake-up: a waiter re-checks the state after it became visible
 * (under the queue lock, with {@link #hasWaiters()} or the primitive's own bit written by volatile
 * accesses), and a releaser checks for waiters after its volatile read-modify-write of the state:
 * by the total order of volatile accesses one of them sees the other. A napper is in no list and
 * releases skip it (its token is out), so its liveness rests on the nap's timer instead: every nap
 * ends (spuriously, by interrupt or at its time), and the napper then retries, naps again (at most
 * {@link SpinPolicy#WOKEN_NAPS} times) or queues again by the enqueue step above, whose handshake
 * gives the token back before the re-check; a release during the nap is at worst seen one nap late. No lost grant: grants and
 * withdrawals are decided under the queue lock. No unpark under the queue lock for a run of waiters
 * granted together ({@link #grantRun}, e.g. ReadWriteMutex's readers): the releaser unparks the run's
 * first thread after releasing it, and each granted thread unparks the next as soon as it sees its
 * grant, on every path that sees it (AQS's shared-mode propagation). Bounded spinning: at most one thread per primitive
 * spins at a time. Allocation: none after a thread's first wait (its {@link WaitNode} is reused). Observability: the first park
 * of an acquisition begins a JFR {@code dev.lockstep.ContendedAcquire} event and a successful or
 * timed-out return ends it ({@link dev.lockstep.core.internal.jfr.Jfr}); while no recording enables the
 * event nothing is allocated and the paths that do not park do not reach it.
 *
 * <p><b>Usage</b> (a counting semaphore; see {@code dev.lockstep.core.sync.Semaphore}):
 * <pre>{@code
 * private static final class Queue extends WaitQueue {
 *     final Sem s;
 *     Queue(Sem s) { super(false, true); this.s = s; }
 *     protected boolean tryAcquire(int n, boolean woken) { return s.tryTake(n); }
 *     protected boolean parkLocked(int n, boolean woken) { return true; }
 *     protected WaitNode grantLocked() {        // wake the head if its permits are there
 *         return !isEmpty() && s.available() >= first().arg ? grantFirst() : null;
 *     }
 * }
 * boolean acquire(int n) throws InterruptedException {
 *     return tryTake(n) || queue.acquire(this, n, Waits.INTERRUPTIBLE, 0L);
 * }
 * void release(int n) { add(n); queue.wakeWaiters(); } // after the volatile RMW of the count
 * }</pre>
 *
 * <p><b>Serialization.</b> Serializable only so that the primitives that hold one in a final field can
 * be serializable: the queue's own fields are transient, so a deserialized queue is empty and unlocked
 * (waiters belong to the JVM that had them).
 *
 * <p><b>Implementation notes.</b> The queue lock guards head/tail, the nodes' links and {@code arg},
 * and every transition of a queued node's status: WAITING is written when linking, GRANTED by
 * {@link #grantFirst()} and IDLE by {@link #remove}. A node's thread changes its own status back to
 * IDLE only when it is no longer linked. {@code head} and {@code transferred} are also written with
 * volatile stores so that {@link #hasWaiters()}/{@link #hasTransferred()} may read them without the
 * queue lock. {@code spinner} is the one-spinner slot; it guards no data.
 */
public abstract class WaitQueue implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final VarHandle QLOCK;
    private static final VarHandle HEAD;
    private static final VarHandle TRANSFERRED;
    private static final VarHandle SPINNER;
    private static final VarHandle WAKING;
    private static final VarHandle NAPPER;
    private static final VarHandle BUSY_YIELDERS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            QLOCK = lookup.findVarHandle(WaitQueue.class, "qlock", int.class);
            HEAD = lookup.findVarHandle(WaitQueue.class, "head", WaitNode.class);
            TRANSFERRED = lookup.findVarHandle(WaitQueue.class, "transferred", WaitNode.class);
            SPINNER = lookup.findVarHandle(WaitQueue.class, "spinner", int.class);
            WAKING = lookup.findVarHandle(WaitQueue.class, "waking", int.class);
            NAPPER = lookup.findVarHandle(WaitQueue.class, "napper", WaitNode.class);
            BUSY_YIELDERS = lookup.findVarHandle(WaitQueue.class, "busyYielders", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private transient int qlock;
    /** Written under the queue lock with volatile stores, so that it may be read without it. */
    private transient WaitNode head;
    /** Guarded by the queue lock. */
    private transient WaitNode tail;
    /**
     * Condition waiters that were signalled and have not yet re-acquired the lock (a Mutex's
     * conditions only), linked through {@link WaitNode#transferNext}, most recent first. They count as
     * queued for the lock in the monitoring queries, as AbstractQueuedSynchronizer's signal moves the
     * node to the lock's queue. Written under the queue lock with volatile stores, so that
     * {@link #hasTransferred()} may read it without.
     */
    private transient WaitNode transferred;
    /** 1 while a thread spins in {@link #acquire} (at most one spinner per primitive). */
    private transient int spinner;
    /**
     * The threads in the busy-yield phase now ({@link #yieldWhileBusy}), counted only where
     * {@link #maxBusyYielders} bounds them; it guards no data.
     */
    private transient int busyYielders;
    /** A granted waiter owns what it waited for (direct hand-off); otherwise a grant is a wake-up to retry. */
    private final boolean handOff;
    /** The spin steps of an acquiring thread before it parks (0: no spinning). */
    private final int spins;
    /** The yield steps of the spinning thread after its spins, before it parks (0: none). */
    private final int yields;
    /** The yield steps of a thread that finds another spinning, before it parks (0: none). */
    private final int busyYields;
    /** The most threads in the busy-yield phase at once; the others park at once ({@code Integer.MAX_VALUE}: no bound). */
    private final int maxBusyYielders;
    /**
     * Non-hand-off queues: the number of woken waiters that have not yet retried (Go's
     * {@code mutexWoken}, AQS's cleared node status): while it is non-zero, releases need not wake
     * another waiter. The primitive's policy decides its values (Mutex and Semaphore: a token of 0 or
     * 1; ReadWriteMutex: the woken writer, or the run of readers woken together); it is set from 0
     * only under the queue lock by a granter, and each woken thread takes its part off when it
     * acquires, queues again or gives up. One field for every primitive, so that the pending-wake-up
     * argument is made once (accessors below). Transient: a deserialized queue has no waiters.
     */
    private transient int waking;
    /**
     * The node of the woken waiter that is napping ({@link #wokenNapNanos(int)}), or null: at most one
     * at a time (the slot is taken by compare-and-set), listed by the monitoring queries
     * ({@link #hasNapper()}, {@link #size()}, {@link #contains}, {@link #threads()}) though not linked.
     * It guards no data. Transient: a deserialized queue has no waiters.
     */
    private transient WaitNode napper;

    /**
     * An empty queue; with {@code spin}, at most one thread at a time spins before it parks.
     *
     * @param handOff whether a grant transfers the resource to the waiter (fair modes); otherwise the
     *                woken waiter retries {@link #tryAcquire} and may lose to a barging thread
     * @param spin    whether a thread may spin (one at a time) before it parks
     */
    protected WaitQueue(boolean handOff, boolean spin) {
        this(handOff, spin ? SpinPolicy.SPINS : 0);
    }

    /**
     * An empty queue whose acquiring threads spin (one at a time) for {@code spins} steps before they
     * park. A barging (non-hand-off) lock or semaphore passes {@link SpinPolicy#BARGE_SPINS}: a short
     * budget, so that a waiter does not keep taking the lock from a running holder (see
     * {@link SpinPolicy}'s class notes).
     *
     * @param handOff whether a grant transfers the resource to the waiter (fair modes)
     * @param spins   the spin budget of an acquisition, {@code >= 0} (0: park without spinning)
     * @throws IllegalArgumentException if {@code spins < 0}
     */
    protected WaitQueue(boolean handOff, int spins) {
        this(handOff, spins, 0);
    }

    /**
     * An empty queue whose one spinning thread spins for {@code spins} steps, then calls
     * {@link Thread#yield()} up to {@code yields} times (trying {@link #tryAcquire} after each), before
     * it parks. For a primitive whose waiter is usually released by <em>one</em> partner thread that
     * has itself just been woken (a 2-party {@code Barrier}, a fair {@code Mutex} between 2 threads): a
     * woken thread runs only after the scheduler's wake-up latency, often longer than the spins, so a
     * partner that spins only would park before it, and each round would then cost both a park and an
     * unpark (a convoy that does not end by itself); the yields bridge that latency, as
     * {@link SpinPolicy#idle}'s yield phase does. Still one spinner per primitive: the other waiters
     * park at once.
     *
     * @param handOff whether a grant transfers the resource to the waiter (fair modes)
     * @param spins   the spin budget of an acquisition, {@code >= 0} (0: no {@code onSpinWait} steps)
     * @param yields  the yields after the spins, {@code >= 0} (0: park right after the spins)
     * @throws IllegalArgumentException if {@code spins < 0} or {@code yields < 0}
     */
    protected WaitQueue(boolean handOff, int spins, int yields) {
        this(handOff, spins, yields, 0);
    }

    /**
     * As {@link #WaitQueue(boolean, int, int)}, and a thread that finds another one spinning (the
     * one-spinner slot taken) calls {@link Thread#yield()} up to {@code busyYields} times, trying
     * {@link #tryAcquire} after each, before it parks, instead of parking at once. For a primitive whose
     * waiters are each released by a partner that runs all the time (the blocking queues: a producer
     * waiting for a slot while a second producer spins is released by the consumer's next
     * {@code poll}, a few nanoseconds later): a waiter that parks at once is woken only after the
     * scheduler's wake-up latency, moves one element, finds the ring full again and parks again, one
     * park and unpark per element (a convoy). Yielding spends no {@link Thread#onSpinWait()} steps, so
     * the one-spinner rule's point (spinners beyond the first do not burn the CPU the others need) is
     * kept: a yield gives the core to any runnable thread.
     *
     * @param handOff    whether a grant transfers the resource to the waiter (fair modes)
     * @param spins      the spin budget of an acquisition, {@code >= 0}
     * @param yields     the yields of the one spinner after its spins, {@code >= 0}
     * @param busyYields the yields of a thread that finds another spinning, {@code >= 0} (0: it parks at once)
     * @throws IllegalArgumentException if any budget is negative
     */
    protected WaitQueue(boolean handOff, int spins, int yields, int busyYields) {
        this(handOff, spins, yields, busyYields, Integer.MAX_VALUE);
    }

    /**
     * As {@link #WaitQueue(boolean, int, int, int)}, and at most {@code maxBusyYielders} threads are in
     * the busy-yield phase at once: a thread that finds the one-spinner slot taken and that many others
     * already yielding naps instead ({@link SpinPolicy#OVERFLOW_NAP_NANOS}, retrying after each nap, up to
     * {@link SpinPolicy#OVERFLOW_NAPS} naps), then parks as usual; a thread that holds a wake-up (woken,
     * lost its retry) parks at once. For a primitive on whose sides several threads wait at once (the
     * multi-producer blocking queues with 4 threads on a side on 2 cores): every yielding thread makes an
     * attempt after each yield, on the lines the threads that move elements write, and stays runnable,
     * so the running threads share the cores with all of them; a bound of one (the spinner and one busy
     * yielder per side) keeps the two-waiter case the busy yields were made for (a second producer of a
     * full MPSC ring). The rest nap rather than park: a parked waiter is linked, and every operation of
     * the other side that frees what it waits for unparks it, on the thread everything waits for when
     * that side has one thread (4 producers and 1 consumer); a napper is off the CPU and in no list, and
     * wakes by its own timer. Measured (issue 12, twenty-third round, README "Queue performance"): the
     * napping form ahead of both the unbounded yields and parking at once in 4 + 4, 4 + 1 and 1 + 4.
     * The blocking queues now pass 0 (twenty-fourth round): the second waiter on a side naps too, which
     * lifted MPSC 2 + 1 and MPMC 2 + 2 past ArrayBlockingQueue and left the 4-thread cells where they
     * were; the bound stays a parameter for a primitive whose second waiter should yield.
     *
     * @param handOff         whether a grant transfers the resource to the waiter (fair modes)
     * @param spins           the spin budget of an acquisition, {@code >= 0}
     * @param yields          the yields of the one spinner after its spins, {@code >= 0}
     * @param busyYields      the yields of a thread that finds another spinning, {@code >= 0} (0: it parks at once)
     * @param maxBusyYielders the most threads in the busy-yield phase at once, {@code >= 0} (0: every
     *                        thread that finds the spinner slot taken naps; the busy-yield budget is then unused)
     *                        ({@code Integer.MAX_VALUE}: no bound)
     * @throws IllegalArgumentException if any budget or {@code maxBusyYielders} is negative
     */
    protected WaitQueue(boolean handOff, int spins, int yields, int busyYields, int maxBusyYielders) {
        if (spins < 0) {
            throw new IllegalArgumentException("spins < 0: " + spins);
        }
        if (yields < 0) {
            throw new IllegalArgumentException("yields < 0: " + yields);
        }
        if (busyYields < 0) {
            throw new IllegalArgumentException("busyYields < 0: " + busyYields);
        }
        if (maxBusyYielders < 0) {
            throw new IllegalArgumentException("maxBusyYielders < 0: " + maxBusyYielders);
        }
        this.handOff = handOff;
        this.maxBusyYielders = maxBusyYielders;
        this.spins = spins;
        this.yields = yields;
        this.busyYields = busyYields;
    }

    /**
     * The spin budget of an acquisition on this queue, as given to the constructor (for tests and
     * diagnostics).
     *
     * @return the number of spin steps before an acquiring thread parks; 0 if it does not spin
     */
    public final int spinBudget() {
        return spins;
    }

    /**
     * The yields of the spinning thread after its {@link #spinBudget()} spins, before it parks, as
     * given to the constructor (for tests and diagnostics).
     *
     * @return the number of {@link Thread#yield()} steps after the spins; 0 if none
     */
    public final int yieldBudget() {
        return yields;
    }

    /**
     * The yields of a thread that finds another one spinning, before it parks, as given to the
     * constructor (for tests and diagnostics).
     *
     * @return the number of {@link Thread#yield()} steps of a thread that cannot spin; 0 if it parks at once
     */
    public final int busyYieldBudget() {
        return busyYields;
    }

    /**
     * The most threads in the busy-yield phase at once, as given to the constructor (for tests and
     * diagnostics).
     *
     * @return the bound; {@code Integer.MAX_VALUE} if there is none
     */
    public final int maxBusyYielders() {
        return maxBusyYielders;
    }

    // ---------------------------------------------------------------------------------------------
    // The pending wake-up (non-hand-off queues)

    /**
     * The pending wake-up count, by a volatile read: a releaser's look after its volatile write or
     * read-modify-write of the primitive's state, and a waiter's re-check after its volatile write
     * (its link, or its part of the count given back). By the total order of volatile accesses, a
     * releaser that reads a non-zero count here is ordered before the woken thread's later volatile
     * store or RMW that takes its part off, which then reads the releaser's state change in its retry.
     *
     * @return the number of woken waiters that have not yet retried
     */
    public final int getVolatileWaking() {
        return (int) WAKING.getVolatile(this);
    }

    /**
     * Sets the pending wake-up count by a volatile store: a granter under the queue lock (from 0), or
     * the holder of a single token giving it back (to 0). Volatile, so that it takes its place in the
     * synchronization order before the thread's following volatile read of the primitive's state.
     *
     * @param value the new count
     */
    public final void setVolatileWaking(int value) {
        WAKING.setVolatile(this, value);
    }

    /**
     * Adds {@code delta} to the pending wake-up count by a volatile read-modify-write: one of several
     * threads woken together takes its part off ({@code -1}) without losing another's update.
     *
     * @param delta the change
     */
    public final void getAndAddWaking(int delta) {
        WAKING.getAndAdd(this, delta);
    }

    // ---------------------------------------------------------------------------------------------
    // The primitive's grant decision

    /**
     * One attempt to take {@code arg} for the current thread, without the queue lock (the primitive
     * applies its own fairness rule). {@code woken}: the thread was woken by a grant of a non-hand-off
     * queue and has not queued again since (a primitive that marks a pending wake-up in its state, as
     * Mutex, Semaphore and ReadWriteMutex with {@link #getVolatileWaking()}, takes its part off when
     * this attempt succeeds).
     *
     * @param arg   what the thread asks for (permits, reader or writer), as passed to {@link #acquire}
     * @param woken whether the thread holds an unused wake-up of a non-hand-off grant
     * @return {@code true} if the current thread now holds {@code arg}
     */
    protected abstract boolean tryAcquire(int arg, boolean woken);

    /**
     * Under the queue lock, before the current thread's node is linked: the last check. Returns false
     * to make the thread retry {@link #tryAcquire} instead of parking (e.g. the lock was freed
     * meanwhile). May publish in the primitive's state that a waiter is queued; if it returns true with
     * {@code woken}, the pending wake-up is consumed (the node is queued again).
     *
     * @param arg   what the thread asks for, as passed to {@link #acquire}
     * @param woken whether the thread holds an unused wake-up of a non-hand-off grant
     * @return {@code true} to queue and park, {@code false} to retry {@link #tryAcquire} first
     */
    protected abstract boolean parkLocked(int arg, boolean woken);

    /**
     * Under the queue lock: grants the waiters from the head that may go now ({@link #grantFirst()};
     * in hand-off mode after transferring the resource to them), unparks all of them but the first with
     * {@link #unpark(WaitNode)} (or grants a run with {@link #grantRun(int)}, whose threads wake one
     * another outside the queue lock), and returns the first (or null) for the caller to unpark once the
     * queue lock is released. Run after a node was linked, after a withdrawal, and by releasers through
     * {@link #wakeWaiters()}.
     *
     * @return the first granted node, to unpark after the queue lock is released, or {@code null}
     */
    protected abstract WaitNode grantLocked();

    /**
     * Under the queue lock: bookkeeping after {@code node} withdrew (was unlinked). Default: none.
     *
     * @param node the withdrawn node, no longer linked
     */
    protected void withdrawnLocked(WaitNode node) {
    }

    /**
     * Under the queue lock: a woken waiter of a non-hand-off queue gives up without using its wake-up;
     * wake another in its place (as {@link #grantLocked()} returns). Default: {@link #grantLocked()}.
     *
     * @return the node to unpark after the queue lock is released, or {@code null}
     */
    protected WaitNode passOnLocked() {
        return grantLocked();
    }

    /**
     * As {@link #passOnLocked()}, told what the giving-up waiter had asked for (for a primitive whose
     * pending wake-up is counted per kind, e.g. ReadWriteMutex's woken writer, still counted as a
     * waiting writer until it acquires or gives up). Default: {@link #passOnLocked()}.
     *
     * @param arg what the giving-up thread asked for, as passed to {@link #acquire}
     * @return the node to unpark after the queue lock is released, or {@code null}
     */
    protected WaitNode passOnLocked(int arg) {
        return passOnLocked();
    }

    /**
     * The nap of a woken waiter of a non-hand-off queue that lost its retry for {@code arg}, in
     * nanoseconds; 0 (the default) makes it queue again at once. A primitive whose pending wake-up is
     * one token and whose releases skip their wake-up while it is held may return
     * {@link SpinPolicy#WOKEN_NAP_NANOS} (unfair {@link dev.lockstep.core.sync.Mutex}; unfair
     * {@link dev.lockstep.core.sync.Semaphore} for a single permit, where any release is what the
     * napper waits for): the loser then keeps the token and naps, up to {@link SpinPolicy#WOKEN_NAPS}
     * times in a row, retrying after each nap (see {@link #acquire}'s "Nap" step), instead of queueing
     * and being unparked by a later release. The primitive's {@link #tryAcquire} must then give the
     * token back only when the woken waiter succeeds (or queues again, {@link #parkLocked}), not when
     * its retry fails. Called on that slow path only.
     *
     * @param arg what the woken waiter asks for, as passed to {@link #acquire}
     * @return the nap in nanoseconds, {@code >= 0}
     */
    protected long wokenNapNanos(int arg) {
        return 0L;
    }

    /**
     * Called by the waiting thread after its node was granted in hand-off mode (the resource is already
     * its own), for per-thread bookkeeping. Default: none.
     *
     * @param arg what the thread was granted, as passed to {@link #acquire}
     */
    protected void acquiredByGrant(int arg) {
    }

    // ---------------------------------------------------------------------------------------------
    // The acquisition loop

    /**
     * Waits until {@code arg} is acquired, as decided by the grant hooks.
     *
     * @param blocker  the primitive, recorded as the park blocker and the node's {@link WaitNode#blockedOn()}
     * @param arg      what the thread asks for (permits, reader or writer), passed to the hooks and stored
     *                 in the node's {@link WaitNode#arg}
     * @param mode     {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE} or {@link Waits#TIMED}
     * @param deadline the {@link System#nanoTime()} deadline of a timed wait
     * @return true once acquired; false only if a timed wait reached its deadline first
     * @throws InterruptedException in the interruptible modes, after withdrawing (the status cleared)
     */
    public final boolean acquire(Object blocker, int arg, int mode, long deadline) throws InterruptedException {
        return acquire(blocker, arg, mode, deadline, false);
    }

    /**
     * As {@link #acquire(Object, int, int, long)}, for a caller that has already spun: it made its
     * arrival attempt and then {@link #spinBudget()} attempts of {@link #tryAcquire} (with
     * {@code woken} false), each after a {@link Thread#onSpinWait()}, all failed, before it computed
     * {@code deadline}. The first round then skips the arrival attempt and the spin phase's
     * {@code onSpinWait} steps (the yield phases, if any, still run); later rounds (after a wake-up)
     * spin as usual. For the blocking queues (issue 12): their consumer that finds the ring empty
     * retries the real {@code poll} before paying for the wait's set-up (the clock read for the
     * deadline, the thread-local reads, this queue's one-spinner slot), as a spin loop over a
     * non-blocking ring does. The caller's spin announces nothing (no node, no state written), so a
     * release during it is simply seen by one of its attempts or by this method's re-check after
     * linking: the lost-wake-up argument is {@link #acquire(Object, int, int, long)}'s.
     *
     * @param blocker  as in {@link #acquire(Object, int, int, long)}
     * @param arg      as in {@link #acquire(Object, int, int, long)}
     * @param mode     as in {@link #acquire(Object, int, int, long)}
     * @param deadline as in {@link #acquire(Object, int, int, long)}
     * @return true once acquired; false only if a timed wait reached its deadline first
     * @throws InterruptedException in the interruptible modes, after withdrawing (the status cleared)
     */
    public final boolean acquireAfterSpin(Object blocker, int arg, int mode, long deadline) throws InterruptedException {
        return acquire(blocker, arg, mode, deadline, true);
    }

    private boolean acquire(Object blocker, int arg, int mode, long deadline, boolean spun) throws InterruptedException {
        WaitNode node = null;
        boolean woken = false; // non-hand-off: woken by a grant, not queued again since
        int naps = 0;          // naps taken since the last wake-up (woken losers only)
        Object jfr = null;     // the JFR ContendedAcquire event, begun at the first park if recorded
        for (; ; ) {
            if (spun) {
                // The caller's spin stood for the arrival attempt and the spin steps (first round only).
                spun = false;
                if ((yields | busyYields) != 0 && spin(arg, false, mode, deadline, 0)) {
                    break;
                }
            } else if (tryAcquire(arg, woken) || (spins | yields | busyYields) != 0
                    && spin(arg, woken, mode, deadline, spins)) {
                break;
            }
            if (mode == Waits.TIMED && System.nanoTime() - deadline >= 0) {
                if (woken) {
                    passOn(arg);
                }
                Jfr.endContended(jfr, false);
                return false;
            }
            // Nap only while no other waiter is queued: the nap ends the wake-up cycle of two threads on
            // one lock; with others queued, the releases that skip them while we hold the token and our
            // own timer wake-ups cost more than queueing again at the head (thirty-eighth round).
            if (woken && naps < SpinPolicy.WOKEN_NAPS && !hasWaiters()) {
                long nap = wokenNapNanos(arg);
                // Volatile CAS: one napper at a time in the monitoring slot (it guards no data).
                if (nap > 0L && NAPPER.compareAndSet(this, null, node)) {
                    // Nap, keeping the wake-up token: releases skip their unpark while it is held, and
                    // we retry at the nap's end whatever happened meanwhile, so no wake-up is lost.
                    int exit = SpinThenPark.checkExit(mode, deadline);
                    if (exit == SpinThenPark.GO_ON && SpinThenPark.nap(blocker, mode, deadline, nap)) {
                        node.interrupted = true; // an uninterruptible wait's interrupt, re-asserted at the end
                    }
                    // Volatile store: a monitoring query under the queue lock that follows in the
                    // synchronization order sees the slot empty (the retry below is not under it).
                    NAPPER.setVolatile(this, null);
                    if (exit != SpinThenPark.GO_ON) {
                        passOn(arg); // the unused wake-up goes to another waiter
                        node.restoreInterrupt();
                        if (exit == SpinThenPark.INTERRUPTED) {
                            throw new InterruptedException();
                        }
                        Jfr.endContended(jfr, false);
                        return false;
                    }
                    naps++;
                    continue;
                }
            }
            if (node == null) {
                node = WaitNode.current();
                if (node.getAcquireStatus() != WaitNode.IDLE) {
                    // Our node is linked in another queue: this wait is nested in a hook's user code
                    // (e.g. a blocking queue's priority function, run by tryAcquireLinked while the
                    // node waits there). Wait on a fresh node; the outer wait's grant, if it comes
                    // meanwhile, only wakes our park spuriously, and its status keeps it.
                    node = WaitNode.unregistered(Thread.currentThread());
                }
            }
            if (!enqueue(node, blocker, arg, woken)) {
                continue;
            }
            woken = false;
            naps = 0;
            if (!handOff && tryAcquireLinked(arg)) {
                // Acquired by the re-check after linking: withdraw the node (or, granted meanwhile,
                // pass the unused wake-up on) and return without parking.
                lock();
                if (node.getAcquireStatus() == WaitNode.WAITING) {
                    remove(node);
                    withdrawnLocked(node);
                    WaitNode wake = grantLocked();
                    unlock();
                    unpark(wake);
                } else {
                    unlock();
                    wakeRunNext(node); // granted meanwhile: wake the rest of its run first
                    node.setPlainStatus(WaitNode.IDLE); // plain: granted, so unlinked: our own node again
                    passOn(arg);
                }
                node.setBlockedOn(null);
                break;
            }
            if (jfr == null) {
                jfr = Jfr.beginContended(blocker); // slow path only: null unless a recording enables it
            }
            int r = node.await(blocker, mode, deadline);
            node.setBlockedOn(null);
            if (r >= 0) {
                wakeRunNext(node); // granted: wake the rest of its run before anything else
            } else {
                lock();
                if (node.getAcquireStatus() == WaitNode.WAITING) {
                    remove(node);
                    withdrawnLocked(node);
                    WaitNode wake = grantLocked(); // we may have been the head that held others back
                    unlock();
                    unpark(wake);
                    node.restoreInterrupt(); // nothing swallowed in these modes; kept for symmetry
                    if (r == WaitNode.INTERRUPTED) {
                        throw new InterruptedException();
                    }
                    Jfr.endContended(jfr, false);
                    return false;
                }
                unlock();
                wakeRunNext(node); // granted while giving up: the rest of its run still needs waking
                node.setPlainStatus(WaitNode.IDLE); // plain: granted, so unlinked: our own node again
                if (!handOff) {
                    passOn(arg); // woken while giving up: the wake-up goes to another waiter
                    if (r == WaitNode.INTERRUPTED) {
                        throw new InterruptedException();
                    }
                    Jfr.endContended(jfr, false);
                    return false;
                }
                if (r == WaitNode.INTERRUPTED) {
                    node.interrupted = true; // granted first: keep it, and the interrupt status
                }
            }
            node.setPlainStatus(WaitNode.IDLE); // plain: granted, so unlinked: our own node again
            if (handOff) {
                acquiredByGrant(arg);
                break;
            }
            woken = true;
        }
        if (node != null) {
            node.restoreInterrupt();
        }
        Jfr.endContended(jfr, true);
        return true;
    }

    /**
     * Outside the queue lock, after the current thread's node was linked (and {@link #grantLocked} ran)
     * and before it parks: one more attempt, for a primitive whose grant decision cannot be made under
     * the queue lock (a blocking queue's offer and poll wake the other side's waiters, taking that
     * queue's lock). The layer calls it in non-hand-off queues only. A releaser that made the resource
     * available before the node was visible is then seen here (the primitive orders this attempt after
     * the linking, e.g. with {@link java.lang.invoke.VarHandle#fullFence()}); one that comes after finds
     * the node through {@link #hasWaiters()}. If it returns true, the layer unlinks the node (or, if a
     * grant came meanwhile, passes that wake-up on with {@link #passOnLocked()}) and the acquisition
     * succeeds without parking. It may run user code: a wait nested in it uses a fresh node. Default:
     * {@code false}, no attempt (the re-check is {@link #grantLocked} under the queue lock).
     *
     * @param arg what the thread asks for, as passed to {@link #acquire}
     * @return {@code true} if the current thread now holds {@code arg}
     */
    protected boolean tryAcquireLinked(int arg) {
        return false;
    }

    /**
     * The enqueue step of {@link #acquire}: under the queue lock, {@link #parkLocked} (the last check),
     * then links {@code node} (first if {@code woken}, else last), records {@code blocker} in it and runs
     * {@link #grantLocked} (the re-check), and unparks the node that returns unless it is {@code node}
     * itself. Public so that the jcstress handshake probes run this very code without parking.
     *
     * @param node    the current thread's node, not linked in any queue
     * @param blocker the primitive, recorded as the node's {@link WaitNode#blockedOn()}
     * @param arg     what the thread asks for, as passed to {@link #acquire}
     * @param woken   whether the thread holds an unused wake-up of a non-hand-off grant
     * @return {@code false} if {@link #parkLocked} refused (nothing linked), else {@code true}
     */
    public final boolean enqueue(WaitNode node, Object blocker, int arg, boolean woken) {
        lock();
        if (!parkLocked(arg, woken)) {
            unlock();
            return false;
        }
        node.arg = arg;
        if (woken) {
            addFirst(node); // lost the retry: first again, overtaken only by threads that barged meanwhile
        } else {
            addLast(node);
        }
        node.setBlockedOn(blocker);
        WaitNode wake = grantLocked(); // re-check: a release may have come before we were visible
        unlock();
        if (wake != node) {
            unpark(wake);
        }
        return true;
    }

    /**
     * The bounded spin: if no other thread spins here, spin for {@code spinSteps} steps ({@link #spinBudget()},
     * or 0 after a caller's own spin: {@link #acquireAfterSpin}), then yield
     * for {@link #yieldBudget()} steps, trying {@link #tryAcquire} after each. Returns true if
     * acquired; false at once if another thread spins, and after the budget, at the deadline or (in the
     * yield steps of an interruptible wait) once interrupted.
     */
    private boolean spin(int arg, boolean woken, int mode, long deadline, int spinSteps) {
        if ((spinSteps | yields) == 0) {
            // Nothing to spin (after a caller's own spin, with no yield phase): leave the slot alone;
            // only a thread that finds another spinning yields. Opaque: as below.
            return busyYields != 0 && (int) SPINNER.getOpaque(this) != 0 && yieldWhileBusy(arg, woken, mode, deadline);
        }
        // Opaque read, then CAS: the slot guards no data (it only bounds how many threads spin), so
        // atomicity is all that is needed; the CAS is the spec's volatile compareAndSet, which gives it.
        if ((int) SPINNER.getOpaque(this) != 0 || !SPINNER.compareAndSet(this, 0, 1)) {
            return busyYields != 0 && yieldWhileBusy(arg, woken, mode, deadline);
        }
        try {
            for (int i = 0, n = spinSteps; i < n; i++) {
                Thread.onSpinWait();
                if (tryAcquire(arg, woken)) {
                    return true;
                }
                if (mode == Waits.TIMED && (i & 15) == 15 && System.nanoTime() - deadline >= 0) {
                    return false;
                }
            }
            for (int i = 0, n = yields; i < n; i++) {
                // Each yield is a system call: checking the exits at every step costs nothing extra.
                if (mode == Waits.TIMED && System.nanoTime() - deadline >= 0
                        || mode != Waits.UNINTERRUPTIBLE && Thread.currentThread().isInterrupted()) {
                    return false; // the park step reports the timeout or the interrupt
                }
                Thread.yield();
                if (tryAcquire(arg, woken)) {
                    return true;
                }
            }
            return false;
        } finally {
            // Opaque: no data to publish (see above); coherence makes the store visible to the next
            // spinner's opaque read eventually, and a thread that misses it just parks instead.
            SPINNER.setOpaque(this, 0);
        }
    }

    /**
     * Another thread spins: yield for {@link #busyYieldBudget()} steps, trying {@link #tryAcquire} after
     * each. While {@link #maxBusyYielders()} threads yield here already, nap instead
     * ({@link SpinPolicy#OVERFLOW_NAP_NANOS}, trying after each nap and taking a yielder's place as soon
     * as one is free), up to {@link SpinPolicy#OVERFLOW_NAPS} naps; a thread that holds a wake-up
     * ({@code woken}) does not nap. Returns true if acquired; false after the budget or the naps, at
     * once past the bound for a woken thread, at the deadline or (interruptible modes) once interrupted
     * (the park step then reports the timeout or the interrupt).
     */
    private boolean yieldWhileBusy(int arg, boolean woken, int mode, long deadline) {
        if (maxBusyYielders == Integer.MAX_VALUE) {
            return busyYieldSteps(arg, woken, mode, deadline);
        }
        // Opaque read, then CAS, as the one-spinner slot: the count guards no data (it only bounds how
        // many threads yield here), so atomicity is all it needs, which the volatile compareAndSet and
        // getAndAdd give. The CAS never takes the count past the bound; a thread that read a stale count
        // fails it and naps or parks, which is safe: the yields and naps all come before the node is
        // linked, each followed by a plain attempt, so they change no wake-up argument (a release
        // during a nap is seen by the attempt after it, or by the re-check after linking).
        boolean cleared = false; // an uninterruptible wait's interrupt, cleared by a nap
        try {
            for (int naps = 0; ; naps++) {
                int n = (int) BUSY_YIELDERS.getOpaque(this);
                if (n < maxBusyYielders && BUSY_YIELDERS.compareAndSet(this, n, n + 1)) {
                    try {
                        return busyYieldSteps(arg, woken, mode, deadline);
                    } finally {
                        BUSY_YIELDERS.getAndAdd(this, -1);
                    }
                }
                // The bound is reached (or another thread took the place). A waiter that holds a
                // wake-up parks at once (a nap would keep that wake-up from the others); any other naps,
                // off the CPU and out of the list no releaser has to unpark, and retries.
                if (woken || naps >= SpinPolicy.OVERFLOW_NAPS
                        || mode == Waits.TIMED && System.nanoTime() - deadline >= 0
                        || mode != Waits.UNINTERRUPTIBLE && Thread.currentThread().isInterrupted()) {
                    return false; // the park step reports the timeout or the interrupt
                }
                cleared |= SpinThenPark.nap(this, mode, deadline, SpinPolicy.OVERFLOW_NAP_NANOS);
                if (tryAcquire(arg, woken)) {
                    return true;
                }
            }
        } finally {
            SpinThenPark.restoreInterrupt(cleared);
        }
    }

    /** The busy-yield steps proper (see {@link #yieldWhileBusy}). */
    private boolean busyYieldSteps(int arg, boolean woken, int mode, long deadline) {
        for (int i = 0, n = busyYields; i < n; i++) {
            if (mode == Waits.TIMED && System.nanoTime() - deadline >= 0
                    || mode != Waits.UNINTERRUPTIBLE && Thread.currentThread().isInterrupted()) {
                return false;
            }
            Thread.yield();
            if (tryAcquire(arg, woken)) {
                return true;
            }
        }
        return false;
    }

    private void passOn(int arg) {
        lock();
        WaitNode wake = passOnLocked(arg);
        unlock();
        unpark(wake);
    }

    /**
     * A releaser's wake-up: if a waiter may be queued, runs {@link #grantLocked()} under the queue lock
     * and unparks the granted waiters. Call after the volatile read-modify-write of the state that made
     * the resource available (see {@link #hasWaiters()}).
     */
    public final void wakeWaiters() {
        if (hasWaiters()) {
            lock();
            WaitNode wake = grantLocked();
            unlock();
            unpark(wake);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The queue lock and the list

    /** Takes the queue lock (a test-and-test-and-set spin lock waiting by {@link SpinPolicy}). */
    public final void lock() {
        // Volatile CAS (acquire side): the previous queue-lock holder's list updates are visible.
        if (QLOCK.compareAndSet(this, 0, 1)) {
            return;
        }
        int step = 0;
        do {
            step = SpinPolicy.idle(step);
        } while ((int) QLOCK.getOpaque(this) != 0 || !QLOCK.compareAndSet(this, 0, 1));
    }

    /** Releases the queue lock. */
    public final void unlock() {
        // Release: our list updates are visible to the next queue-lock holder.
        QLOCK.setRelease(this, 0);
    }

    /**
     * Whether a waiter may be queued, read without the queue lock. Volatile: a releaser that has just
     * changed the state word with a volatile read-modify-write and reads null here is ordered
     * (synchronization order of volatile accesses) before a waiter's enqueue, and that waiter
     * re-checks the state after enqueuing (the Dekker handshake that rules out lost wake-ups).
     *
     * @return {@code true} if the queue may hold a waiter
     */
    public final boolean hasWaiters() {
        return HEAD.getVolatile(this) != null;
    }

    /**
     * The first queued node, or null. Under the queue lock.
     *
     * @return the head node, or {@code null} if the queue is empty
     */
    public final WaitNode first() {
        return head;
    }

    /**
     * Whether no node is queued. Under the queue lock.
     *
     * @return {@code true} if the queue is empty
     */
    public final boolean isEmpty() {
        return head == null;
    }

    /**
     * Appends a node (status set to WAITING). Under the queue lock.
     *
     * @param node a node not linked in any queue
     */
    public final void addLast(WaitNode node) {
        node.setPlainStatus(WaitNode.WAITING); // plain: published by the queue lock's release
        node.next = null;
        node.prev = tail;
        if (tail == null) {
            HEAD.setVolatile(this, node); // volatile: see hasWaiters()
        } else {
            tail.next = node;
        }
        tail = node;
    }

    /** Puts a node first (status set to WAITING). Under the queue lock. */
    final void addFirst(WaitNode node) {
        node.setPlainStatus(WaitNode.WAITING); // plain: published by the queue lock's release
        node.prev = null;
        node.next = head;
        if (head == null) {
            tail = node;
        } else {
            head.prev = node;
        }
        HEAD.setVolatile(this, node); // volatile: see hasWaiters()
    }

    /** Unlinks a queued node (status back to IDLE). Under the queue lock. */
    final void remove(WaitNode node) {
        unlink(node);
        // Plain is enough: only the node's own thread removes its node; releasers use grant().
        node.setPlainStatus(WaitNode.IDLE);
    }

    /**
     * Unlinks the first node and marks it GRANTED, returning it; the caller unparks it after releasing
     * the queue lock ({@link #unpark}). Under the queue lock, with a non-empty queue.
     *
     * @return the node that was first
     */
    public final WaitNode grantFirst() {
        WaitNode node = head;
        grant(node);
        return node;
    }

    /**
     * Unlinks the first {@code n} nodes, a run granted together (e.g. ReadWriteMutex's readers at the
     * head), and marks them GRANTED, returning the first; the caller unparks only that one, after
     * releasing the queue lock. Each other node of the run is unparked by the thread of the node before
     * it, as soon as that thread sees its grant (AQS's shared-mode propagation,
     * {@code setHeadAndPropagate}): no unpark runs under the queue lock, which the issue 12 profile
     * (8 threads, 90% reads, loaded {@code -prof stack}) found busy with {@code LockSupport.unpark}
     * (6.3 points of the samples) while arriving waiters yielded for it (2.8). No lost wake-up along
     * the run: every granted node's thread reads its grant (its park returns on the unpark of its
     * predecessor, or it finds GRANTED before parking, or it gives up and finds GRANTED under the queue
     * lock), and on each of these paths {@link #acquire} forwards the wake-up before anything else.
     * Only for nodes whose threads wait in {@link #acquire} (not, e.g., a signalled condition waiter's
     * node, which a primitive's own await loop waits on). Under the queue lock, with at least
     * {@code n} nodes queued.
     *
     * @param n the number of nodes to grant from the head, {@code >= 1}
     * @return the first granted node, for the caller to unpark after the queue lock is released
     */
    public final WaitNode grantRun(int n) {
        WaitNode first = head;
        WaitNode last = first;
        // Chain first, then grant: a node's runNext must be written before its GRANTED release store,
        // which its thread may read (with acquire) at once, without the queue lock.
        for (int i = 1; i < n; i++) {
            WaitNode next = last.next;
            last.runNext = next.thread; // plain: published by the release store of GRANTED below
            last = next;
        }
        WaitNode rest = last.next;
        HEAD.setVolatile(this, rest); // volatile: see hasWaiters(); the run is unlinked at once
        if (rest == null) {
            tail = null;
        } else {
            rest.prev = null;
        }
        for (WaitNode p = first; ; ) {
            WaitNode next = p.next; // read before the grant: afterwards the node is its thread's again
            p.next = null;
            p.prev = null;
            // Release: as in grant(); under the queue lock, so a withdrawing waiter sees WAITING and
            // unlinks itself, or GRANTED (and then forwards the run's wake-up).
            p.setReleaseStatus(WaitNode.GRANTED);
            if (p == last) {
                return first;
            }
            p = next;
        }
    }

    /**
     * The granted thread's half of {@link #grantRun}: unparks the next node's thread of its run, if
     * any, and forgets it. Called by the node's own thread after it read GRANTED with acquire (which
     * orders the granter's write of {@code runNext} before this read).
     */
    private static void wakeRunNext(WaitNode node) {
        Thread next = node.runNext;
        if (next != null) {
            node.runNext = null; // plain: our own node; cleared before it can be queued (and granted) again
            LockSupport.unpark(next);
        }
    }

    /**
     * Unlinks a queued node, wherever it is, and marks it GRANTED; the caller unparks it. Under the
     * queue lock.
     *
     * @param node a node linked in this queue
     */
    public final void grant(WaitNode node) {
        unlink(node);
        // Release: the granter's writes (state, critical section) are visible to the woken waiter,
        // which reads GRANTED with acquire. Set under the queue lock, so a waiter that withdraws (and
        // takes the queue lock) sees either WAITING and unlinks itself, or GRANTED: never a grant
        // that lands on a reused node.
        node.setReleaseStatus(WaitNode.GRANTED);
    }

    private void unlink(WaitNode node) {
        WaitNode p = node.prev;
        WaitNode n = node.next;
        if (p == null) {
            HEAD.setVolatile(this, n); // volatile: see hasWaiters()
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        node.next = null;
        node.prev = null;
    }

    /**
     * Records a signalled condition waiter's node (see {@link #transferred}). Under the queue lock.
     *
     * @param node the signalled waiter's lock node, not yet recorded
     */
    public final void addTransferred(WaitNode node) {
        node.transferNext = transferred;
        // Volatile store: read without the queue lock by hasTransferred().
        TRANSFERRED.setVolatile(this, node);
    }

    /**
     * Forgets a re-acquired condition waiter's node, if recorded. Under the queue lock.
     *
     * @param node the waiter's lock node
     */
    public final void removeTransferred(WaitNode node) {
        WaitNode prev = null;
        for (WaitNode p = transferred; p != null; prev = p, p = p.transferNext) {
            if (p == node) {
                if (prev == null) {
                    // Volatile store: read without the queue lock by hasTransferred().
                    TRANSFERRED.setVolatile(this, p.transferNext);
                } else {
                    prev.transferNext = p.transferNext;
                }
                p.transferNext = null;
                return;
            }
        }
    }

    /**
     * Whether a signalled condition waiter has yet to re-acquire; read without the queue lock.
     *
     * @return {@code true} if some signalled condition waiter has not re-acquired yet
     */
    public final boolean hasTransferred() {
        return TRANSFERRED.getVolatile(this) != null;
    }

    /**
     * Counts queued threads, a signalled condition waiter not yet re-acquiring counted once whether or
     * not it has reached the queue itself, and a napping woken waiter ({@link #hasNapper()}). Under the
     * queue lock.
     *
     * @return the number of distinct waiting threads, as {@link #threads()} lists them
     */
    public final int size() {
        return threads().size();
    }

    /**
     * Whether a woken waiter is napping ({@link #wokenNapNanos(int)}): it waits for the primitive though
     * it is in no list. Read without the queue lock (a snapshot).
     *
     * @return {@code true} if a woken waiter naps
     */
    public final boolean hasNapper() {
        return NAPPER.getVolatile(this) != null; // volatile: see the slot's store in acquire
    }

    /**
     * Whether {@code thread} is queued, a signalled condition waiter or the napping woken waiter (see
     * {@link #size}). Under the queue lock.
     *
     * @param thread the thread to look for
     * @return {@code true} if {@code thread} waits here
     */
    public final boolean contains(Thread thread) {
        WaitNode n = (WaitNode) NAPPER.getVolatile(this); // volatile: see the slot's store in acquire
        if (n != null && n.thread == thread) {
            return true;
        }
        for (WaitNode p = head; p != null; p = p.next) {
            if (p.thread == thread) {
                return true;
            }
        }
        for (WaitNode p = transferred; p != null; p = p.transferNext) {
            if (p.thread == thread) {
                return true;
            }
        }
        return false;
    }

    /**
     * The queued threads, head first, then the signalled condition waiters that are not in the queue
     * yet, in signal order, and before all of them a napping woken waiter, which queues first if it
     * queues again (a new list: monitoring only). Under the queue lock.
     *
     * @return a new, modifiable list of the waiting threads
     */
    public final List<Thread> threads() {
        List<Thread> list = new ArrayList<>();
        for (WaitNode p = head; p != null; p = p.next) {
            list.add(p.thread);
        }
        int queued = list.size();
        for (WaitNode p = transferred; p != null; p = p.transferNext) {
            if (!list.subList(0, queued).contains(p.thread)) {
                list.add(queued, p.thread); // most recent first in the chain: insert to restore signal order
            }
        }
        WaitNode n = (WaitNode) NAPPER.getVolatile(this); // volatile: see the slot's store in acquire
        if (n != null && !list.contains(n.thread)) {
            list.add(0, n.thread); // a woken loser: first in line if it queues again
        }
        return list;
    }

    /**
     * Wakes a granted node's thread, if any (an extra unpark of a thread no longer waiting is harmless).
     *
     * @param node the node returned by a grant hook, or {@code null} (then nothing happens)
     */
    public static void unpark(WaitNode node) {
        if (node != null) {
            LockSupport.unpark(node.thread);
        }
    }
}
