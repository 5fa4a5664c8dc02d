package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.lang.invoke.VarHandle;

/**
 * A sequence lock: writers take an exclusive lock that makes a sequence number odd while they write;
 * readers take no lock at all: they read the sequence, read the data, and retry if the sequence changed
 * meanwhile. Reads never block writers and cost readers no shared-memory writes, so read-mostly data
 * shared by many cores (a timestamp pair, a small record of statistics, a configuration snapshot) is
 * read at the speed of plain loads.
 *
 * <pre>{@code
 * final SeqLock seq = new SeqLock();
 * long x, y;                               // the protected data: plain fields
 *
 * void move(long dx, long dy) {            // writer
 *     seq.writeLock();
 *     try {
 *         x += dx;
 *         y += dy;
 *     } finally {
 *         seq.writeUnlock();
 *     }
 * }
 *
 * long[] position() {                      // reader: copy into locals, validate, then use
 *     long s, rx, ry;
 *     do {
 *         s = seq.readBegin();
 *         rx = x;
 *         ry = y;
 *     } while (!seq.readValidate(s));
 *     return new long[] {rx, ry};          // never a torn pair
 * }
 * }</pre>
 *
 * <p><b>Rules for readers.</b> Between {@link #readBegin()} and a successful {@link #readValidate(long)}
 * the values read may be inconsistent (a writer may be half-way): copy them into locals and do not act
 * on them (index arrays, follow references, divide) before validating. Protected data should be
 * primitives or immutable objects. A reader that finds no writer inside writes no shared state, and no
 * reader can hold back a writer; a reader can be starved by a continuous stream of writers (the price of
 * invisible readers).
 *
 * <p><b>Waiting.</b> A {@link #readBegin()} that finds a writer inside, and a {@link #writeLock()} that
 * finds another writer inside, wait for that write to end in Lockstep's waiting layer
 * ({@code WaitQueue}): at most one of them spins (briefly, {@code lockstep.spins} steps), the others
 * park at once, and the writer's {@link #writeUnlock()} unparks them all. A writer's unlock costs one
 * compare-and-set; it touches the waiting layer only when a waiter announced itself during that write.
 * So when threads outnumber cores, waiters hand their core to the writer they wait for (which may have
 * been descheduled in the middle of its write) instead of spinning or yielding until the scheduler
 * runs it, as {@code StampedLock}'s readers do when an optimistic read fails. The waits are not
 * interruptible (a {@code readBegin} has no failure result; an interrupt is kept for the caller).
 *
 * <p><b>Algorithm and memory ordering</b>, after the Linux kernel's {@code seqlock_t} and H.-J. Boehm,
 * <i>Can Seqlocks Get Along With Programming Language Memory Models?</i> (MSPC 2012), whose fence
 * placement this class follows (Java's {@link VarHandle} fences have the C++11 meanings):
 * <ul>
 *   <li>writer: compare-and-set the sequence from even {@code s} to odd {@code s+1} (excludes other
 *       writers), {@link VarHandle#storeStoreFence()} so the odd value is visible before any data
 *       store, data stores, then a release store of {@code s+2} (data stores visible before the even
 *       value);</li>
 *   <li>reader: an acquire load of the sequence (data loads cannot move before it), data loads, an
 *       {@link VarHandle#acquireFence()} (data loads cannot move after the next load), then an opaque
 *       load of the sequence: equal and even means no writer ran in between, so the data loads saw
 *       exactly the stores of the last completed write.</li>
 * </ul>
 * A reader about to park announces itself in the sequence word: it compare-and-sets a {@code WAITERS}
 * bit into the odd value of the write in progress; the writer's unlock is a compare-and-set from its
 * own odd value to the next even one, which fails if the bit was set, and the writer then wakes the
 * parked threads. One variable, two atomic read-modify-writes: exactly one of them succeeds, so a
 * waiter that announced is woken, and one whose announcement failed sees the write ended.
 * Properties: writers are mutually exclusive (deadlock-free, not FIFO: they compete with
 * compare-and-set, and a woken writer may lose to a barging one); readers are wait-free per attempt
 * when no writer is inside, and obstruction-free overall.
 *
 * <p>JFR: {@code dev.lockstep.ContendedAcquire} (threshold 10 ms by default, holder unknown) is emitted
 * for a {@link #writeLock()} that parked waiting for another writer, and for a {@link #readBegin()} that
 * parked waiting for a writer to leave, measured by the waiting layer from the park to the wake-up (the
 * stack trace shows which). That is what "waited" means for an optimistic reader: the time it could
 * not start a read. A failed {@link #readValidate(long)} is not a wait and is not recorded: the reader
 * keeps no state between its calls (it writes nothing shared, which is the point of the lock), so a
 * retry that finds the sequence even again starts at once; a reader held back by a writer on its retry
 * waits in {@code readBegin} again, and that wait is recorded.
 *
 * <p>Space: one padded 64-bit counter (128 bytes either side, so that the readers' line is
 * not disturbed by stores to neighbouring data) and an empty wait queue; per thread, the waiting layer's
 * one reused node, created at the thread's first park; no allocation on any path after that.
 */
public final class SeqLock {
    /*
     * Implementation notes.
     * seq holds the sequence in its low 62 bits and the WAITERS bit. The sequence is even when no
     * writer is inside, odd while one is; it only grows (2^62 writes before it would reach WAITERS).
     * Writers are exclusive because only the thread whose CAS moved seq from even to odd may write.
     * WAITERS is set only on an odd value (by a waiter, under the queue lock, with CAS from that odd
     * value) and cleared only by the unlock of that write, which stores the next even value without it:
     * so an even value never has it, readBegin returns plain even sequence numbers, and while WAITERS
     * is set only the writer inside changes seq.
     * No lost wake-up: every queued node was linked, under the queue lock, while WAITERS was set on the
     * odd value of the write in progress (parkLocked set or saw it just before). The unlock of that write
     * sees the bit (its CAS fails: one variable, so one of the two CASes is ordered first and the other
     * sees its result), stores the even value, then takes the queue lock and grants every queued node
     * (grantLocked), unless WAITERS is set again: a later write's waiter set it, and that write's unlock
     * will grant them all. A waiter whose parkLocked finds the write over does not link (retries).
     */
    /** The bit a parking waiter sets in the odd sequence of the write it waits for. */
    private static final long WAITERS = 1L << 62;

    private final PaddedLong seq = new PaddedLong(0L);
    /** The parked readers and writers, waiting for the write in progress to end. */
    private final Waiters waiters = new Waiters(this);

    /** A SeqLock with sequence 0 and no writer. */
    public SeqLock() {
    }

    /**
     * Starts an optimistic read: waits while a writer is inside, then returns the (even) sequence to
     * pass to {@link #readValidate(long)}.
     *
     * @return the sequence number at the start of the read, even
     */
    public long readBegin() {
        // Acquire: the data loads that follow cannot be performed before this load.
        long s = seq.getAcquire();
        return (s & 1L) == 0 ? s : readBeginContended();
    }

    /** readBegin's waiting path: a writer is inside (the uncontended readBegin is one load and a test). */
    private long readBeginContended() {
        long s;
        // Acquire: as in readBegin. An even value has no WAITERS bit (see the implementation notes).
        while (((s = seq.getAcquire()) & 1L) != 0) {
            awaitWriteEnd();
        }
        return s;
    }

    /**
     * Waits in the waiting layer until the write in progress (or a later one) has ended: the one
     * spinner spins, the others park until the writer's unlock grants them. Not interruptible: the
     * layer clears an interrupt before parking and sets it again after.
     */
    private void awaitWriteEnd() {
        try {
            waiters.acquire(this, 0, Waits.UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait threw", e); // cannot happen
        }
    }

    /**
     * Ends an optimistic read: true if no writer entered since {@link #readBegin()} returned {@code s},
     * so the values read in between are consistent; false means: discard them and retry.
     *
     * @param s the sequence number returned by {@link #readBegin()}
     * @return {@code true} if the values read since are consistent
     */
    public boolean readValidate(long s) {
        // Acquire fence: the data loads before it are ordered before the sequence load after it (a plain
        // or opaque load alone could be satisfied before the data loads). Boehm 2012, section 5.
        VarHandle.acquireFence();
        // Opaque: after the fence, an atomic coherent load suffices.
        return seq.getOpaque() == s;
    }

    /**
     * Whether a writer is inside now (a snapshot).
     *
     * @return {@code true} if a writer was inside at the time of the call
     */
    public boolean isWriteLocked() {
        return (seq.getOpaque() & 1L) != 0;
    }

    /**
     * The current sequence number (a snapshot; odd while a writer is inside).
     *
     * @return the current sequence number
     */
    public long sequence() {
        return seq.getAcquire() & ~WAITERS;
    }

    /**
     * Enters the write side, waiting while another writer is inside (the one spinner of the waiting
     * layer spins briefly, the others park until that writer's unlock).
     */
    public void writeLock() {
        if (!tryWriteLock()) {
            writeLockContended();
        }
    }

    /**
     * Enters the write side if no writer is inside; never waits.
     *
     * @return {@code true} if the write side was entered
     */
    public boolean tryWriteLock() {
        long s = seq.getOpaque();
        // Volatile CAS: excludes other writers and acquires the previous writer's data stores. An even
        // value has no WAITERS bit, so s + 1 is the plain odd sequence.
        if ((s & 1L) == 0 && seq.compareAndSet(s, s + 1)) {
            // Store-store fence: the odd sequence is visible before any data store of this write, so a
            // reader that sees one of them also sees a changed sequence at validation.
            VarHandle.storeStoreFence();
            return true;
        }
        return false;
    }

    /**
     * Leaves the write side, and wakes the threads that parked waiting for this write to end.
     *
     * @throws IllegalMonitorStateException if no writer is inside (the caller must hold the write side)
     */
    public void writeUnlock() {
        // Opaque: the writer reads back its own odd value, perhaps with WAITERS set by a parking waiter.
        long s = seq.getOpaque();
        if ((s & 1L) == 0) {
            throw new IllegalMonitorStateException("SeqLock.writeUnlock() without writeLock(): sequence " + s);
        }
        long next = (s & ~WAITERS) + 1;
        // Volatile CAS: its volatile write makes every data store of this write visible before the even
        // sequence (as a release store would), and being an atomic read-modify-write of seq it fails if
        // a waiter's CAS set WAITERS first; a waiter whose CAS comes after it fails and does not park.
        if ((s & WAITERS) != 0 || !seq.compareAndSet(s, next)) {
            // WAITERS is set, so no one but this writer changes seq until it is even again.
            // Release: every data store of this write is visible before the even sequence.
            seq.setRelease(next);
            waiters.wakeAll();
        }
    }

    /** writeLock's waiting path (the uncontended writeLock is one tryWriteLock). */
    private void writeLockContended() {
        do {
            awaitWriteEnd();
        } while (!tryWriteLock());
    }

    @Override
    public String toString() {
        long s = seq.getOpaque() & ~WAITERS;
        return super.toString() + "[sequence " + s + ((s & 1L) != 0 ? ", write-locked]" : "]");
    }

    /**
     * The grant decision of SeqLock's waiters in the waiting layer: a waiter may go once no writer is
     * inside; to park it sets WAITERS in the odd sequence of the write in progress; the unlock of a
     * write that found WAITERS grants every queued waiter (hand-off: the grant means "the write you
     * waited for is over"; the waiter then reads the sequence again and may wait for a later write).
     */
    private static final class Waiters extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final transient SeqLock lock;

        Waiters(SeqLock lock) {
            super(true, true);
            this.lock = lock;
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            // Acquire: a waiter that returns reads the sequence again with acquire; this is only the test.
            return (lock.seq.getAcquire() & 1L) == 0;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            for (; ; ) {
                // Volatile read, then CAS: the announcement must be made on the current odd value (see
                // writeUnlock); under the queue lock, so announcements and grants do not interleave.
                long s = lock.seq.getVolatile();
                if ((s & 1L) == 0) {
                    return false; // the write is over: retry instead of parking
                }
                // Volatile CAS: atomic with the writer's unlock CAS on the same variable, so either it
                // sets WAITERS before the unlock (which then sees it and wakes us) or it fails.
                if ((s & WAITERS) != 0 || lock.seq.compareAndSet(s, s | WAITERS)) {
                    return true;
                }
            }
        }

        @Override
        protected WaitNode grantLocked() {
            // Acquire read under the queue lock: run after linking (the re-check) and by a flagged
            // writer's unlock after its store of the even value (program order: it sees that store or
            // a later value). WAITERS set: the write our nodes announced is still in progress, or a
            // later write was announced, whose unlock will grant every queued node.
            if ((lock.seq.getAcquire() & WAITERS) != 0) {
                return null;
            }
            WaitNode first = null;
            while (!isEmpty()) {
                WaitNode n = grantFirst();
                if (first == null) {
                    first = n;
                } else {
                    unpark(n);
                }
            }
            return first;
        }

        /** A flagged writer's unlock, after it stored the even sequence: grant and wake every waiter. */
        void wakeAll() {
            lock();
            WaitNode first = grantLocked();
            unlock();
            unpark(first);
        }
    }
}
