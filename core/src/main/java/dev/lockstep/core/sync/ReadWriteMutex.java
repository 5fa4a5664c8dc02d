package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractOwnableSynchronizer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A reentrant read-write lock with writer preference: any number of readers, or one writer; once a
 * writer waits, arriving readers wait behind it, so a stream of readers cannot starve writers. A
 * drop-in for {@link java.util.concurrent.locks.ReentrantReadWriteLock}: the same public and protected
 * API (nested {@link ReadLock} and {@link WriteLock}, hold counts, queue and condition queries,
 * {@code Serializable}) and the same contract, without {@code AbstractQueuedSynchronizer}.
 *
 * <pre>{@code
 * ReadWriteMutex rw = new ReadWriteMutex();
 * V get(K key) {
 *     rw.readLock().lock();
 *     try { return map.get(key); } finally { rw.readLock().unlock(); }
 * }
 * void put(K key, V value) {
 *     rw.writeLock().lock();
 *     try { map.put(key, value); } finally { rw.writeLock().unlock(); }
 * }
 * }</pre>
 *
 * <p><b>Semantics</b> (those of ReentrantReadWriteLock, except where marked).
 * <ul>
 *   <li>Both locks are reentrant. Read holds are counted per thread ({@link #getReadHoldCount()}); a
 *       thread that holds the read lock always gets it again at once, even while a writer waits (it
 *       would otherwise wait for a writer that waits for it).</li>
 *   <li>The write lock is owned: only its holder may unlock it. Its holder may also take the read lock,
 *       and so downgrade (lock write, lock read, unlock write). The write lock has
 *       {@linkplain WriteLock#newCondition() conditions}; the read lock has none
 *       ({@link UnsupportedOperationException}).</li>
 *   <li><b>Upgrade is refused (differs from the JDK).</b> Read to write upgrade deadlocks in every
 *       read-write lock: the writer waits for all read holds, its own included. ReentrantReadWriteLock
 *       then hangs forever; here a blocking write acquisition ({@code lock()},
 *       {@code lockInterruptibly()}, {@code tryLock(time, unit)}) by a thread that holds read holds but
 *       not the write lock throws {@link IllegalMonitorStateException} at once, and {@code tryLock()}
 *       returns false (as in the JDK).</li>
 *   <li><b>Fairness.</b> {@link #ReadWriteMutex()} is non-fair: a writer may barge ahead of queued
 *       threads; a reader waits while any writer is queued (writer preference; the JDK's non-fair mode
 *       only waits for a writer at the head of the queue, a heuristic). {@link #ReadWriteMutex(boolean)
 *       ReadWriteMutex(true)} is fair: readers and writers that find threads queued queue behind them,
 *       and parked threads are granted in arrival order (a writer at the head alone, or all the readers
 *       up to the next writer). In both modes {@code tryLock()} barges (takes an available lock at
 *       once, ahead of queued threads), and a reentrant acquisition never waits.</li>
 *   <li>{@code tryLock(time, unit)} with a time of zero or less does not wait; {@code lockInterruptibly}
 *       and timed {@code tryLock} throw {@link InterruptedException} if the thread is interrupted on entry.
 *       Limits: 2<sup>31</sup>-1 write holds, 2<sup>32</sup>-1 read holds in all (JDK: 65535 each); beyond
 *       them {@link Error}, as in the JDK.</li>
 * </ul>
 *
 * <p><b>Algorithm.</b> One 64-bit state word: reader count (bits 0-31), a writer bit (32), and the
 * number of waiting writers (bits 33-62). A reader enters with one compare-and-exchange from 0, or,
 * if its witness shows only other readers, one more compare-and-set from the witness; it leaves with
 * one get-and-add. A writer enters with one compare-and-set from 0. Otherwise a
 * thread enters Lockstep's waiting layer ({@code dev.lockstep.core.internal.WaitQueue}): it spins for
 * {@link SpinPolicy#SPINS} steps in fair mode, {@link SpinPolicy#BARGE_SPINS} (a few attempts, as AQS's
 * arriving thread) in non-fair mode, if no other thread spins on this lock, then enqueues a reusable
 * per-thread node in FIFO order (a writer also increments the waiting-writer count, which turns arriving
 * readers away) and parks, without yielding. <em>Non-fair mode</em> wakes and retries, as AQS's
 * non-fair mode and {@code Mutex}: a release that leaves the lock available to the queue head wakes
 * the head writer, or every reader up to the next queued writer, and the woken threads retry like
 * arriving ones (a barging writer may win; the loser queues again at the head). A release wakes only
 * if no woken waiter is still pending (a count outside the state word, as the "woken" flag of Go's
 * {@code sync.Mutex}), so a busy lock pays at most one wake-up cycle at a time, not one per release;
 * a woken writer stays counted as waiting until it acquires, so readers do not overtake it. <em>Fair
 * mode</em> grants directly under the queue lock (hand-off): a writer at the head, or every reader up
 * to the next queued writer (so readers queued before a writer are not overtaken by it). This is the
 * classic writer-preference policy of Courtois, Heymans &amp; Parnas, <i>Concurrent control with
 * "readers" and "writers"</i>, CACM 14(10), 1971
 * (second problem), with FIFO service among parked threads. Per-thread read holds: the thread whose
 * read hold takes the reader count from 0, the <em>first reader</em>, counts its holds in two fields of
 * the lock (ReentrantReadWriteLock's {@code firstReader} and {@code firstReaderHoldCount}), written by
 * it alone while it holds, next to the state word it has just changed; every other reader counts them
 * in a {@code HoldCounter} found through a {@link ThreadLocal}. Where reads seldom overlap, as in most
 * read-mostly uses, nearly every read lock/unlock pair is the first reader's and does no
 * {@code ThreadLocal} lookup (issue 12: the two lookups per read were 1.5 of the 11.8 ns of CPU of an
 * uncontended read-mostly operation; see the Implementation notes).
 * Conditions of the write lock keep their waiters in a list guarded by the queue
 * lock; a signal moves the waiter's node to the lock's queue as a writer (as AQS does), so the
 * signalled thread is queued for the lock before the signaller releases it.
 *
 * <p><b>Properties.</b> Mutual exclusion between a writer and anyone else; writers are not starved by
 * readers; readers are not starved by queued writers either, since queued readers are granted (fair)
 * or woken (non-fair) in arrival order relative to queued writers (non-fair, a barging writer may still
 * overtake a woken reader, as in the JDK's non-fair mode). Space: one object; one reusable node per waiting thread (also used for
 * condition waits); one {@code HoldCounter} per thread that read-locked while another thread held a
 * read hold, kept for the life of the lock or of the thread, so that read locking allocates nothing
 * after a thread's first time (the JDK instead drops it at each full release). Uncontended read and write
 * lock/unlock allocate nothing. Extends {@link AbstractOwnableSynchronizer}: the write holder shows in
 * thread dumps.
 */
public class ReadWriteMutex extends AbstractOwnableSynchronizer implements ReadWriteLock, Serializable {
    /*
     * Implementation notes.
     * Writer bit and reader count are never both set except when the writer itself also read-locks
     * (downgrade). WWAIT counts queued writer nodes: incremented under the queue lock when a writer
     * enqueues (or a condition waiter is transferred to the queue), decremented when it is granted (in
     * the same CAS that sets WRITER) or withdraws. Grants happen only under the queue lock in
     * drainLocked(); invariant after it: the queue head cannot be granted in the current state. Waiters
     * re-check after enqueuing; releasers check the queue after their volatile RMW (Dekker handshake
     * through volatile accesses: no lost wake-up).
     * Read holds: each thread counts its own, either as the first reader (firstReader == itself:
     * firstReaderHolds) or in its HoldCounter (thread-confined: plain accesses), never in both, so the
     * per-thread counts are exact for the current thread; the state's reader count is their sum (each
     * changes only right after its thread's successful atomic on the state, or right before it).
     * First reader (as ReentrantReadWriteLock's firstReader; issue 12, thirty-seventh round): a thread
     * whose successful CAS on the state saw a reader count of 0 held no read hold (the count is the
     * sum), so it may count its holds in firstReader / firstReaderHolds; it clears firstReader when its
     * last hold goes, before its releasing getAndAdd. Both fields are plain and read racily by every
     * reader (firstReader == me), which is safe: (a) while T is the first reader the count is >= 1, so
     * no other thread becomes the first reader, and T alone writes the fields; (b) the next first
     * reader U writes firstReader after a CAS that read a count of 0, i.e. after (in the
     * synchronization order) the volatile getAndAdd by which T's last hold left, which T's store of null
     * precedes in program order: T's null happens-before U's store, so the last write is U's; (c) a
     * thread never reads firstReader == itself unless it is the first reader: T's own store of null
     * happens-before its later reads, which therefore cannot see T's earlier store of itself (JLS
     * 17.4.5, happens-before consistency), and no other thread stores T. A stale value read by any other
     * thread is some other thread or null, so it takes its HoldCounter: what it would do anyway.
     * Checked by jcstress ReadWriteMutexFirstReaderTest (the null stored after the getAndAdd
     * instead overwrites the next first reader's store: forbidden outcome) and
     * ReadWriteMutexFirstReaderUnitTest. Measured (ReadMostlyBench, -f 3, same window, main then this):
     * uncontended1 85.1 -> 120.2 ops/us (RRWL 95.7 / 96.4; CPU 11.8 -> 8.3 ns per op), oversubscribed4
     * 62.9 -> 76.1 (RRWL 79.4 / 80.7), oversubscribed8 55.7 -> 70.7 (RRWL 74.5 / 72.4). The fields sit
     * in the lock object with the state word (one line when the object does not straddle two); the
     * design before wrote no shared memory but the state word and paid the two lookups per read.
     * A read hold keeps the reader count >= 1, so the releasing getAndAdd(-1) never borrows from the
     * writer bits; the acquiring compareAndExchange from 0 succeeds only when no writer holds or waits.
     * A node's arg: READ or WRITE while in the lock queue (SIGNALLED for a condition waiter moved there
     * by a signal, a writer always granted by hand-off), COND while in a condition's list; both lists
     * are guarded by the queue lock, so a condition waiter that gives up and a signaller that transfers
     * it decide under it.
     * Non-fair wake-ups (issue 12): the waiting layer's pending wake-up count (WaitQueue.getVolatileWaking) counts the woken waiters that have not yet retried (one
     * writer, or the run of head readers woken together). It is set, from 0 only, under the queue lock
     * in Queue.wakeLocked, which wakes only when the lock is grantable to the head and waking is 0; each
     * woken thread takes its one off (volatile getAndAdd) when it acquires, queues again (parkLocked) or
     * gives up (passOnLocked). A woken writer stays in WWAIT until its acquiring CAS drops it
     * (tryWokenWrite) or it gives up; a woken reader ignores WWAIT (the writers counted there queued
     * behind it, or one of them is the woken one, which cannot coexist with woken readers). No lost
     * wake-up: a releaser does its volatile RMW of the state, then reads head and waking (volatile). A
     * new waiter links (volatile head write, or behind a non-null head) and then re-reads waking and the
     * state under the queue lock: if the releaser read no head, the waiter sees the release. If the
     * releaser read waking != 0, some woken waiter's decrement follows that read in the synchronization
     * order; that waiter then either holds the lock (its own release looks at the queue; a reader also
     * looks right after acquiring, as AQS's setHeadAndPropagate, for readers that queued again while
     * its token was pending), or re-reads waking and the state after its decrement (queued again at
     * the head, or giving up in passOnLocked) and so sees the release. Checked by jcstress
     * ReadWriteMutexNoLostWakeupTest (a barging writer steals the lock from the woken waiter).
     * A run of readers is granted at once (WaitQueue.grantRun) but only its first reader is unparked
     * by the releaser, after the queue lock; each woken reader unparks the next (issue 12, 8 threads:
     * the releaser's unparks under the queue lock were 6.3 points of the loaded -prof stack). Checked
     * by jcstress ReadWriteMutexNoLostWakeupTest (its ReaderRun cases) and WaitQueueRunTest.
     * Why (issue 12, -prof stack, 4 threads, 90% reads): waiters that spun and yielded (the former
     * unboundedSpin) were RUNNABLE 60% of samples and parked 11% with 1e-3 context switches per op,
     * against ReentrantReadWriteLock's 31% / 40% and 1e-4; hand-off to every parked waiter, without the
     * yields, convoyed (2.5e-3 per op). With this design (loaded machine, four alternating A/B rounds
     * against the previous commit, java -jar jmh/target/benchmarks.jar
     * 'sync\.ReadMostlyBench\.(oversubscribed4|oversubscribed8|uncontended1)'
     * -p impl=ReentrantReadWriteLock,ReadWriteMutex -f 1 -wi 1 -w 1s -i 2 -r 1s
     * -prof 'perfnorm:events=context-switches,task-clock', then -prof 'stack:lines=2;top=8'):
     * 4 threads parked 10.7% -> 29.5% of samples (RRWL 25-32%), context switches per op ~1e-4 -> ~4e-5
     * (RRWL 3-6e-5), ratio to RRWL medians 0.54x -> 1.59x; 8 threads parked 7.5% -> 45.4%, medians
     * 0.58x -> 1.05x; uncontended paths unchanged. Details in the README's issue 12 rows.
     */
    private static final long serialVersionUID = 1L;

    private static final long READ_MASK = 0xFFFF_FFFFL;
    private static final long WRITER = 1L << 32;
    private static final long WWAIT = 1L << 33;
    private static final long WWAIT_MASK = ~(READ_MASK | WRITER);
    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int COND = 2;
    /**
     * A condition waiter moved to the lock queue by a signal: a writer (counted in WWAIT) that is
     * always granted by hand-off (the write lock is set for it), in both modes.
     */
    private static final int SIGNALLED = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ReadWriteMutex.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        WaitNode.initialize(); // here, not lazily under contention (see Mutex)
    }

    /** A thread's read holds of this lock; reachable only from that thread's {@link ThreadLocal} entry. */
    static final class HoldCounter {
        /** Plain: read and written by its thread only. */
        int count;
    }

    /** Whether waiting threads are served in arrival order (serialized). */
    private final boolean fair;
    private transient long state;
    /** Write hold count; plain: the write holder's only. */
    private transient int writeHolds;
    // Not final, set again by readObject; a ReadWriteMutex must be published safely, like any object
    // that is not immutable.
    private transient ThreadLocal<HoldCounter> readHolds;
    /**
     * The thread that took the reader count from 0, while it still holds its reads (ReentrantReadWriteLock's
     * {@code firstReader}), and its read holds: that thread counts them here instead of in its
     * {@link HoldCounter}. Plain, racy by design: see the Implementation notes ("first reader").
     */
    private transient Thread firstReader;
    /** The first reader's read holds; plain: read and written by the first reader only, see above. */
    private transient int firstReaderHolds;
    private transient Queue queue;
    private transient ReadLock readerLock;
    private transient WriteLock writerLock;

    /** A free, non-fair read-write lock. */
    public ReadWriteMutex() {
        this(false);
    }

    /**
     * A free read-write lock, fair (arrival order among threads that must wait) if {@code fair}.
     *
     * @param fair {@code true} for arrival-order service of waiting threads, {@code false} to let
     *             arriving threads barge
     */
    public ReadWriteMutex(boolean fair) {
        this.fair = fair;
        init();
    }

    private void init() {
        readHolds = new ThreadLocal<>();
        queue = new Queue(this);
        readerLock = new ReadLock(this);
        writerLock = new WriteLock(this);
    }

    /**
     * A deserialized ReadWriteMutex is free, with the same fairness (as ReentrantReadWriteLock).
     *
     * @param in the stream to read the fairness from
     * @throws IOException            if the stream cannot be read
     * @throws ClassNotFoundException if a class of the serialized form cannot be found
     */
    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        init();
    }

    @Override
    public ReadWriteMutex.ReadLock readLock() {
        return readerLock;
    }

    @Override
    public ReadWriteMutex.WriteLock writeLock() {
        return writerLock;
    }

    // ---------------------------------------------------------------------------------------------
    // Queries (those of ReentrantReadWriteLock)

    /**
     * Whether this lock is fair.
     *
     * @return {@code true} if this lock is fair
     */
    public final boolean isFair() {
        return fair;
    }

    /**
     * The thread that holds the write lock, or null (a snapshot).
     *
     * @return the write holder, or {@code null}
     */
    protected Thread getOwner() {
        return getExclusiveOwnerThread();
    }

    /**
     * Number of read holds of all threads now (a snapshot).
     *
     * @return the total number of read holds
     */
    public int getReadLockCount() {
        return (int) (getVolatileState() & READ_MASK);
    }

    /**
     * Whether a writer holds the lock (a snapshot).
     *
     * @return {@code true} if some thread held the write lock at the time of the call
     */
    public boolean isWriteLocked() {
        return (getVolatileState() & WRITER) != 0;
    }

    /**
     * Whether the current thread holds the write lock (exact: see Mutex#isHeldByCurrentThread).
     *
     * @return {@code true} if the current thread holds the write lock
     */
    public boolean isWriteLockedByCurrentThread() {
        return getExclusiveOwnerThread() == Thread.currentThread();
    }

    /**
     * The current thread's write holds (0 if it does not hold the write lock).
     *
     * @return the number of unmatched write {@code lock()} calls of the current thread, or 0
     */
    public int getWriteHoldCount() {
        return isWriteLockedByCurrentThread() ? writeHolds : 0;
    }

    /**
     * The current thread's read holds.
     *
     * @return the number of unmatched read {@code lock()} calls of the current thread, or 0
     */
    public int getReadHoldCount() {
        if (getReadLockCount() == 0) {
            return 0; // no holds at all: spares a thread that never read-locked a ThreadLocal entry
        }
        if (firstReader == Thread.currentThread()) {
            return firstReaderHolds;
        }
        HoldCounter rh = readHolds.get();
        return rh == null ? 0 : rh.count;
    }

    /**
     * Whether threads are queued for the read or the write lock (a snapshot).
     *
     * @return {@code true} if some thread may be waiting to acquire
     */
    public final boolean hasQueuedThreads() {
        return queue.hasWaiters();
    }

    /**
     * Whether {@code thread} is queued for the read or the write lock (a snapshot).
     *
     * @param thread the thread to look for
     * @return {@code true} if {@code thread} is queued
     * @throws NullPointerException if {@code thread} is null
     */
    public final boolean hasQueuedThread(Thread thread) {
        if (thread == null) {
            throw new NullPointerException("thread");
        }
        queue.lock();
        try {
            for (WaitNode p = queue.first(); p != null; p = p.next) {
                if (p.thread == thread) {
                    return true;
                }
            }
            return false;
        } finally {
            queue.unlock();
        }
    }

    /**
     * Number of queued threads (a snapshot; threads still spinning before they queue are not counted).
     *
     * @return an estimate of the number of threads waiting to acquire
     */
    public final int getQueueLength() {
        queue.lock();
        try {
            return queue.size();
        } finally {
            queue.unlock();
        }
    }

    /**
     * The threads queued for the read or the write lock, in queue order (a snapshot).
     *
     * @return a new collection of the queued threads
     */
    protected Collection<Thread> getQueuedThreads() {
        return queuedThreads(-1);
    }

    /**
     * The threads queued for the write lock (a snapshot).
     *
     * @return a new collection of the threads queued for the write lock
     */
    protected Collection<Thread> getQueuedWriterThreads() {
        return queuedThreads(WRITE);
    }

    /**
     * The threads queued for the read lock (a snapshot).
     *
     * @return a new collection of the threads queued for the read lock
     */
    protected Collection<Thread> getQueuedReaderThreads() {
        return queuedThreads(READ);
    }

    private Collection<Thread> queuedThreads(int kind) {
        ArrayList<Thread> list = new ArrayList<>();
        queue.lock();
        try {
            for (WaitNode p = queue.first(); p != null; p = p.next) {
                if (kind < 0 || (kind == READ) == (p.arg == READ)) { // SIGNALLED nodes are writers
                    list.add(p.thread);
                }
            }
        } finally {
            queue.unlock();
        }
        return list;
    }

    /**
     * Whether some thread awaits {@code condition}, a condition of this lock's write lock.
     *
     * @param condition a condition created by {@code writeLock().newCondition()}
     * @return {@code true} if some thread awaits {@code condition}
     * @throws NullPointerException         if {@code condition} is null
     * @throws IllegalArgumentException     if it is not a condition of this lock
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    public boolean hasWaiters(Condition condition) {
        return ownCondition(condition).waiters(null) > 0;
    }

    /**
     * The number of threads awaiting {@code condition} (same exceptions as {@link #hasWaiters}).
     *
     * @param condition a condition created by {@code writeLock().newCondition()}
     * @return an estimate of the number of threads awaiting {@code condition}
     * @throws NullPointerException         if {@code condition} is null
     * @throws IllegalArgumentException     if it is not a condition of this lock
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    public int getWaitQueueLength(Condition condition) {
        return ownCondition(condition).waiters(null);
    }

    /**
     * The threads awaiting {@code condition} (same exceptions as {@link #hasWaiters}).
     *
     * @param condition a condition created by {@code writeLock().newCondition()}
     * @return a new collection of the threads awaiting {@code condition}
     * @throws NullPointerException         if {@code condition} is null
     * @throws IllegalArgumentException     if it is not a condition of this lock
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     */
    protected Collection<Thread> getWaitingThreads(Condition condition) {
        ArrayList<Thread> list = new ArrayList<>();
        ownCondition(condition).waiters(list);
        return list;
    }

    private WriteCondition ownCondition(Condition condition) {
        if (condition == null) {
            throw new NullPointerException("condition");
        }
        if (!(condition instanceof WriteCondition) || ((WriteCondition) condition).lock != this) {
            throw new IllegalArgumentException("not a condition of this ReadWriteMutex: " + condition);
        }
        return (WriteCondition) condition;
    }

    /** The state, e.g. {@code ...ReadWriteMutex@1b6d3586[Write locks = 0, Read locks = 2]}. */
    @Override
    public String toString() {
        long s = getVolatileState();
        // writeHolds is read racily here: a diagnostic snapshot (an int cannot tear).
        return super.toString() + "[Write locks = " + ((s & WRITER) != 0 ? writeHolds : 0)
                + ", Read locks = " + (s & READ_MASK) + "]";
    }

    private long getVolatileState() {
        return (long) STATE.getVolatile(this);
    }

    // ---------------------------------------------------------------------------------------------
    // Read side

    private void acquireRead() {
        if (!(fair && queue.hasWaiters())) {
            // Fast path, without a read before the atomic: under contention a read then a CAS are two
            // transfers of the state's cache line, one compareAndExchange is one. From 0 (free, nobody
            // waiting); the witness tells whether other readers merely share it (one more CAS from it).
            // Volatile compareAndExchange / compareAndSet: acquire the last writer's release (the
            // witness of a failed exchange is a volatile read, so the second CAS's expectation is fresh).
            long w = (long) STATE.compareAndExchange(this, 0L, 1L);
            if (w == 0L) {
                recordFirstRead();
                return;
            }
            if ((w & (WRITER | WWAIT_MASK)) == 0 && (w & READ_MASK) != READ_MASK
                    && STATE.compareAndSet(this, w, w + 1)) {
                recordRead();
                return;
            }
        }
        if (!tryRead(true)) {
            acquireUninterruptibly(READ);
        }
    }

    /**
     * One attempt at a read hold (recorded when taken). {@code respectQueue}: refuse, unless this is a
     * reentrant acquisition, while a writer waits (fair: while anybody waits).
     */
    private boolean tryRead(boolean respectQueue) {
        return tryRead(respectQueue, false);
    }

    /**
     * As {@link #tryRead(boolean)}; {@code woken}: a non-fair reader woken from the queue head, which
     * ignores waiting writers (they queued behind it) and is refused only by a write holder.
     */
    private boolean tryRead(boolean respectQueue, boolean woken) {
        Thread me = Thread.currentThread();
        int mine = -1; // the current thread's read holds, computed once if needed
        for (; ; ) {
            long s = getVolatileState();
            boolean owner = getExclusiveOwnerThread() == me;
            if ((s & WRITER) != 0 && !owner) {
                return false;
            }
            if (respectQueue && !woken && !owner && (fair ? queue.hasWaiters() : (s & WWAIT_MASK) != 0)) {
                if (mine < 0) {
                    mine = getReadHoldCount();
                }
                if (mine == 0) {
                    return false;
                }
            }
            if ((s & READ_MASK) == READ_MASK) {
                throw new Error("Maximum lock count exceeded");
            }
            // Volatile CAS: acquires the last writer's release.
            if (STATE.compareAndSet(this, s, s + 1)) {
                if ((s & READ_MASK) == 0) {
                    recordFirstRead();
                } else {
                    recordRead();
                }
                return true;
            }
        }
    }

    /**
     * Counts the read hold of the current thread that took the reader count from 0: it becomes the
     * first reader (no ThreadLocal lookup, here or at its release). It held no read hold before (the
     * count is the sum of all holds).
     */
    private void recordFirstRead() {
        firstReader = Thread.currentThread(); // plain: see the Implementation notes ("first reader")
        firstReaderHolds = 1;
    }

    /** Counts a read hold of the current thread that joined other holders (or was granted one). */
    private void recordRead() {
        if (firstReader == Thread.currentThread()) {
            firstReaderHolds++; // plain: ours while we are the first reader
            return;
        }
        HoldCounter rh = readHolds.get();
        if (rh == null) {
            rh = new HoldCounter(); // once per thread and lock: kept, so later reads allocate nothing
            readHolds.set(rh);
        }
        rh.count++; // plain: thread-confined
    }

    private void releaseRead() {
        Thread me = Thread.currentThread();
        if (firstReader == me) {
            if (firstReaderHolds == 1) {
                // Plain: ordered before the getAndAdd below, whose release any later first reader's
                // acquiring CAS reads (so its own store to firstReader comes after this one).
                firstReader = null;
            } else {
                firstReaderHolds--;
            }
        } else {
            HoldCounter rh = readHolds.get();
            if (rh == null || rh.count == 0) {
                throw new IllegalMonitorStateException("read unlock of " + this + ": the current thread \""
                        + me.getName() + "\" holds no read lock");
            }
            rh.count--; // plain: thread-confined
        }
        // One atomic, no read before it (our hold keeps the reader count >= 1, so the decrement cannot
        // borrow from the writer bits). Volatile getAndAdd: releases the reader's accesses, and as a
        // volatile RMW orders the queue check in wakeWaiters after it (the Dekker handshake).
        long s = (long) STATE.getAndAdd(this, -1L);
        if ((s & READ_MASK) == 1) {
            wakeWaiters(); // the last reader may unblock a writer
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Write side

    private void acquireWrite() {
        // Fast path. Volatile CAS: acquires the previous holders' releases.
        if (!(fair && queue.hasWaiters()) && STATE.compareAndSet(this, 0L, WRITER)) {
            setExclusiveOwnerThread(Thread.currentThread());
            writeHolds = 1;
        } else if (!tryWrite(true)) {
            refuseUpgrade();
            acquireUninterruptibly(WRITE);
        }
    }

    /** One attempt at the write lock; {@code respectQueue}: in fair mode, refuse while threads are queued. */
    private boolean tryWrite(boolean respectQueue) {
        Thread me = Thread.currentThread();
        if (getExclusiveOwnerThread() == me) {
            if (writeHolds == Integer.MAX_VALUE) {
                throw new Error("Maximum lock count exceeded");
            }
            writeHolds++;
            return true;
        }
        for (; ; ) {
            long s = getVolatileState();
            if ((s & (WRITER | READ_MASK)) != 0 || respectQueue && fair && queue.hasWaiters()) {
                return false;
            }
            // Volatile CAS: acquires the previous holders' releases.
            if (STATE.compareAndSet(this, s, s | WRITER)) {
                setExclusiveOwnerThread(me);
                writeHolds = 1;
                return true;
            }
        }
    }

    /**
     * Non-fair mode: one attempt of a writer woken from the queue, still counted in WWAIT: takes the
     * write lock and drops its WWAIT count in one CAS.
     */
    private boolean tryWokenWrite() {
        for (; ; ) {
            long s = getVolatileState();
            if ((s & (WRITER | READ_MASK)) != 0) {
                return false;
            }
            // Volatile CAS: acquires the previous holders' releases; WRITER set and our WWAIT count
            // dropped together (arriving readers keep waiting while either is there).
            if (STATE.compareAndSet(this, s, s - WWAIT + WRITER)) {
                setExclusiveOwnerThread(Thread.currentThread());
                writeHolds = 1;
                return true;
            }
        }
    }

    /** A thread with read holds (and not the write lock) would wait for itself forever: refuse. */
    private void refuseUpgrade() {
        if (getReadHoldCount() > 0) {
            throw new IllegalMonitorStateException("write lock of " + this + " requested by \""
                    + Thread.currentThread().getName() + "\", which holds " + getReadHoldCount()
                    + " read hold(s): read-to-write upgrade would deadlock; release the read lock first");
        }
    }

    private void releaseWrite() {
        if (getExclusiveOwnerThread() != Thread.currentThread()) {
            throw new IllegalMonitorStateException("write unlock of " + this
                    + ": the current thread does not hold the write lock");
        }
        if (--writeHolds == 0) {
            releaseWriteFully();
        }
    }

    private void releaseWriteFully() {
        writeHolds = 0;
        setExclusiveOwnerThread(null); // plain: ordered by the release below
        // Volatile RMW: releases the critical section; orders the queue check after it.
        STATE.getAndAdd(this, -WRITER);
        wakeWaiters();
    }

    private IllegalMonitorStateException writeNotHeld(String what) {
        return new IllegalMonitorStateException("cannot " + what + ": the write lock of " + this
                + " is not held by the current thread \"" + Thread.currentThread().getName() + "\"");
    }

    // ---------------------------------------------------------------------------------------------
    // Waiting

    /**
     * A releaser's look at the queue, after its volatile RMW of the state: wake (non-fair) or grant
     * (fair) only if a waiter is queued and no woken waiter is pending. Volatile reads of the head
     * (in hasWaiters) and of {@link WaitQueue#getVolatileWaking() waking}: the releaser's half of the Dekker handshakes
     * described in the Implementation notes.
     */
    private void wakeWaiters() {
        if (queue.hasWaiters() && queue.getVolatileWaking() == 0) {
            queue.wakeWaiters();
        }
    }

    /**
     * Grants the head writer, or the readers up to the next writer, if the state allows. Under the
     * queue lock. Returns the first granted node for the caller to unpark after the queue lock; unparks
     * the others here (see Semaphore#drainLocked).
     */
    private WaitNode drainLocked() {
        WaitNode first = null;
        while (!queue.isEmpty()) {
            WaitNode head = queue.first();
            long s;
            if (head.arg != READ) { // WRITE or SIGNALLED
                do {
                    s = getVolatileState();
                    if ((s & (WRITER | READ_MASK)) != 0) {
                        return first;
                    }
                    // Volatile CAS: the writer's grant: WRITER set, one waiting writer fewer.
                } while (!STATE.compareAndSet(this, s, s - WWAIT + WRITER));
            } else {
                do {
                    s = getVolatileState();
                    if ((s & WRITER) != 0) {
                        return first;
                    }
                    if ((s & READ_MASK) == READ_MASK) {
                        return first; // saturated: readers leaving will drain again
                    }
                } while (!STATE.compareAndSet(this, s, s + 1));
            }
            WaitNode granted = queue.grantFirst();
            if (first == null) {
                first = granted;
            } else {
                WaitQueue.unpark(granted);
            }
            if (head.arg != READ) {
                return first;
            }
        }
        return first;
    }

    /**
     * Waits in the waiting layer for the read ({@code kind == READ}) or write side.
     *
     * @return true once held (hold recorded); false if a timed wait expired
     */
    private boolean acquireSlow(int kind, int mode, long deadline) throws InterruptedException {
        return queue.acquire(this, kind, mode, deadline);
    }

    /**
     * This lock's grant decision in the waiting layer. Fair mode: direct hand-off ({@link #drainLocked}
     * changes the state for the granted waiters). Non-fair mode: wake-one-and-retry with at most one
     * pending wake-up cycle ({@link WaitQueue#getVolatileWaking() waking}, the woken writer or readers): a release wakes the head writer, or the run of readers
     * at the head, only if the lock can be granted to them and no woken waiter is still pending; the
     * woken threads retry like arriving ones (and may lose to a barging writer, then queue again at the
     * head). Signalled condition waiters are granted by hand-off in both modes. A writer is counted in
     * WWAIT from its enqueue until it acquires or gives up (also while woken). Waiters spin one at a
     * time for a bounded budget, then park: no yielding.
     */
    private static final class Queue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final ReadWriteMutex lock;
        Queue(ReadWriteMutex lock) {
            // Fair: hand-off; non-fair: wake-and-retry. One bounded spinner, then park (no yields):
            // the full budget in fair mode, the short barging budget in non-fair mode (SpinPolicy).
            super(lock.fair, lock.fair ? SpinPolicy.SPINS : SpinPolicy.BARGE_SPINS);
            this.lock = lock;
        }


        @Override
        protected boolean tryAcquire(int kind, boolean woken) {
            if (!woken) {
                return kind == READ ? lock.tryRead(true) : lock.tryWrite(true);
            }
            if (kind == READ ? !lock.tryRead(true, true) : !lock.tryWokenWrite()) {
                return false;
            }
            getAndAddWaking(-1);
            if (kind == READ) {
                // A woken reader propagates (as AQS's setHeadAndPropagate): a woken reader that lost to
                // a writer and queued again may have found our token pending and left its wake-up to us.
                lock.wakeWaiters();
            }
            return true;
        }

        @Override
        protected boolean parkLocked(int kind, boolean woken) {
            if (woken) {
                getAndAddWaking(-1); // queued again: the wake-up is used; a woken writer stays in WWAIT
            } else if (kind == WRITE) {
                STATE.getAndAdd(lock, WWAIT); // volatile RMW: from now on arriving readers wait
            }
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            return lock.fair ? lock.drainLocked() : wakeLocked();
        }

        /**
         * Non-fair: wake the head writer if the lock is free, or the readers at the head up to the next
         * writer if no writer holds it, unless a woken waiter is pending; hand a free lock over to a
         * signalled condition waiter at the head.
         */
        private WaitNode wakeLocked() {
            // Volatile reads of waking and of the state after the waiter's volatile write (its link or
            // its token given back): the waiter's half of the handshake with wakeWaiters().
            if (isEmpty() || getVolatileWaking() != 0) {
                return null;
            }
            WaitNode head = first();
            if (head.arg == SIGNALLED) {
                return lock.drainLocked(); // hand-off of the write lock, if free
            }
            long s = lock.getVolatileState();
            if (head.arg == WRITE) {
                if ((s & (WRITER | READ_MASK)) != 0) {
                    return null; // the holders' releases look again
                }
                setVolatileWaking(1); // volatile store under the queue lock: see WaitQueue.getVolatileWaking
                return grantFirst();
            }
            if ((s & WRITER) != 0) {
                return null; // the writer's release looks again
            }
            int n = 0;
            for (WaitNode p = head; p != null && p.arg == READ; p = p.next) {
                n++;
            }
            // Volatile store under the queue lock, before any of them can run: see getVolatileWaking.
            setVolatileWaking(n); // volatile store under the queue lock, from 0
            // The run is granted at once, but only its first reader is unparked, by our caller after
            // the queue lock; each woken reader unparks the next (WaitQueue.grantRun): no unpark under
            // the queue lock (issue 12, 8 threads: 6.3 points of LockSupport.unpark there).
            return grantRun(n);
        }

        @Override
        protected void withdrawnLocked(WaitNode node) {
            if (node.arg == WRITE) {
                STATE.getAndAdd(lock, -WWAIT); // volatile RMW: readers may enter again
            }
        }

        /** Non-fair: a woken waiter gives up unused: its token back (a writer leaves WWAIT), wake the next. */
        @Override
        protected WaitNode passOnLocked(int kind) {
            getAndAddWaking(-1);
            if (kind == WRITE) {
                STATE.getAndAdd(lock, -WWAIT); // volatile RMW: readers may enter again
            }
            return wakeLocked();
        }

        @Override
        protected void acquiredByGrant(int kind) {
            lock.onGranted(kind);
        }
    }

    /** Bookkeeping of a thread whose queued node was granted (the granter already changed the state). */
    private void onGranted(int kind) {
        if (kind == WRITE) {
            setExclusiveOwnerThread(Thread.currentThread());
            writeHolds = 1;
        } else {
            recordRead();
        }
    }

    private void acquireUninterruptibly(int kind) {
        try {
            acquireSlow(kind, Waits.UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError("uninterruptible wait threw", impossible);
        }
    }

    /**
     * The read lock of a {@link ReadWriteMutex}: shared, reentrant, without conditions; barging
     * {@link #tryLock()}. See the class documentation of {@link ReadWriteMutex} for the policy.
     */
    public static class ReadLock implements Lock, Serializable {
        private static final long serialVersionUID = 1L;
        /** The read-write lock whose read side this is (serialized with it). */
        private final ReadWriteMutex lock;

        /**
         * The read lock of {@code lock} (for subclasses; use {@link ReadWriteMutex#readLock()}).
         *
         * @param lock the read-write lock whose read side this is
         * @throws NullPointerException if {@code lock} is null
         */
        protected ReadLock(ReadWriteMutex lock) {
            if (lock == null) {
                throw new NullPointerException("lock");
            }
            this.lock = lock;
        }

        /** Takes a read hold, waiting while another thread holds the write lock (or, see the policy, waits for it). */
        @Override
        public void lock() {
            lock.acquireRead();
        }

        /** As {@link #lock()}, interruptibly; throws at once if the interrupt status is set. */
        @Override
        public void lockInterruptibly() throws InterruptedException {
            Waits.checkInterrupt();
            if (!lock.tryRead(true)) {
                lock.acquireSlow(READ, Waits.INTERRUPTIBLE, 0L);
            }
        }

        /**
         * Takes a read hold if no other thread holds the write lock, barging ahead of queued threads
         * even in fair mode (as ReentrantReadWriteLock). Never waits.
         */
        @Override
        public boolean tryLock() {
            return lock.tryRead(false);
        }

        /**
         * As {@link #lock()}, giving up after the time (fairness honoured; a time of zero or less does
         * not wait).
         *
         * @throws NullPointerException if {@code unit} is null
         */
        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Waits.requireUnit(unit);
            Waits.checkInterrupt();
            long deadline = Waits.deadline(time, unit);
            return lock.tryRead(true) || lock.acquireSlow(READ, Waits.TIMED, deadline);
        }

        /** Releases one read hold of the current thread; {@link IllegalMonitorStateException} if it has none. */
        @Override
        public void unlock() {
            lock.releaseRead();
        }

        /** @throws UnsupportedOperationException always: read locks have no conditions */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("the read lock of a ReadWriteMutex has no conditions"
                    + " (the write lock has)");
        }

        /** E.g. {@code ...ReadWriteMutex$ReadLock@1b6d3586[Read locks = 2]}. */
        @Override
        public String toString() {
            return super.toString() + "[Read locks = " + lock.getReadLockCount() + "]";
        }
    }

    /**
     * The write lock of a {@link ReadWriteMutex}: exclusive, reentrant, owned, with conditions;
     * barging {@link #tryLock()}. See the class documentation of {@link ReadWriteMutex} for the policy.
     */
    public static class WriteLock implements Lock, Serializable {
        private static final long serialVersionUID = 1L;
        /** The read-write lock whose write side this is (serialized with it). */
        private final ReadWriteMutex lock;

        /**
         * The write lock of {@code lock} (for subclasses; use {@link ReadWriteMutex#writeLock()}).
         *
         * @param lock the read-write lock whose write side this is
         * @throws NullPointerException if {@code lock} is null
         */
        protected WriteLock(ReadWriteMutex lock) {
            if (lock == null) {
                throw new NullPointerException("lock");
            }
            this.lock = lock;
        }

        /**
         * Takes the write lock (again, if held), waiting while any other thread holds the read or write lock.
         *
         * @throws IllegalMonitorStateException if the current thread holds read holds and not the write
         *                                      lock (an upgrade, which would deadlock)
         */
        @Override
        public void lock() {
            lock.acquireWrite();
        }

        /** As {@link #lock()}, interruptibly; throws at once if the interrupt status is set. */
        @Override
        public void lockInterruptibly() throws InterruptedException {
            Waits.checkInterrupt();
            if (!lock.tryWrite(true)) {
                lock.refuseUpgrade();
                lock.acquireSlow(WRITE, Waits.INTERRUPTIBLE, 0L);
            }
        }

        /** Takes the write lock if it is free (or held by the current thread), barging even in fair mode. */
        @Override
        public boolean tryLock() {
            return lock.tryWrite(false);
        }

        /**
         * As {@link #lock()}, giving up after the time (fairness honoured; a time of zero or less does
         * not wait).
         *
         * @throws NullPointerException if {@code unit} is null
         */
        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Waits.requireUnit(unit);
            Waits.checkInterrupt();
            long deadline = Waits.deadline(time, unit);
            if (lock.tryWrite(true)) {
                return true;
            }
            lock.refuseUpgrade();
            return lock.acquireSlow(WRITE, Waits.TIMED, deadline);
        }

        /** Releases one write hold; {@link IllegalMonitorStateException} if the current thread does not hold it. */
        @Override
        public void unlock() {
            lock.releaseWrite();
        }

        /** A new condition of this write lock (the JDK {@link Condition} contract; see {@link ReadWriteMutex}). */
        @Override
        public Condition newCondition() {
            return new WriteCondition(lock);
        }

        /**
         * Whether the current thread holds the write lock.
         *
         * @return {@code true} if the current thread holds the write lock
         */
        public boolean isHeldByCurrentThread() {
            return lock.isWriteLockedByCurrentThread();
        }

        /**
         * The current thread's write holds (0 if it does not hold it).
         *
         * @return the number of unmatched {@code lock()} calls of the current thread, or 0
         */
        public int getHoldCount() {
            return lock.getWriteHoldCount();
        }

        /** E.g. {@code ...ReadWriteMutex$WriteLock@1b6d3586[Locked by thread main]} or {@code [Unlocked]}. */
        @Override
        public String toString() {
            Thread o = lock.getExclusiveOwnerThread();
            return super.toString() + (o == null ? "[Unlocked]" : "[Locked by thread " + o.getName() + "]");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Conditions of the write lock

    /**
     * A condition of the write lock, with the {@code java.util.concurrent.locks.Condition} contract:
     * every method requires the write lock ({@link IllegalMonitorStateException}); {@code await*}
     * releases all write holds (and the caller's read holds, if it also holds the read lock), waits,
     * and takes them all back before returning or throwing; no spurious wake-ups.
     *
     * <p>Waiters form a FIFO list through their lock node ({@code arg == COND}), guarded by the lock's
     * queue lock. {@code signal} moves the first one to the lock's queue as a writer (the waiter is then
     * queued for the lock, and is woken when the lock grants it); a waiter that times out or is
     * interrupted takes the queue lock and either finds itself still in the list (it unlinks itself: it
     * did not consume a signal, and throws or returns false after taking the lock again) or already
     * transferred (it was signalled first: it waits for the lock and returns normally, keeping the
     * interrupt status).
     */
    static final class WriteCondition implements Condition {
        final ReadWriteMutex lock;
        /** The waiters' lock nodes, linked by next; guarded by lock.queue's queue lock. */
        private WaitNode first;
        private WaitNode last;

        WriteCondition(ReadWriteMutex lock) {
            this.lock = lock;
        }

        private void checkHeld(String what) {
            if (!lock.isWriteLockedByCurrentThread()) {
                throw lock.writeNotHeld(what);
            }
        }

        @Override
        public void await() throws InterruptedException {
            checkHeld("await");
            Waits.checkInterrupt();
            doAwait(Waits.INTERRUPTIBLE, 0L);
        }

        @Override
        public void awaitUninterruptibly() {
            checkHeld("await");
            try {
                doAwait(Waits.UNINTERRUPTIBLE, 0L);
            } catch (InterruptedException impossible) {
                throw new AssertionError("uninterruptible wait threw", impossible);
            }
        }

        @Override
        public long awaitNanos(long nanosTimeout) throws InterruptedException {
            checkHeld("await");
            Waits.checkInterrupt();
            long deadline = Waits.deadline(nanosTimeout, TimeUnit.NANOSECONDS);
            doAwait(Waits.TIMED, deadline);
            // The remaining time (<= 0 once the deadline passed), measured after re-acquiring, as AQS does.
            return deadline - System.nanoTime();
        }

        @Override
        public boolean await(long time, TimeUnit unit) throws InterruptedException {
            Waits.requireUnit(unit);
            checkHeld("await");
            Waits.checkInterrupt();
            return doAwait(Waits.TIMED, Waits.deadline(time, unit));
        }

        @Override
        public boolean awaitUntil(Date deadline) throws InterruptedException {
            if (deadline == null) {
                throw new NullPointerException("deadline");
            }
            checkHeld("await");
            Waits.checkInterrupt();
            // The deadline is on the wall clock, the wait on nanoTime: the two may disagree by a little (clock
            // adjustment), so wait again, still holding the lock between the two waits (no signal can fall in
            // between), until the wall clock has reached the deadline -- never early, as AQS's awaitUntil.
            long millis = deadline.getTime() - System.currentTimeMillis();
            do {
                if (doAwait(Waits.TIMED, Waits.deadline(millis, TimeUnit.MILLISECONDS))) {
                    return true;
                }
                millis = deadline.getTime() - System.currentTimeMillis();
            } while (millis > 0);
            return false;
        }

        /**
         * Enqueues, releases the write lock, waits, re-acquires.
         *
         * @return false iff a timed wait ended by its deadline (not signalled)
         */
        private boolean doAwait(int mode, long deadline) throws InterruptedException {
            WaitQueue q = lock.queue;
            WaitNode node = WaitNode.current();
            int savedReads = lock.getReadHoldCount(); // a write holder may also read (mid-downgrade)
            q.lock();
            node.arg = COND;
            node.next = null;
            node.setPlainStatus(WaitNode.WAITING); // plain: published by the queue lock's release below
            if (last == null) {
                first = node;
            } else {
                last.next = node;
            }
            last = node;
            q.unlock();
            int saved = lock.writeHolds;
            // Release the read holds too (as AQS's full release does), or the signalled waiter could
            // never be granted the write lock: it would wait for its own reads.
            for (int i = 0; i < savedReads; i++) {
                lock.releaseRead();
            }
            lock.releaseWriteFully();
            int r = node.await(this, mode, deadline);
            if (r < 0) {
                q.lock();
                // Under the queue lock: a signaller moves a node out of the list only while holding it.
                boolean inList = node.arg == COND;
                if (inList) {
                    unlink(node);
                    node.setPlainStatus(WaitNode.IDLE); // plain: our own node, no longer reachable
                }
                q.unlock();
                if (inList) { // not signalled: take the lock again, then report the timeout or interrupt
                    lock.reacquireWrite(saved);
                    lock.restoreReads(savedReads);
                    if (r == WaitNode.INTERRUPTED) {
                        throw new InterruptedException();
                    }
                    return false;
                }
                // Signalled first: queued for the lock. Wait for the grant; keep the interrupt status.
                if (r == WaitNode.INTERRUPTED) {
                    node.interrupted = true;
                }
                r = node.await(lock, Waits.UNINTERRUPTIBLE, 0L);
            }
            // r == GRANTED: the lock granted our transferred node (WRITER set, WWAIT decremented).
            node.setPlainStatus(WaitNode.IDLE);
            lock.setExclusiveOwnerThread(Thread.currentThread());
            lock.writeHolds = saved;
            lock.restoreReads(savedReads);
            node.restoreInterrupt();
            return true;
        }

        /** Unlinks a node from the list. Under the queue lock. */
        private void unlink(WaitNode node) {
            WaitNode prev = null;
            for (WaitNode p = first; p != null; prev = p, p = p.next) {
                if (p == node) {
                    if (prev == null) {
                        first = p.next;
                    } else {
                        prev.next = p.next;
                    }
                    if (last == p) {
                        last = prev;
                    }
                    p.next = null;
                    return;
                }
            }
        }

        /** Moves the first waiter to the lock's queue as a writer. Under the queue lock, holding the write lock. */
        private boolean transferFirst() {
            WaitNode node = first;
            if (node == null) {
                return false;
            }
            first = node.next;
            if (first == null) {
                last = null;
            }
            node.next = null;
            node.arg = SIGNALLED; // a writer granted by hand-off (see Queue)
            // Volatile RMW: the transferred node counts as a waiting writer (readers arriving now wait).
            STATE.getAndAdd(lock, WWAIT);
            // The status stays WAITING throughout (addLast writes the same value): the waiter never sees
            // its wait end between the two lists. It is woken when the lock grants it.
            lock.queue.addLast(node);
            return true;
        }

        @Override
        public void signal() {
            checkHeld("signal");
            lock.queue.lock();
            transferFirst();
            lock.queue.unlock();
        }

        @Override
        public void signalAll() {
            checkHeld("signal");
            lock.queue.lock();
            while (transferFirst()) {
                // all of them, in order
            }
            lock.queue.unlock();
        }

        /** Counts the waiters, adding their threads to {@code threads} if not null. Holding the write lock. */
        int waiters(Collection<Thread> threads) {
            checkHeld("query waiters");
            int n = 0;
            lock.queue.lock();
            try {
                for (WaitNode p = first; p != null; p = p.next) {
                    n++;
                    if (threads != null) {
                        threads.add(p.thread);
                    }
                }
            } finally {
                lock.queue.unlock();
            }
            return n;
        }

        @Override
        public String toString() {
            return super.toString() + "[condition of the write lock of " + lock + "]";
        }
    }

    /** Takes back, as the write holder, the read holds a condition wait released. */
    private void restoreReads(int holds) {
        for (int i = 0; i < holds; i++) {
            tryRead(false); // the write holder always gets a read hold
        }
    }

    /** Takes the write lock again after a condition wait that was not signalled, restoring the holds. */
    private void reacquireWrite(int savedHolds) {
        if (!tryWrite(true)) {
            acquireUninterruptibly(WRITE);
        }
        writeHolds = savedHolds;
    }
}
