package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;
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
 * lock ahead of parked waiters, which gives the best throughput; a woken waiter that loses the race
 * while no other thread is queued naps (100 us, up to 8 times, keeping the one pending wake-up, so
 * releases meanwhile unpark nobody) and retries, then is queued first again; with others queued it is
 * queued first again at once, as in AbstractQueuedSynchronizer. The nap trades latency for throughput: two threads on one
 * lock no longer pay an unpark and a park per release (1.2-3x {@code ReentrantLock}'s throughput
 * in MutexBench's 2-thread cell, README "Waiting layer, twentieth round"), but a lock freed during a
 * nap waits for the napper's timer, up to the nap plus the kernel's timer slack, where it would have
 * been woken at once. Turn it off with {@code -Dlockstep.wokenNaps=0}, or use fair mode, which never
 * naps.
 * {@link #Mutex(boolean) Mutex(true)} is <em>fair</em>: FIFO hand-off, the releasing thread passes
 * the lock directly to the longest-waiting thread and arriving threads queue behind it (the untimed
 * {@link #tryLock()} barges even in fair mode, as in ReentrantLock). Both modes are reentrant: the
 * holder may lock again, and must unlock as many times ({@link #getHoldCount()}). A Mutex may be named
 * ({@link #Mutex(String)}) for {@link Lockdep} reports, {@link #toString()} and thread dumps.
 *
 * <p><b>Algorithm.</b> A lock word that is 0 when free, as in Drepper's futex mutex (<i>Futexes Are
 * Tricky</i>, 2011) and WebKit's {@code WTF::Lock} (F. Pizlo, <i>Locking in WebKit</i>, 2016): lock is
 * one compare-and-set from 0. A thread that finds the lock held enters Lockstep's waiting layer
 * ({@code dev.lockstep.core.internal.WaitQueue}): it spins briefly if no other thread is spinning on this
 * Mutex (one spinner at a time, as in {@code WTF::Lock}; in unfair mode only a few attempts,
 * {@code SpinPolicy.BARGE_SPINS}, as AQS's arriving thread, so that it does not keep taking the lock
 * from a running holder; fair mode spins {@code SpinPolicy.SPINS} steps), then enqueues itself in FIFO order under the
 * layer's small queue lock and parks with {@code LockSupport.park(this)}.
 * <em>Unfair mode</em> keeps the waiters out of the lock word, as {@code AbstractQueuedSynchronizer}
 * does: the word is only {@code LOCKED} or 0, so an arriving thread takes a free lock with one CAS from 0
 * even while waiters are queued; unlock is a volatile store of 0 followed by a volatile read of the
 * queue head (AQS's release), and wakes the first waiter (wake-one-and-retry) only if one is queued and
 * no woken waiter is still pending (a "waking" token outside the word, as the "woken" flag of Go's
 * {@code sync.Mutex}): a busy lock costs at most one unpark per wake-up cycle, not one per unlock.
 * <em>Fair mode</em> keeps a {@code PARKED} bit ("the queue is not empty") in the word, so an arriving
 * thread's CAS from 0 fails while anyone waits, and an unlock that finds it hands the lock over
 * directly to the first waiter under the queue lock.
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
     * Unfair mode: state is LOCKED or 0. Only the holder writes it while LOCKED (everybody else CASes
     * from 0), so release is a volatile store. No lost wake-up (Dekker, synchronization order of
     * volatile accesses): a releaser writes 0 then reads the queue head; a waiter links its node
     * (volatile head write, or a link under the queue lock behind a non-null head) then re-reads the word
     * (Queue.grantLocked under the queue lock): either the waiter sees 0 and wakes the first (itself or
     * an earlier waiter), or the releaser sees a waiter. The releaser then skips its wake-up only if the
     * waking token is set: its holder (one woken waiter at a time; set under the queue lock, only when
     * 0) either acquires and later releases (and looks at the queue), or clears the token by volatile
     * store before re-reading the word (queueing again, or giving up in passOnLocked), which orders the
     * same handshake again. A woken waiter that loses may nap holding the token (WaitQueue's "Nap"
     * step): the releases skip it, and its timer stands for their unpark (it retries at each nap's
     * end, and after the last one queues again, clearing the token by the same volatile store before
     * the re-check). wakeAfterUnlock re-checks under the queue lock and wakes nobody if the lock
     * was taken meanwhile: that holder's release came after our read of LOCKED and looks again.
     * Fair mode: state has LOCKED and PARKED bits; PARKED ("the queue is, or is about to be, non-empty")
     * is set and cleared only under the queue lock, and a waiter sets it (CAS) only while LOCKED is
     * set, so an unlock whose CAS LOCKED -> 0 succeeds knows nobody is queued, and an unlock that finds
     * PARKED takes the queue lock and hands over (PARKED implies LOCKED). While LOCKED is set and the
     * queue lock is held, nobody else changes state, so that slow path writes it with a release store.
     * holds (hold count) and the AOS owner are written by the holder only, after acquiring and before
     * releasing, so the state word's acquire/release orders them (see isHeldByCurrentThread).
     * A wait node is WAITING exactly while it is queued; grants are written under the queue lock, so a
     * withdrawing waiter (timeout/interrupt) decides under the queue lock whether it was granted.
     * Why the waiters left the unfair word (issue 12; profile, JDK 17, 2 cores, MutexBench 4 and 8
     * threads, -prof perfnorm with context-switches and task-clock): with more threads than cores the
     * old PARKED and WAKING bits were set nearly all the time (a woken waiter waits milliseconds for a
     * CPU), so the lock's CAS from 0 failed and it paid a re-read and a second CAS (bargeWith), and the
     * release a getAndAdd: Mutex spent 1.4-1.6x ReentrantLock's CPU per operation with no kernel time
     * on either side. Now both pay one CAS to lock and one volatile store to unlock. Measured (loaded
     * machine, one window, before -> after, task-clock per op): 4 threads 44.3 -> 30.1 ns (RL 36.4 /
     * 28.8), 8 threads 43.0 -> 21.5 ns (RL 32.9 / 24.7), context switches per op halved; uncontended
     * 19.8 -> 19.1 ns (mean of four alternating runs). The README's headline rows have the commands.
     */
    private static final long serialVersionUID = 1L;

    private static final int LOCKED = 1;
    /** Fair mode only: the wait queue is (or is about to be) non-empty. */
    private static final int PARKED = 2;

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
        // Volatile CAS: acquires the previous holder's release. Unfair: the word is 0 whenever the
        // lock is free, queued waiters or not (they are kept in the queue), so a free lock costs this
        // one CAS; fair: 0 = free and nobody queued. (compareAndSet, not compareAndExchange: the
        // witness measured 0.88x uncontended, MutexBench.uncontended1, quiet, 3 forks.)
        if (!STATE.compareAndSet(this, 0, LOCKED)) {
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
        if (!STATE.compareAndSet(this, 0, LOCKED)) { // volatile CAS, as in lock()
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
        if (STATE.compareAndSet(this, 0, LOCKED)) { // volatile CAS, as in lock()
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
     * Frees the lock (the holder's last hold). Unfair: one volatile store of 0, then a look at the
     * queue (as AQS's release: volatile state write, then volatile read of the head), and a wake-up
     * only if a waiter is queued and no woken waiter is pending ({@link WaitQueue#getVolatileWaking() waking}); fair:
     * LOCKED -> 0, or the hand-over of {@link #unlockSlow()}.
     */
    private void release() {
        if (!fair) {
            // Volatile store: publishes the critical section (release semantics) and, being a volatile
            // access, takes its place in the total synchronization order before the volatile read of
            // the queue head below (JLS 17.4.4; VarHandle setVolatile/getVolatile: "as if the variable
            // was declared volatile"). A plain store suffices for atomicity: unfair, the word is LOCKED
            // or 0 and only the holder writes it while LOCKED is set (others CAS from 0 only).
            // Dekker with a waiter (Queue.grantLocked after linking: volatile head write, then
            // volatile read of this word): one of the two sees the other's write, so a waiter that
            // missed this 0 is seen in the queue here. setRelease would not do: a release store and a
            // later volatile read may be reordered (no synchronization-order edge between them).
            STATE.setVolatile(this, 0);
            if (queue.hasWaiters() && queue.getVolatileWaking() == 0) {
                wakeAfterUnlock();
            }
        } else if (!STATE.compareAndSet(this, LOCKED, 0)) { // volatile CAS (release side); fails iff PARKED
            unlockSlow();
        }
    }

    /**
     * Unfair mode, after a release that saw a queued waiter and no pending wake-up (the lock is already
     * free): under the queue lock, wake the first waiter unless the lock was taken meanwhile (its
     * holder's release will look at the queue again) or another release already woke one.
     */
    private void wakeAfterUnlock() {
        queue.lock();
        WaitNode next = queue.grantLocked();
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
        return queue.hasWaiters() || queue.hasTransferred() || queue.hasNapper();
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
        if (!STATE.compareAndSet(this, 0, LOCKED)) { // volatile CAS, as in lock()
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

    /**
     * One attempt to set LOCKED (fair: only if nobody is queued). {@code woken} (unfair): the thread
     * holds the pending wake-up; on success it clears {@link WaitQueue#getVolatileWaking() waking} (the next release may wake
     * another waiter).
     */
    private boolean tryLockState(boolean woken) {
        if (!fair) {
            // Volatile read first (test-and-test-and-set: a spinner does not CAS a held lock), then a
            // volatile CAS that acquires the previous holder's release.
            if ((int) STATE.getVolatile(this) != 0 || !STATE.compareAndSet(this, 0, LOCKED)) {
                return false;
            }
            if (woken) {
                queue.setVolatileWaking(0);
            }
            return true;
        }
        for (; ; ) {
            int s = (int) STATE.getVolatile(this);
            if (s != 0) {
                return false;
            }
            // Volatile CAS: acquires the previous holder's release.
            if (STATE.compareAndSet(this, 0, LOCKED)) {
                return true;
            }
        }
    }

    /**
     * Under the queue lock, before a waiter is linked. Fair: publish PARKED (only while LOCKED is set,
     * so an unlock whose CAS LOCKED -> 0 succeeds knows nobody is queued). Unfair: retry if the lock was
     * freed meanwhile; else a woken waiter queueing again gives its pending wake-up back (the re-check
     * after linking, {@link Queue#grantLocked}, is the Dekker half). False: retry.
     */
    private boolean parkLocked(boolean woken) {
        int s = (int) STATE.getVolatile(this);
        if ((s & LOCKED) == 0) {
            return false; // freed meanwhile (fair: s == 0, queue empty): retry the CAS
        }
        if (!fair) {
            if (woken) {
                queue.setVolatileWaking(0);
            }
            return true;
        }
        // Volatile CAS while LOCKED is set: an unlock from now on takes the slow path and the queue lock.
        return (s & PARKED) != 0 || STATE.compareAndSet(this, s, s | PARKED);
    }

    /** Fair mode: clears PARKED after the queue became empty. Under the queue lock (nobody else sets PARKED). */
    private void clearParkedBit() {
        for (; ; ) {
            int s = (int) STATE.getVolatile(this);
            // Volatile CAS: fair mode, the state may go 0 -> LOCKED concurrently (tryLock barges).
            if (STATE.compareAndSet(this, s, s & ~PARKED)) {
                return;
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
     * This Mutex's grant decision in the waiting layer. Unfair mode: a grant is a wake-up
     * ({@link WaitQueue#getVolatileWaking() waking} set to 1 by the granter, back to 0 by the woken thread) and the woken thread retries; the re-check after linking is
     * {@link #grantLocked()} (lock free and no wake-up pending: wake the first). Fair mode: a grant hands
     * the held lock over ({@link #unlockSlow()}); the Dekker handshake is the PARKED bit set in
     * {@link #parkLocked}, so the generic re-check after linking grants nobody.
     */
    private static final class Queue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final Mutex mutex;

        Queue(Mutex mutex, boolean fair) {
            // Fair: hand-off, the full spin budget; non-fair: barging, the short barging budget
            // (SpinPolicy's class notes: a long barging spin takes the lock from a running holder).
            super(fair, fair ? SpinPolicy.SPINS : SpinPolicy.BARGE_SPINS);
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

        /**
         * Fair: null (a linked waiter set PARKED while LOCKED was set: the holder's unlock hands over).
         * Unfair (after linking, after a withdrawal, and from {@link Mutex#wakeAfterUnlock()}): wake the
         * first waiter if the lock is free and no wake-up is pending. A held lock is woken from by its
         * holder's release, which reads the head after its store of 0.
         */
        @Override
        protected WaitNode grantLocked() {
            // Volatile read of the lock word after the volatile write that linked us (head) or gave our
            // wake-up back (waking): the waiter's half of the Dekker handshake with Mutex.release().
            if (mutex.fair || isEmpty() || (int) STATE.getVolatile(mutex) != 0
                    || getVolatileWaking() != 0) {
                return null;
            }
            // Volatile store under the queue lock (the only place it is set): releases that read it
            // skip their wake-up; the woken thread clears it.
            setVolatileWaking(1);
            return grantFirst();
        }

        @Override
        protected void withdrawnLocked(WaitNode node) {
            if (mutex.fair && isEmpty()) {
                mutex.clearParkedBit();
            }
        }

        /**
         * Unfair: a woken waiter that lost its retry naps ({@code SpinPolicy.WOKEN_NAP_NANOS}) holding the
         * waking token, so the releases meanwhile unpark nobody; fair: no naps (a grant is the lock).
         */
        @Override
        protected long wokenNapNanos(int arg) {
            return mutex.fair ? 0L : SpinPolicy.WOKEN_NAP_NANOS;
        }

        /** Unfair: a woken waiter gives up unused: give the wake-up back and wake the next if the lock is free. */
        @Override
        protected WaitNode passOnLocked() {
            setVolatileWaking(0);
            return grantLocked();
        }
    }
}
