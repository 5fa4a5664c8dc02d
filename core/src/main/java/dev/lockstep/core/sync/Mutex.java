package dev.lockstep.core.sync;

import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractOwnableSynchronizer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A reentrant mutual-exclusion lock that spins briefly and then parks, with working
 * {@linkplain #newCondition() conditions}: a drop-in for {@link java.util.concurrent.locks.ReentrantLock}
 * that does not use {@code AbstractQueuedSynchronizer}.
 *
 * <pre>{@code
 * Mutex mutex = new Mutex();              // unfair (barging), like new ReentrantLock()
 * Condition notEmpty = mutex.newCondition();
 * mutex.lock();
 * try {
 *     while (queue.isEmpty()) {
 *         notEmpty.await();
 *     }
 *     return queue.remove();
 * } finally {
 *     mutex.unlock();
 * }
 * }</pre>
 *
 * <p><b>Modes.</b> {@link #Mutex()} is <em>unfair</em> (barging): an arriving thread may take a free
 * lock ahead of parked waiters, which gives the best throughput; a woken waiter that loses the race is
 * queued first again, so it is overtaken only by threads that arrive while it wakes up.
 * {@link #Mutex(boolean) Mutex(true)} is <em>fair</em>: FIFO hand-off, the releasing thread passes
 * the lock directly to the longest-waiting thread and arriving threads queue behind it (the untimed
 * {@link #tryLock()} barges even in fair mode, as in ReentrantLock). Both modes are reentrant: the
 * holder may lock again, and must unlock as many times ({@link #getHoldCount()}). A Mutex may be named
 * ({@link #Mutex(String)}) for {@link Lockdep} reports, {@link #toString()} and thread dumps.
 *
 * <p><b>Algorithm.</b> A state word holds {@code LOCKED} and {@code PARKED} ("the waiter queue is not
 * empty") bits, as in Drepper's futex mutex (<i>Futexes Are Tricky</i>, 2011, mutex #3) and WebKit's
 * {@code WTF::Lock} (F. Pizlo, <i>Locking in WebKit</i>, 2016): lock and unlock are one
 * compare-and-set each when uncontended. A thread that finds the lock held enters Lockstep's waiting
 * layer ({@code dev.lockstep.core.internal.WaitQueue}): it spins briefly if no other thread is spinning
 * on this Mutex (one spinner at a time, as in {@code WTF::Lock}), then, under the layer's small queue
 * lock, sets {@code PARKED} and enqueues itself in FIFO order, and parks with
 * {@code LockSupport.park(this)}. In fair mode an unlock that finds {@code PARKED} hands the lock
 * over to the first waiter under the queue lock. In unfair mode an unlock frees the lock with one
 * atomic add whatever else is set, and a third bit, {@code WAKING}, marks a woken waiter that has not
 * run yet: an unlock wakes the first waiter (under the queue lock) only if it saw {@code PARKED}
 * without {@code WAKING} (as the "woken" flag of Go's {@code sync.Mutex}), so a busy lock costs at
 * most one unpark per wake-up cycle, not one per unlock; its unlock stays one atomic while waiters
 * are queued, and an arriving lock barges with the witness of its first CAS instead of entering the
 * waiting layer.
 *
 * <p><b>Properties.</b> Mutual exclusion; deadlock-free; fair mode is starvation-free and FIFO in
 * queue order; unfair mode is not starvation-free in theory (a waiter can lose every race). Space: one
 * object with four words of state, plus one reusable wait node per thread that ever waited (shared by
 * all Mutexes): uncontended lock/unlock and contended waits allocate nothing once a thread has its node.
 *
 * <p><b>Diagnostics.</b> This class extends {@link AbstractOwnableSynchronizer} and records its
 * holder there, and waiters park with the Mutex as blocker: {@code jstack}, thread dumps and
 * {@code java.lang.management.ThreadMXBean.findDeadlockedThreads()} show who holds a Mutex and who waits
 * for it, and report deadlocks among platform threads. {@link DeadlockDetector#findDeadlocks()} also
 * covers virtual threads. {@link Lockdep} checks lock order when enabled.
 *
 * <p>Works under virtual threads: waiting parks with {@link java.util.concurrent.locks.LockSupport},
 * which unmounts a virtual thread instead of pinning its carrier.
 */
public class Mutex extends AbstractOwnableSynchronizer implements Lock {
    /*
     * Implementation notes.
     * state: LOCKED bit = held; PARKED bit = the wait queue is (or is about to be) non-empty. PARKED is
     * set and cleared only under the queue lock, and a waiter sets it (CAS) only while LOCKED is set, so
     * an unlock whose CAS LOCKED -> 0 succeeds knows nobody is queued, and an unlock that finds PARKED
     * takes the queue lock and sees every queued waiter. While LOCKED is set and the queue lock is held,
     * nobody else changes state, so the unlocker's slow path writes it with a plain release store.
     * Fair mode invariant: PARKED implies LOCKED (unlock hands a held lock over while waiters remain).
     * WAKING (unfair mode only) is set by whoever grants a queued node (unlockSlow, passOnLocked,
     * under the queue lock) and cleared by the woken thread when it acquires, queues again, or gives up:
     * at most one woken-but-not-yet-running waiter at a time.
     * holds (hold count) and the AOS owner are written by the holder only, after acquiring and before
     * releasing, so the state word's acquire/release orders them (see isHeldByCurrentThread).
     * A wait node is WAITING exactly while it is queued; grants are written under the queue lock, so a
     * withdrawing waiter (timeout/interrupt) decides under the queue lock whether it was granted.
     * Unfair release (issue 12): getAndAdd(-LOCKED), one atomic whatever else is set; it wakes only if
     * the value before it had PARKED without WAKING, and then (wakeAfterUnlock, under the queue lock)
     * grants the first waiter only if the lock is still free and nobody else was woken meanwhile: a
     * barger that took it will see PARKED in its own release. The lock fast path barges with the
     * witness of its failed CAS from 0 (bargeWith) instead of entering the waiting layer.
     * Why (profile, JDK 17, 2 cores, loaded machine; MutexBench 4 and 8 threads, -prof perfnorm with
     * context-switches and task-clock, A/B in one window): with more threads than cores, a busy lock
     * has PARKED|WAKING set nearly all the time (a woken waiter waits milliseconds for a CPU), so the
     * old fast paths, CAS(0 -> LOCKED) and CAS(LOCKED -> 0), both failed on every operation: lock went
     * through the waiting layer's tryAcquire (re-read, CAS) and unlock through unlockSlow (re-read,
     * CAS), four atomics per lock/unlock pair where ReentrantLock, whose queue is not in its state
     * word, pays a CAS and a volatile store. CPU time per operation (task-clock) was 63 ns at 4 threads
     * and 74 ns at 8 against ReentrantLock's 28-32 ns; after: 27 and 35 ns (ReentrantLock 22-24),
     * context switches per op 2.3e-4 -> 2.3e-5 (4 threads) and 8.0e-5 -> 4.4e-5 (8), uncontended
     * unchanged (18 ns task-clock per op both).
     */
    private static final long serialVersionUID = 1L;

    private static final int LOCKED = 1;
    private static final int PARKED = 2;
    /** Unfair mode: a woken waiter has not yet run; unlocks need not wake another one. */
    private static final int WAKING = 4;

    private static final VarHandle STATE;

    /**
     * Lockdep's switch, copied so that Lockdep (and WaitNode) are initialised with this class, by the
     * thread that creates the first Mutex: a class initialised lazily inside lock() by many virtual
     * threads at once makes the losers wait for the initialisation, which pins their carriers.
     */
    private static final boolean LOCKDEP = Lockdep.ENABLED;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Mutex.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        WaitNode.initialize();
    }

    private transient int state;
    /** Hold count; plain: written and read by the holder only. */
    private transient int holds;
    /** Whether waiters are granted the lock in FIFO order by direct hand-off (serialized). */
    private final boolean fair;
    /** The name for {@link Lockdep} reports and {@link #toString()}, or null (serialized). */
    private final String name;
    /** Serialized as an empty queue (all its fields are transient): a copy has no waiters. */
    private final Queue queue;

    /** An unfair, unnamed Mutex: the same defaults as {@code new ReentrantLock()}. */
    public Mutex() {
        this(false, null);
    }

    /**
     * An unnamed Mutex, fair (FIFO hand-off) if {@code fair} is true.
     *
     * @param fair {@code true} for FIFO hand-off to the longest waiter, {@code false} to let arriving
     *             threads barge (faster under contention)
     */
    public Mutex(boolean fair) {
        this(fair, null);
    }

    /**
     * An unfair Mutex with a name for {@link Lockdep} reports and {@link #toString()} (null: unnamed).
     *
     * @param name the name, or {@code null} for an unnamed Mutex
     */
    public Mutex(String name) {
        this(false, name);
    }

    /**
     * A Mutex with the given fairness and name (null: unnamed).
     *
     * @param fair {@code true} for FIFO hand-off to the longest waiter, {@code false} to let arriving
     *             threads barge
     * @param name the name for {@link Lockdep} reports and {@link #toString()}, or {@code null}
     */
    public Mutex(boolean fair, String name) {
        this.fair = fair;
        this.name = name;
        this.queue = new Queue(this, fair);
    }

    /*
     * Serialization: as for ReentrantLock, a deserialized Mutex is free (state, holds and the owner are
     * transient) with the same fairness and name, and of the same class (no readResolve, so subclasses
     * deserialize as themselves).
     */

    // ---------------------------------------------------------------------------------------------
    // Lock

    /** Acquires the lock, waiting as long as needed; ignores interrupts (the status is kept). */
    @Override
    public void lock() {
        if (LOCKDEP) {
            Lockdep.CHECKER.beforeAcquire(this);
        }
        // Volatile CAS: acquires the previous holder's release; fair mode too (0 = nobody queued).
        // If it fails, an unfair lock barges at once while waiters are queued (see bargeWith), from a
        // volatile re-read: compareAndExchange's witness here measured 0.88x uncontended (MutexBench.
        // uncontended1, quiet machine, 3 forks: 62.9 -> 55.1 ops/us).
        if (!STATE.compareAndSet(this, 0, LOCKED) && !bargeWith((int) STATE.getVolatile(this))) {
            lockSlowUninterruptibly();
        } else {
            setExclusiveOwnerThread(Thread.currentThread());
            holds = 1;
        }
        if (LOCKDEP) {
            Lockdep.CHECKER.acquired(this);
        }
    }

    /** Acquires the lock unless interrupted before or while waiting. */
    @Override
    public void lockInterruptibly() throws InterruptedException {
        Waits.checkInterrupt();
        if (LOCKDEP) {
            Lockdep.CHECKER.beforeAcquire(this);
        }
        int w = (int) STATE.compareAndExchange(this, 0, LOCKED); // volatile CAS, as in lock()
        if (w != 0 && !bargeWith(w)) {
            lockSlow(Waits.INTERRUPTIBLE, 0L);
        } else {
            setExclusiveOwnerThread(Thread.currentThread());
            holds = 1;
        }
        if (LOCKDEP) {
            Lockdep.CHECKER.acquired(this);
        }
    }

    /**
     * Acquires the lock if it is free (or already held by the current thread); never waits. Barges
     * even in fair mode, as {@link java.util.concurrent.locks.ReentrantLock#tryLock()} does.
     */
    @Override
    public boolean tryLock() {
        Thread me = Thread.currentThread();
        for (; ; ) {
            int s = (int) STATE.getVolatile(this);
            if ((s & LOCKED) != 0) {
                if (getExclusiveOwnerThread() == me) {
                    incrementHolds();
                    break;
                }
                return false;
            }
            // Volatile CAS: acquires the previous holder's release. Keeps PARKED as it is.
            if (STATE.compareAndSet(this, s, s | LOCKED)) {
                setExclusiveOwnerThread(me);
                holds = 1;
                break;
            }
        }
        if (LOCKDEP) {
            Lockdep.CHECKER.acquired(this);
        }
        return true;
    }

    /**
     * Acquires the lock, waiting at most {@code time}; throws {@link InterruptedException} if interrupted
     * before or while waiting. In fair mode it does not barge ahead of queued threads.
     */
    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        Waits.checkInterrupt();
        long deadline = Waits.deadline(time, unit);
        int w = (int) STATE.compareAndExchange(this, 0, LOCKED); // volatile CAS, as in lock()
        if (w == 0 || bargeWith(w)) {
            setExclusiveOwnerThread(Thread.currentThread());
            holds = 1;
        } else if (!lockSlow(Waits.TIMED, deadline)) {
            return false;
        }
        if (LOCKDEP) {
            Lockdep.CHECKER.acquired(this);
        }
        return true;
    }

    /**
     * Releases one hold; the lock is free once the holder has unlocked as many times as it locked.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the lock
     */
    @Override
    public void unlock() {
        if (getExclusiveOwnerThread() != Thread.currentThread()) {
            throw notHeld("unlock");
        }
        if (LOCKDEP) {
            Lockdep.CHECKER.released(this);
        }
        if (--holds == 0) {
            setExclusiveOwnerThread(null); // plain: before the release below, which orders it
            release();
        }
    }

    /**
     * Frees the lock (the holder's last hold). Unfair: one atomic add clears LOCKED whatever else is
     * set, so a lock with queued waiters and a woken waiter pending (PARKED|WAKING, the steady state
     * of a busy lock) is released by one atomic instruction, not a failed CAS, a re-read and a second
     * CAS; only a release that finds PARKED without WAKING wakes a waiter. Fair: LOCKED -> 0, or the
     * hand-over of {@link #unlockSlow()}.
     */
    private void release() {
        if (!fair) {
            // Volatile getAndAdd (release side): publishes the critical section; LOCKED is set (we hold
            // it), so subtracting it clears exactly that bit. The returned value is the state just
            // before our release in the total order of volatile accesses: a waiter's PARKED CAS (which
            // needs LOCKED set) came before it and is seen here, or comes after and fails (lock free).
            int s = (int) STATE.getAndAdd(this, -LOCKED);
            if ((s & (PARKED | WAKING)) == PARKED) {
                wakeAfterUnlock();
            }
        } else if (!STATE.compareAndSet(this, LOCKED, 0)) { // volatile CAS (release side); fails iff PARKED
            unlockSlow();
        }
    }

    /**
     * Unfair mode, after the fast path's CAS from 0 failed with witness {@code w} (waiters queued, or a
     * woken waiter pending, or the lock held): one attempt to take the lock if {@code w} shows it free,
     * keeping PARKED and WAKING as they are (as {@link #tryLockState}); no call into the waiting layer
     * for the common case of a busy lock with waiters. Fair mode never barges here.
     */
    private boolean bargeWith(int w) {
        // Volatile CAS: acquires the previous holder's release.
        return !fair && (w & LOCKED) == 0 && STATE.compareAndSet(this, w, w | LOCKED);
    }

    /**
     * Unfair mode, after a release that saw PARKED without WAKING (the lock is already free): under the
     * queue lock, wake the first waiter (set WAKING, clear PARKED if it was the last) unless the lock
     * was taken meanwhile (its holder's release will see PARKED and wake one) or another release
     * already woke one (WAKING); clear PARKED if every waiter withdrew.
     */
    private void wakeAfterUnlock() {
        WaitNode next = null;
        queue.lock();
        for (; ; ) {
            int s = (int) STATE.getVolatile(this);
            boolean wake = !queue.isEmpty() && (s & (LOCKED | WAKING)) == 0;
            int n = queue.isEmpty() ? s & ~PARKED
                    : !wake ? s
                    : queue.first().next == null ? (s & ~PARKED) | WAKING : s | WAKING;
            // Volatile CAS: bargers may set LOCKED (and holders clear it) concurrently; PARKED and
            // WAKING change only under the queue lock, which we hold.
            if (n == s || STATE.compareAndSet(this, s, n)) {
                if (wake) {
                    next = queue.grantFirst();
                }
                break;
            }
        }
        queue.unlock();
        WaitQueue.unpark(next);
    }

    /** Returns a new condition bound to this Mutex (see {@link MutexCondition}). */
    @Override
    public Condition newCondition() {
        return new MutexCondition(this);
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    /**
     * Whether this Mutex is fair (FIFO hand-off).
     *
     * @return {@code true} if this Mutex is fair
     */
    public boolean isFair() {
        return fair;
    }

    /**
     * The name given at construction, or null.
     *
     * @return the name, or {@code null} if unnamed
     */
    public String name() {
        return name;
    }

    /**
     * Whether some thread holds the lock (a snapshot for monitoring, not for synchronization).
     *
     * @return {@code true} if some thread held the lock at the time of the call
     */
    public boolean isLocked() {
        return ((int) STATE.getVolatile(this) & LOCKED) != 0;
    }

    /**
     * Whether the current thread holds the lock. Exact: the owner field is written only by the holder,
     * so a thread reads its own reference there only if it holds the lock.
     *
     * @return {@code true} if the current thread holds this Mutex
     */
    public boolean isHeldByCurrentThread() {
        return getExclusiveOwnerThread() == Thread.currentThread();
    }

    /**
     * The current thread's number of holds (0 if it does not hold the lock).
     *
     * @return the number of unmatched {@code lock()} calls of the current thread, or 0
     */
    public int getHoldCount() {
        return isHeldByCurrentThread() ? holds : 0;
    }

    /**
     * The holder, or null (a snapshot; may be momentarily null while a hand-over is in progress).
     * Public here ({@code protected} in ReentrantLock): a subclass that re-declares it public, as the
     * JSR-166 TCK's {@code PublicReentrantLock} does, still compiles.
     *
     * @return the thread that holds the lock, or {@code null}
     */
    public Thread getOwner() {
        return getExclusiveOwnerThread();
    }

    /**
     * Whether any thread is parked waiting for the lock, or was signalled on one of its conditions and
     * has not re-acquired it yet (a snapshot; as ReentrantLock, whose signal moves the waiter to the
     * lock's queue).
     *
     * @return {@code true} if some thread may be waiting to acquire
     */
    public boolean hasQueuedThreads() {
        return ((int) STATE.getVolatile(this) & PARKED) != 0 || queue.hasTransferred();
    }

    /**
     * Whether {@code thread} is parked waiting for this lock, or was signalled on one of its conditions
     * and has not re-acquired it yet (a snapshot).
     *
     * @param thread the thread to look for
     * @return {@code true} if {@code thread} is queued for this lock
     * @throws NullPointerException if {@code thread} is null (as ReentrantLock)
     */
    public boolean hasQueuedThread(Thread thread) {
        if (thread == null) {
            throw new NullPointerException("thread");
        }
        queue.lock();
        try {
            return queue.contains(thread);
        } finally {
            queue.unlock();
        }
    }

    /**
     * The number of parked waiters, signalled condition waiters that have not re-acquired yet included
     * (a snapshot; spinning threads are not counted).
     *
     * @return an estimate of the number of threads waiting to acquire
     */
    public int getQueueLength() {
        queue.lock();
        try {
            return queue.size();
        } finally {
            queue.unlock();
        }
    }

    /**
     * The threads parked waiting for the lock, for monitoring (a snapshot, in queue order; threads
     * still in their short spin phase are not included), as {@code ReentrantLock.getQueuedThreads()}.
     *
     * @return a new collection of the queued threads
     */
    protected Collection<Thread> getQueuedThreads() {
        queue.lock();
        try {
            return queue.threads();
        } finally {
            queue.unlock();
        }
    }

    /**
     * Whether some thread awaits {@code condition}.
     *
     * @param condition a condition created by this Mutex's {@link #newCondition()}
     * @return {@code true} if some thread awaits {@code condition}
     * @throws NullPointerException if {@code condition} is null
     * @throws IllegalArgumentException if the condition does not belong to this Mutex
     * @throws IllegalMonitorStateException if the current thread does not hold this Mutex
     */
    public boolean hasWaiters(Condition condition) {
        return ownCondition(condition).hasWaiters();
    }

    /**
     * The number of threads awaiting {@code condition} (same checks as {@link #hasWaiters}).
     *
     * @param condition a condition created by this Mutex's {@link #newCondition()}
     * @return an estimate of the number of threads awaiting {@code condition}
     * @throws NullPointerException if {@code condition} is null
     * @throws IllegalArgumentException if the condition does not belong to this Mutex
     * @throws IllegalMonitorStateException if the current thread does not hold this Mutex
     */
    public int getWaitQueueLength(Condition condition) {
        return ownCondition(condition).waitQueueLength();
    }

    /**
     * The threads awaiting {@code condition}, for monitoring (a snapshot, in signal order; same checks
     * as {@link #hasWaiters}), as {@code ReentrantLock.getWaitingThreads(Condition)}.
     *
     * @param condition a condition created by this Mutex's {@link #newCondition()}
     * @return a new collection of the threads awaiting {@code condition}
     * @throws NullPointerException if {@code condition} is null
     * @throws IllegalArgumentException if the condition does not belong to this Mutex
     * @throws IllegalMonitorStateException if the current thread does not hold this Mutex
     */
    protected Collection<Thread> getWaitingThreads(Condition condition) {
        return ownCondition(condition).waitingThreads();
    }

    /** The JDK's checks, in its order: NullPointerException, then IllegalArgumentException. */
    private MutexCondition ownCondition(Condition condition) {
        if (condition == null) {
            throw new NullPointerException("condition");
        }
        if (!(condition instanceof MutexCondition) || ((MutexCondition) condition).mutex != this) {
            throw new IllegalArgumentException("not a condition of this Mutex: " + condition);
        }
        return (MutexCondition) condition;
    }

    /**
     * The JDK's format: an identity ({@link #name()} if named, else the class name and identity hash)
     * followed by {@code "[Unlocked]"} or {@code "[Locked by thread <name>]"}.
     */
    @Override
    public String toString() {
        Thread holder = getExclusiveOwnerThread();
        return (name != null ? name : super.toString())
                + (holder != null ? "[Locked by thread " + holder.getName() + "]" : "[Unlocked]");
    }

    // ---------------------------------------------------------------------------------------------
    // Internals, also used by MutexCondition

    IllegalMonitorStateException notHeld(String what) {
        return new IllegalMonitorStateException("cannot " + what + ": " + this
                + " is not held by the current thread \"" + Thread.currentThread().getName() + "\"");
    }

    private void incrementHolds() {
        if (holds == Integer.MAX_VALUE) {
            throw new Error("Maximum lock count exceeded");
        }
        holds++;
    }

    /** The holder's count, for a condition wait that releases all holds. */
    int holdsOfHolder() {
        return holds;
    }

    /** Releases every hold of the holder (condition wait); returns how many there were. */
    int releaseAll() {
        int saved = holds;
        if (LOCKDEP) {
            for (int i = 0; i < saved; i++) {
                Lockdep.CHECKER.released(this);
            }
        }
        holds = 0;
        setExclusiveOwnerThread(null);
        release();
        return saved;
    }

    /**
     * A condition's signal: {@code node}'s thread counts as queued for this lock until it re-acquires
     * ({@link #reacquired}). Holding the lock.
     */
    void transferred(WaitNode node) {
        queue.lock();
        queue.addTransferred(node);
        queue.unlock();
    }

    /** The signalled condition waiter {@code node} holds the lock again: no longer queued. */
    void reacquired(WaitNode node) {
        queue.lock();
        queue.removeTransferred(node);
        queue.unlock();
    }

    /** Re-acquires after a condition wait, uninterruptibly, restoring {@code savedHolds}. */
    void reacquire(int savedHolds) {
        int w = (int) STATE.compareAndExchange(this, 0, LOCKED); // volatile CAS, as in lock()
        if (w != 0 && !bargeWith(w)) {
            lockSlowUninterruptibly();
        } else {
            setExclusiveOwnerThread(Thread.currentThread());
        }
        holds = savedHolds;
        if (LOCKDEP) {
            for (int i = 0; i < savedHolds; i++) {
                Lockdep.CHECKER.acquired(this);
            }
        }
    }

    /** {@link #lockSlow} for uninterruptible callers. */
    private void lockSlowUninterruptibly() {
        try {
            lockSlow(Waits.UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError("uninterruptible wait threw", impossible);
        }
    }

    /**
     * The contended acquisition: reentrancy here, then the waiting layer ({@link WaitQueue#acquire}),
     * with this Mutex's grant decision in {@link Queue}.
     *
     * @return true once acquired (owner and holds set); false only for a timed wait that expired
     * @throws InterruptedException in the interruptible modes, after withdrawing from the queue
     */
    private boolean lockSlow(int mode, long deadline) throws InterruptedException {
        Thread me = Thread.currentThread();
        if (getExclusiveOwnerThread() == me) {
            incrementHolds();
            return true;
        }
        if (!queue.acquire(this, 1, mode, deadline)) {
            return false;
        }
        setExclusiveOwnerThread(me);
        holds = 1;
        return true;
    }

    /** One attempt to set LOCKED (fair: only if nobody is queued); {@code woken}: clear our WAKING. */
    private boolean tryLockState(boolean woken) {
        for (; ; ) {
            int s = (int) STATE.getVolatile(this);
            if ((s & LOCKED) != 0 || fair && s != 0) {
                return false;
            }
            // Volatile CAS: acquires the previous holder's release; keeps PARKED as it is, and clears
            // WAKING if it is ours (the next unlock may wake another waiter).
            if (STATE.compareAndSet(this, s, woken ? (s | LOCKED) & ~WAKING : s | LOCKED)) {
                return true;
            }
        }
    }

    /**
     * Under the queue lock: before a waiter is linked, publish PARKED (only while LOCKED is set, so an
     * unlock whose CAS LOCKED -> 0 succeeds knows nobody is queued). A woken waiter queueing again
     * also clears WAKING (unlocks must wake again). False: retry (freed meanwhile, or the CAS lost).
     */
    private boolean parkLocked(boolean woken) {
        int s = (int) STATE.getVolatile(this);
        if ((s & LOCKED) == 0) {
            return false; // freed meanwhile (unfair; fair: s == 0, queue empty): retry the CAS
        }
        // Volatile CAS while LOCKED is set: an unlock from now on takes the slow path and the queue lock.
        return (s & PARKED) != 0 && !woken
                || STATE.compareAndSet(this, s, woken ? (s | PARKED) & ~WAKING : s | PARKED);
    }

    /** Clears PARKED after the queue became empty. Under the queue lock (nobody else sets PARKED). */
    private void clearParkedBit() {
        for (; ; ) {
            int s = (int) STATE.getVolatile(this);
            // Volatile CAS: LOCKED may change concurrently in unfair mode (bargers, unlock fast path
            // cannot run while PARKED is set, but a CAS 0|PARKED -> LOCKED|PARKED can).
            if (STATE.compareAndSet(this, s, s & ~PARKED)) {
                return;
            }
        }
    }

    /**
     * Unfair mode, under the queue lock: a woken waiter gives up without taking the lock: clear its
     * WAKING and, if the lock is free, grant the next waiter in its place (if it is held, its holder's
     * unlock will see PARKED and wake one). Returns the node to unpark.
     */
    private WaitNode passOnLocked() {
        for (; ; ) {
            int s = (int) STATE.getVolatile(this);
            int n = s & ~WAKING;
            boolean wake = (s & LOCKED) == 0 && !queue.isEmpty();
            if (wake) {
                n |= WAKING; // hand our wake-up to the next waiter
                if (queue.first().next == null) {
                    n &= ~PARKED; // it is the last one
                }
            }
            // Volatile CAS: bargers may change LOCKED concurrently; PARKED/WAKING change only under the
            // queue lock, which we hold.
            if (STATE.compareAndSet(this, s, n)) {
                return wake ? queue.grantFirst() : null;
            }
        }
    }

    /**
     * Fair mode, unlock with PARKED set: hand the held lock over to the first waiter (LOCKED stays set).
     * The unfair release is {@link #release()} and {@link #wakeAfterUnlock()}.
     */
    private void unlockSlow() {
        WaitNode next;
        queue.lock();
        if (queue.isEmpty()) {
            next = null;
            // Release: publishes the critical section. Nobody else writes state while LOCKED is set and
            // we hold the queue lock (fair: no barging CAS while the state is not 0); the waiters that
            // set PARKED all withdrew.
            STATE.setRelease(this, 0);
        } else {
            next = queue.grantFirst();
            // Hand-over: LOCKED stays set; the grant's release store publishes the critical section.
            STATE.setRelease(this, queue.isEmpty() ? LOCKED : LOCKED | PARKED);
        }
        queue.unlock();
        WaitQueue.unpark(next);
    }

    /**
     * This Mutex's grant decision in the waiting layer. Unfair mode: a grant is a wake-up (WAKING set
     * by the granter) and the woken thread retries; fair mode: a grant hands the held lock over.
     * Grants come from {@link #unlockSlow()} (fair), {@link #wakeAfterUnlock()} (unfair) and {@link #passOnLocked()}; the Dekker handshake is the
     * PARKED bit set in {@link #parkLocked}, so the generic re-check after linking grants nobody.
     */
    private static final class Queue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final Mutex mutex;

        Queue(Mutex mutex, boolean fair) {
            super(fair, true);
            this.mutex = mutex;
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            return mutex.tryLockState(woken);
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            return mutex.parkLocked(woken);
        }

        @Override
        protected WaitNode grantLocked() {
            return null; // a linked waiter set PARKED while LOCKED was set: the holder's unlock wakes it
        }

        @Override
        protected void withdrawnLocked(WaitNode node) {
            if (isEmpty()) {
                mutex.clearParkedBit();
            }
        }

        @Override
        protected WaitNode passOnLocked() {
            return mutex.passOnLocked();
        }
    }
}
