package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractOwnableSynchronizer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A read-write lock with writer preference: any number of readers, or one writer; once a writer
 * waits, arriving readers wait behind it, so a stream of readers cannot starve writers.
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
 * <p><b>Semantics.</b> The write lock is reentrant and owned (only its holder may unlock it); its holder
 * may also take the read lock (and so downgrade: lock write, lock read, unlock write). The read lock is
 * <em>not reentrant</em> and not owned (like {@link java.util.concurrent.locks.StampedLock}): a thread
 * holding it must not lock it again, because a writer that arrived in between makes the second
 * acquisition wait for the writer, which waits for the first one (use ReentrantReadWriteLock if
 * reads nest). Neither lock supports conditions (use {@link Mutex}). Upgrading read to write deadlocks,
 * as everywhere.
 *
 * <p><b>Algorithm.</b> One 64-bit state word: reader count (bits 0-31), a writer bit (32), and the
 * number of waiting writers (bits 33-62). A reader enters with one compare-and-set when there is
 * neither a writer nor a waiting writer; a writer enters with one compare-and-set from 0. Otherwise a
 * thread spins for {@link SpinPolicy}'s budget, then enqueues a reusable per-thread node in a FIFO
 * {@link WaitQueue} (a writer also increments the waiting-writer count, which turns arriving readers
 * away) and parks. Releasers that leave the lock free for the queue head grant it directly under the
 * queue lock: a writer at the head, or every reader up to the next queued writer (so readers queued
 * before a writer are not overtaken by it). This is the classic writer-preference policy of Courtois,
 * Heymans &amp; Parnas, <i>Concurrent control with "readers" and "writers"</i>, CACM 14(10), 1971
 * (second problem), with FIFO hand-off among parked threads.
 *
 * <p><b>Properties.</b> Mutual exclusion between a writer and anyone else; writers are not starved by
 * readers; readers are not starved by writers either, since queued readers are granted in arrival order
 * relative to queued writers. Space: one object; one reusable node per waiting thread; uncontended
 * read and write lock/unlock allocate nothing. Extends {@link AbstractOwnableSynchronizer}: the write
 * holder shows in thread dumps.
 */
public final class ReadWriteMutex extends AbstractOwnableSynchronizer implements ReadWriteLock {
    /*
     * Implementation notes.
     * Writer bit and reader count are never both set except when the writer itself also read-locks
     * (downgrade). WWAIT counts queued writer nodes: incremented under the queue lock when a writer
     * enqueues, decremented when it is granted (in the same CAS that sets WRITER) or withdraws. Grants
     * happen only under the queue lock in drainLocked(); invariant after it: the queue head cannot be
     * granted in the current state. Waiters re-check after enqueuing; releasers check the queue after
     * their volatile RMW (Dekker handshake through volatile accesses: no lost wake-up).
     */
    private static final long serialVersionUID = 1L;

    private static final long READ_MASK = 0xFFFF_FFFFL;
    private static final long WRITER = 1L << 32;
    private static final long WWAIT = 1L << 33;
    private static final long WWAIT_MASK = ~(READ_MASK | WRITER);
    private static final int READ = 0;
    private static final int WRITE = 1;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ReadWriteMutex.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        WaitNode.initialize(); // here, not lazily under contention (see Mutex)
    }

    private transient long state;
    /** Write hold count; plain: the write holder's only. */
    private transient int writeHolds;
    private final transient WaitQueue queue = new WaitQueue();
    private final transient ReadLock readLock = new ReadLock();
    private final transient WriteLock writeLock = new WriteLock();

    /** A free read-write lock. */
    public ReadWriteMutex() {
    }

    /** A deserialized ReadWriteMutex is a new, free one (as for ReentrantReadWriteLock). */
    private Object readResolve() {
        return new ReadWriteMutex();
    }

    @Override
    public Lock readLock() {
        return readLock;
    }

    @Override
    public Lock writeLock() {
        return writeLock;
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    /** Number of read holds now (a snapshot). */
    public int getReadLockCount() {
        return (int) (stateVolatile() & READ_MASK);
    }

    /** Whether a writer holds the lock (a snapshot). */
    public boolean isWriteLocked() {
        return (stateVolatile() & WRITER) != 0;
    }

    /** Whether the current thread holds the write lock (exact: see Mutex#isHeldByCurrentThread). */
    public boolean isWriteLockedByCurrentThread() {
        return getExclusiveOwnerThread() == Thread.currentThread();
    }

    /** The current thread's write holds. */
    public int getWriteHoldCount() {
        return isWriteLockedByCurrentThread() ? writeHolds : 0;
    }

    /** Whether threads are parked waiting (a snapshot). */
    public boolean hasQueuedThreads() {
        return queue.hasWaiters();
    }

    /** Number of parked waiters (a snapshot). */
    public int getQueueLength() {
        queue.lock();
        try {
            return queue.size();
        } finally {
            queue.unlock();
        }
    }

    @Override
    public String toString() {
        long s = stateVolatile();
        return super.toString() + "[Write locks = " + ((s & WRITER) != 0 ? writeHolds : 0)
                + ", Read locks = " + (s & READ_MASK) + "]";
    }

    private long stateVolatile() {
        return (long) STATE.getVolatile(this);
    }

    // ---------------------------------------------------------------------------------------------
    // Read side

    /** One attempt at a read hold; {@code respectWriters}: refuse while a writer waits. */
    private boolean tryRead(boolean respectWriters) {
        for (; ; ) {
            long s = stateVolatile();
            if ((s & WRITER) != 0 && getExclusiveOwnerThread() != Thread.currentThread()) {
                return false;
            }
            if (respectWriters && (s & WWAIT_MASK) != 0 && getExclusiveOwnerThread() != Thread.currentThread()) {
                return false;
            }
            if ((s & READ_MASK) == READ_MASK) {
                throw new Error("Maximum lock count exceeded");
            }
            // Volatile CAS: acquires the last writer's release.
            if (STATE.compareAndSet(this, s, s + 1)) {
                return true;
            }
        }
    }

    private void readUnlock() {
        for (; ; ) {
            long s = stateVolatile();
            if ((s & READ_MASK) == 0) {
                throw new IllegalMonitorStateException("read unlock of " + this + ": no read lock is held");
            }
            // Volatile CAS: releases the reader's accesses; orders the queue check below after it.
            if (STATE.compareAndSet(this, s, s - 1)) {
                if (((s - 1) & READ_MASK) == 0) {
                    wakeWaiters(); // the last reader may unblock a writer
                }
                return;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Write side

    private boolean tryWrite() {
        Thread me = Thread.currentThread();
        if (getExclusiveOwnerThread() == me) {
            if (writeHolds == Integer.MAX_VALUE) {
                throw new Error("Maximum lock count exceeded");
            }
            writeHolds++;
            return true;
        }
        for (; ; ) {
            long s = stateVolatile();
            if ((s & (WRITER | READ_MASK)) != 0) {
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

    private void writeUnlock() {
        if (getExclusiveOwnerThread() != Thread.currentThread()) {
            throw new IllegalMonitorStateException("write unlock of " + this
                    + ": the current thread does not hold the write lock");
        }
        if (--writeHolds == 0) {
            setExclusiveOwnerThread(null); // plain: ordered by the release below
            // Volatile RMW: releases the critical section; orders the queue check after it.
            STATE.getAndAdd(this, -WRITER);
            wakeWaiters();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Waiting

    private void wakeWaiters() {
        if (queue.hasWaiters()) {
            queue.lock();
            WaitNode wake = drainLocked();
            queue.unlock();
            WaitQueue.unpark(wake);
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
            if (head.arg == WRITE) {
                do {
                    s = stateVolatile();
                    if ((s & (WRITER | READ_MASK)) != 0) {
                        return first;
                    }
                    // Volatile CAS: the writer's grant: WRITER set, one waiting writer fewer.
                } while (!STATE.compareAndSet(this, s, s - WWAIT + WRITER));
            } else {
                do {
                    s = stateVolatile();
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
            if (head.arg == WRITE) {
                return first;
            }
        }
        return first;
    }

    /**
     * Spins, then queues and parks for the read ({@code kind == READ}) or write side.
     *
     * @return true once held; false if a timed wait expired
     */
    private boolean acquireSlow(int kind, int mode, long deadline) throws InterruptedException {
        for (int step = 0; !SpinPolicy.isParking(step); ) {
            if (mode == Waits.TIMED && System.nanoTime() - deadline >= 0) {
                return false;
            }
            step = SpinPolicy.idle(step);
            if (kind == READ ? tryRead(true) : tryWrite()) {
                return true;
            }
        }
        if (mode == Waits.TIMED && System.nanoTime() - deadline >= 0) {
            return false;
        }
        WaitNode node = WaitNode.current();
        queue.lock();
        node.arg = kind;
        if (kind == WRITE) {
            STATE.getAndAdd(this, WWAIT); // volatile RMW: from now on arriving readers wait
        }
        queue.addLast(node);
        node.setBlockedOn(this);
        WaitNode wake = drainLocked(); // re-check: the lock may have been released before we were visible
        queue.unlock();
        if (wake != null && wake != node) {
            WaitQueue.unpark(wake);
        }
        int r = node.await(this, mode, deadline);
        node.setBlockedOn(null);
        if (r < 0) {
            queue.lock();
            if (node.statusAcquire() == WaitNode.WAITING) {
                queue.remove(node);
                if (kind == WRITE) {
                    STATE.getAndAdd(this, -WWAIT); // volatile RMW: readers may enter again
                }
                wake = drainLocked(); // readers queued behind a withdrawn writer may go
                queue.unlock();
                WaitQueue.unpark(wake);
                if (r == WaitNode.INTERRUPTED) {
                    throw new InterruptedException();
                }
                return false;
            }
            queue.unlock();
            if (r == WaitNode.INTERRUPTED) {
                node.interrupted = true; // granted first: keep the lock and the interrupt status
            }
        }
        node.setStatusPlain(WaitNode.IDLE);
        if (kind == WRITE) {
            setExclusiveOwnerThread(Thread.currentThread());
            writeHolds = 1;
        }
        node.restoreInterrupt();
        return true;
    }

    private void acquireUninterruptibly(int kind) {
        try {
            acquireSlow(kind, Waits.UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError("uninterruptible wait threw", impossible);
        }
    }

    /** The read side. Not reentrant; no conditions. */
    final class ReadLock implements Lock {
        @Override
        public void lock() {
            long s = stateVolatile();
            // Fast path. Volatile CAS: acquires the last writer's release.
            if ((s & (WRITER | WWAIT_MASK)) != 0 || (s & READ_MASK) == READ_MASK
                    || !STATE.compareAndSet(ReadWriteMutex.this, s, s + 1)) {
                if (!tryRead(true)) {
                    acquireUninterruptibly(READ);
                }
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            Waits.checkInterrupt();
            if (!tryRead(true)) {
                acquireSlow(READ, Waits.INTERRUPTIBLE, 0L);
            }
        }

        /** Takes a read hold if no writer holds the lock; barges ahead of waiting writers. Never waits. */
        @Override
        public boolean tryLock() {
            return tryRead(false);
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Waits.requireUnit(unit);
            Waits.checkInterrupt();
            long deadline = Waits.deadline(time, unit);
            return tryRead(true) || acquireSlow(READ, Waits.TIMED, deadline);
        }

        /** @throws IllegalMonitorStateException if no read hold exists */
        @Override
        public void unlock() {
            readUnlock();
        }

        /** @throws UnsupportedOperationException always: use {@link Mutex} for conditions */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("the read lock of ReadWriteMutex has no conditions");
        }

        @Override
        public String toString() {
            return "read lock of " + ReadWriteMutex.this;
        }
    }

    /** The write side. Reentrant and owned; no conditions. */
    final class WriteLock implements Lock {
        @Override
        public void lock() {
            // Fast path. Volatile CAS: acquires the previous holders' releases.
            if (STATE.compareAndSet(ReadWriteMutex.this, 0L, WRITER)) {
                setExclusiveOwnerThread(Thread.currentThread());
                writeHolds = 1;
            } else if (!tryWrite()) {
                acquireUninterruptibly(WRITE);
            }
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            Waits.checkInterrupt();
            if (!tryWrite()) {
                acquireSlow(WRITE, Waits.INTERRUPTIBLE, 0L);
            }
        }

        @Override
        public boolean tryLock() {
            return tryWrite();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            Waits.requireUnit(unit);
            Waits.checkInterrupt();
            long deadline = Waits.deadline(time, unit);
            return tryWrite() || acquireSlow(WRITE, Waits.TIMED, deadline);
        }

        /** @throws IllegalMonitorStateException if the current thread does not hold the write lock */
        @Override
        public void unlock() {
            writeUnlock();
        }

        /** @throws UnsupportedOperationException always: use {@link Mutex} for conditions */
        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("the write lock of ReadWriteMutex has no conditions;"
                    + " use dev.lockstep.core.sync.Mutex");
        }

        /** Whether the current thread holds the write lock. */
        public boolean isHeldByCurrentThread() {
            return isWriteLockedByCurrentThread();
        }

        @Override
        public String toString() {
            return "write lock of " + ReadWriteMutex.this;
        }
    }
}
