package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

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
 * primitives or immutable objects. A reader never writes shared state and cannot starve a writer; a
 * reader can be starved by a continuous stream of writers (the price of invisible readers).
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
 * Properties: writers are mutually exclusive (deadlock-free, not FIFO: they compete with
 * compare-and-set); readers are wait-free per attempt and obstruction-free overall.
 *
 * <p><b>Waiting.</b> A reader that finds a writer inside, and a writer that finds another, wait for the
 * sequence to become even. One of them at a time is the <i>watcher</i>: it polls the sequence by
 * {@link SpinPolicy} (spin, yield, timed naps) and never parks untimed; it spins only a few steps
 * ({@code SpinPolicy.SEQLOCK_SPINS}, 4: a running writer's few stores end within them) and then yields
 * its core, so that a writer that is not running gets one, and so that, while threads contend, the
 * other core's threads run without the lock's and the data's cache lines moving between the cores at
 * every write (on 2 cores this made the read-mostly benchmark 3-4 times faster than with the common
 * 100-step budget; README, issue 12). The others park in the waiting
 * layer ({@code core.internal.WaitQueue}) after setting a {@code PARKED} bit in the odd sequence of the
 * write in progress; the writer's unlock, still a single release store, clears the bit and, if the value
 * it read had it, wakes the first of them, and each woken waiter wakes the next as it leaves (wake-one,
 * as {@link java.util.concurrent.locks.StampedLock}'s {@code signalNext}, so that the parked waiters
 * become runnable one after another, not all at once). When that announcement races with the unlock's
 * store and is overwritten, the watcher wakes the first as soon as it sees the even sequence. So at most
 * one waiter takes CPU while a writer that was descheduled mid-write needs a core to finish (the case
 * of more threads than cores), and the uncontended write costs what it did: the bounded-spinner rule of
 * WebKit's {@code WTF::Lock} and Linux's optimistic spinning, with the wake-up announcement of {@link
 * java.util.concurrent.locks.StampedLock} moved off the writer's store-load path. Waits are
 * uninterruptible (no method of this class throws {@link InterruptedException}; an interrupt status
 * is kept) and work on virtual threads ({@link java.util.concurrent.locks.LockSupport} parking).
 *
 * <p>JFR: {@code dev.lockstep.ContendedAcquire} (threshold 10 ms by default, holder unknown) is emitted
 * for a {@link #writeLock()} that waited for another writer, and for a {@link #readBegin()} that waited
 * for a writer to leave, measured from the first odd sequence it read to the even one it returns (the
 * stack trace shows which). That is what "waited" means for an optimistic reader: the time it could
 * not start a read. A failed {@link #readValidate(long)} is not a wait and is not recorded: the reader
 * keeps no state between its calls (it writes nothing shared, which is the point of the lock), so a
 * retry that finds the sequence even again starts at once; a reader held back by a writer on its retry
 * waits in {@code readBegin} again, and that wait is recorded.
 *
 * <p>Space: one padded 64-bit counter (128 bytes either side, so that the readers' line is
 * not disturbed by stores to neighbouring data) and an empty wait queue; nothing per thread; no
 * allocation on any path after a thread's first park (its wait node is reused).
 */
public final class SeqLock {
    /*
     * Implementation notes.
     * seq is even when no writer is inside, odd while one is. Its low 63 bits count lock and unlock
     * steps (2^63 writes before wrap); bit 63 is PARKED. Writers are exclusive because only the thread
     * whose CAS moved seq from even to odd may write.
     *
     * Waiting (issue 12). A thread that needs an even sequence (readBegin, a writeLock that lost) and
     * finds it odd either becomes the one WATCHER (a slot in Waiters) and polls seq by SpinPolicy (spin,
     * yield, timed naps; the spin budget SEQLOCK_SPINS, eighteenth round below), or parks in Waiters (a
     * WaitQueue). Invariants:
     *  - PARKED is only ever set in an odd value (parkLocked CASes it into the odd value it read), so
     *    every even value, and so every value readBegin returns, has it clear;
     *  - a waiter parks only if, under the queue lock, seq was odd and a watcher was registered; the
     *    watcher never parks untimed, and on leaving clears the slot (volatile) and wakes the first
     *    parked waiter (wakeWaiters: volatile read of the queue head). The parking waiter links its node
     *    (volatile head write) and re-checks the slot and PARKED (volatile reads) in grantLocked: by the
     *    total order of volatile accesses one of the two sees the other, so no waiter stays parked once
     *    the write it waits for has ended and the watcher has seen it (no lost wake-up);
     *  - wake-one: every wake-up (unlock, watcher, a linking waiter's re-check) grants only the head of
     *    the queue; a thread that queued passes it on when it leaves awaitEven (wakeWaiters). Its grant
     *    check declines only while the write in progress carries PARKED and a watcher polls: that
     *    write's unlock, or the watcher, then wakes the next head. So every queued waiter is either
     *    next in a chain of woken threads or covered by PARKED and the watcher (no lost wake-up; test
     *    SeqLockWaitersTest.oneUnlockReleasesEveryParkedReader);
     *  - the writer's unlock stays one opaque load and one release store (no read-modify-write, no
     *    store-load fence: the uncontended write costs what it did). It clears PARKED and, if the value it
     *    loaded had it, wakes the first parked waiter at once. A PARKED set between its load and its store is
     *    overwritten: that wake-up is then the watcher's (above), late by at most the watcher's poll;
     *  - the watcher, before each timed nap, also sets PARKED, and the unlock that sees it unparks the
     *    watcher as well (the watcher's nap was otherwise the last thread to learn that the write ended).
     *    If that announcement is overwritten, the watcher sleeps out its nap: late, never lost.
     *
     * Measured (issue 12, README row "SeqLock / StampedLock"; short JMH runs on the shared 2-core
     * machine, before/after alternating: java -jar jmh/target/benchmarks.jar
     * 'sync\.ReadMostlyBench\.oversubscribed4|SeqLockCostBench' -p impl=SeqLock,StampedLock -f 1 -wi 1
     * -w 1s -i 2 -r 1s -prof 'perfnorm:events=context-switches,task-clock'): the uncontended write and
     * read cost what they did (14.9-15.0 ns and 1.65-1.7 ns); 4 threads: context switches per op
     * 4.8-6.5e-4 -> 1.0-5.2e-5 (StampedLock's level), but CPU per op 17-31 ns against StampedLock's
     * 8-13 and the throughput ratio 0.56-0.83x. -prof stack: StampedLock keeps about 2 of its 4 workers
     * parked (28.9% of samples), ours about 1.3 (parked 6.3%, watcher napping ~12%), so more threads
     * than cores stay runnable. Eighth round: wake-one with pass-on (above); measured in
     * docs/benchmarks/headline-evidence.md, SeqLock section.
     *
     * Eighteenth round: the watcher's spin budget. With SpinPolicy's common 100 steps the watcher kept
     * its core for microseconds per wait; with 4 (SpinPolicy.SEQLOCK_SPINS) it yields after ~100-200 ns.
     * ReadMostlyBench, 2 / 4 / 8 threads on 2 cores, ops/us, -f 3, one window (the sweep by
     * -Dlockstep.spins before the budget had its own property): 100 steps 53 / 53 / 79, 16 steps 92 /
     * 187 / 125, 4 steps 156 / 223 / 173, none 191 / 207 / 148; StampedLock 47 / 176 / 187. The yield
     * is what StampedLock's parking does for it: one core's threads run alone for a while, the lines
     * stay in one cache. The algorithm and the wake-up protocol are unchanged.
     *
     * Thirty-eighth round (measured, not kept; README row "SeqLock / StampedLock", evidence file): the
     * watcher's naps. Naps of 1-4 ms instead of yields reach StampedLock's rate on 2 vCPUs, but most
     * of them began after the write had ended or on an unmarked write (announceParked's CAS lost to the
     * next write) and ran their length: threads asleep past the write they waited for. With the mark
     * made reliable the gain mostly went, and the overwritten-mark race (above) would leave a reader
     * up to a nap late after the write ended, so the nap stays PARK_NANOS (20 us). An atomic unlock
     * (getAndSet: 1.035x on the uncontended write) closes that race, but waiters that then park until
     * woken ran at half main's rate. Naps without the yields: 4 threads within the spread, 2 threads
     * 3.3x, at the price of a wake-up for a reader behind a write of microseconds on dedicated cores,
     * which the yields see end at once (behind a 1 us write: p50 12.0 us against 1.2). Left as it is.
     */
    private static final long PARKED = Long.MIN_VALUE;
    /** The watcher's spin steps before it yields: {@link SpinPolicy#SEQLOCK_SPINS} (notes, eighteenth round). */
    static final int WATCH_SPINS = SpinPolicy.SEQLOCK_SPINS;

    private final PaddedLong seq = new PaddedLong(0L);
    /** Threads waiting for an even sequence: one watcher polls, the others park. */
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
        Object jfr = Jfr.beginContended(this); // JFR ContendedAcquire: null unless a recording enables it
        long s = awaitEven();
        Jfr.endContended(jfr, true);
        return s;
    }

    /**
     * Waits until the sequence is even and returns it (never with PARKED: see the notes). One waiter at a
     * time watches (polls by SpinPolicy); the others park until the writer's unlock or the watcher wakes
     * them, so that on an oversubscribed machine the waiters do not take the cores a descheduled writer
     * needs to finish.
     */
    private long awaitEven() {
        long s;
        boolean queued = false; // parked (or tried to) in the queue: may hold a wake-up to pass on
        while (((s = seq.getAcquire()) & 1L) != 0) { // acquire: as in readBegin
            if (waiters.tryWatch()) {
                try {
                    int step = 0;
                    do {
                        if (SpinPolicy.isParking(step, WATCH_SPINS)) {
                            announceParked(); // about to nap: let the unlock cut the nap short
                        }
                        // The sequence lock's short budget (SpinPolicy's notes): a running writer ends
                        // within a few steps; past them the watcher yields its core, then naps.
                        step = SpinPolicy.idle(step, WATCH_SPINS);
                    } while ((seq.getAcquire() & 1L) != 0); // acquire: as in readBegin
                } finally {
                    waiters.endWatch();
                }
            } else {
                queued = true;
                waiters.await(this);
            }
        }
        if (queued) {
            // Wake-one: the unlock, or the watcher, woke only the head of the queue; pass the wake-up on
            // to the next waiter, unless the write in progress carries PARKED and a watcher polls (then
            // its unlock or the watcher wakes the next; grantLocked decides).
            waiters.wakeWaiters();
        }
        return s;
    }

    /** Sets PARKED in the odd sequence of the write in progress, if it is not set already. */
    private void announceParked() {
        long s = seq.getVolatile(); // volatile: read before the CAS that may set the bit
        if ((s & 1L) != 0 && s >= 0) {
            // Volatile CAS: sets PARKED only in the odd value of the write in progress; failing means the
            // sequence moved on (the write ended or PARKED is set). If the write ended and the next one
            // began, that one carries no mark and the watcher's nap, not its unlock, ends the wait: late
            // by at most one nap, as when an unlock overwrites a mark (counted and left: notes, thirty-
            // eighth round).
            seq.compareAndSet(s, s | PARKED);
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
        return seq.getAcquire() & ~PARKED;
    }

    /**
     * Enters the write side, waiting while another writer is inside (one waiter polls by
     * {@link SpinPolicy}, the others park until that writer leaves).
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
        // Volatile CAS: excludes other writers and acquires the previous writer's data stores.
        if ((s & 1L) == 0 && seq.compareAndSet(s, s + 1)) {
            // Store-store fence: the odd sequence is visible before any data store of this write, so a
            // reader that sees one of them also sees a changed sequence at validation.
            VarHandle.storeStoreFence();
            return true;
        }
        return false;
    }

    /**
     * Leaves the write side.
     *
     * @throws IllegalMonitorStateException if no writer is inside (the caller must hold the write side)
     */
    public void writeUnlock() {
        long s = seq.getOpaque(); // opaque: the writer reads back its own odd value (PARKED may be set)
        if ((s & 1L) == 0) {
            throw new IllegalMonitorStateException("SeqLock.writeUnlock() without writeLock(): sequence " + s);
        }
        // Release: every data store of this write is visible before the even sequence. PARKED cleared:
        // even values never carry it.
        seq.setRelease((s & ~PARKED) + 1);
        if (s < 0) { // PARKED was set: a waiter parked, or the watcher naps, on this write: wake them now
            waiters.wakeWaiters();
            waiters.unparkWatcher();
        }
    }

    /** writeLock's waiting path (the uncontended writeLock is one tryWriteLock, as before). */
    private void writeLockContended() {
        Object jfr = Jfr.beginContended(this); // JFR ContendedAcquire: null unless a recording enables it
        do {
            awaitEven();
        } while (!tryWriteLock());
        Jfr.endContended(jfr, true);
    }

    @Override
    public String toString() {
        long s = seq.getOpaque() & ~PARKED;
        return super.toString() + "[sequence " + s + ((s & 1L) != 0 ? ", write-locked]" : "]");
    }

    /**
     * The waiting threads of one SeqLock: the watcher slot and the queue of parked waiters (the waiting
     * layer, non-hand-off, no spinning of its own: the watcher is the one spinner). The head parked waiter
     * is woken when the write it waits for has ended (PARKED no longer in seq) or when no watcher is left;
     * it wakes the next as it leaves.
     */
    private static final class Waiters extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private static final VarHandle WATCHER;

        static {
            try {
                WATCHER = MethodHandles.lookup().findVarHandle(Waiters.class, "watcher", Thread.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final transient SeqLock lock;
        /** The waiter that watches seq (polls it, never parks untimed), or null; accessed through WATCHER. */
        private transient Thread watcher;

        Waiters(SeqLock lock) {
            super(false, false);
            this.lock = lock;
        }

        /** Takes the watcher slot if it is free. */
        boolean tryWatch() {
            // Volatile CAS: the slot's value takes part in the volatile handshake of parkLocked/grantLocked.
            return WATCHER.getVolatile(this) == null && WATCHER.compareAndSet(this, null, Thread.currentThread());
        }

        /** Leaves the watcher slot and wakes the first parked waiter (which passes the wake-up on). */
        void endWatch() {
            // Volatile store, then wakeWaiters' volatile read of the queue head: Dekker with a parking
            // waiter's volatile head write and volatile read of the slot in grantLocked.
            WATCHER.setVolatile(this, null);
            wakeWaiters();
        }

        /**
         * Ends the watcher's nap, if one watches (the unlock of a write it announced itself to). An unpark
         * that arrives after the thread stopped watching only makes one later park of it return early,
         * which every park loop here tolerates.
         */
        void unparkWatcher() {
            Object w = WATCHER.getVolatile(this); // volatile: as the slot's other accesses
            if (w != null) {
                LockSupport.unpark((Thread) w);
            }
        }

        /** Parks until woken (or returns at once if the write is over or nobody watches). */
        void await(Object blocker) {
            try {
                acquire(blocker, 0, Waits.UNINTERRUPTIBLE, 0L);
            } catch (InterruptedException e) {
                throw new AssertionError("an uninterruptible wait threw", e); // cannot happen
            }
        }

        /** Leave the queue's loop when the sequence is even or nobody watches (the caller then watches). */
        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            return (lock.seq.getAcquire() & 1L) == 0 || WATCHER.getVolatile(this) == null;
        }

        /** Park only while a write is in progress and a watcher polls; announce it with PARKED. */
        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            for (; ; ) {
                long s = lock.seq.getVolatile(); // volatile: ordered with the CAS below and the slot read
                if ((s & 1L) == 0 || WATCHER.getVolatile(this) == null) {
                    return false;
                }
                // Volatile CAS: sets PARKED only in the odd value of the write in progress.
                if (s < 0 || lock.seq.compareAndSet(s, s | PARKED)) {
                    return true;
                }
            }
        }

        /**
         * Wakes the first parked waiter once the write they announced themselves to is over (PARKED
         * clear: its unlock stored a value without it) or no watcher is left; else nobody. The woken
         * waiter wakes the next when it leaves (awaitEven).
         */
        @Override
        protected WaitNode grantLocked() {
            // Volatile reads: after the volatile head write of a node just linked (see endWatch).
            if (lock.seq.getVolatile() < 0 && WATCHER.getVolatile(this) != null) {
                return null;
            }
            return isEmpty() ? null : grantFirst(); // wake one: it passes the wake-up on (awaitEven)
        }
    }
}
